import BreathTestSupport
import BreathProtocol
import BreathTestSupport
import Foundation
import Testing

/// `history`, `session`, `export` and `report` against a real control socket.
@Suite(.timeLimit(.minutes(1))) struct HistoryCommandsTests {
    @Test func historyIsATable() async throws {
        let socket = try ServedSocket()
        let result = try await socket.serve { socket in
            try await ClientProcess.run(["history", "--limit", "5", "--socket", socket.path])
        }
        #expect(result.status == 0)
        #expect(result.stdout == """
            ID  STARTED           DURATION  END        HR bpm  RMSSD ms  COHERENCE  HIGH
            13  2026-11-23 10:33         -  running         -         -          -  -
            12  2026-11-23 08:00     10:00  completed    61.2      48.5       3.10  4:40 (47 %)

            """)
        #expect(socket.handler.requests == [.history(limit: 5)])
    }

    @Test func historyJSONIsTheDaemonsLine() async throws {
        let socket = try ServedSocket()
        let result = try await socket.serve { socket in
            try await ClientProcess.run(["history", "--json", "--socket", socket.path])
        }
        let expected = LineCodec.encodeLine(.history(HistoryReply(sessions: [Fixtures.runningSession, Fixtures.finishedSession])))
        #expect(result.stdout == String(decoding: expected, as: UTF8.self))
        #expect(socket.handler.requests == [.history(limit: nil)])
    }

    @Test func historyCSVHasOneRowPerSession() async throws {
        let result = try await ServedSocket().serve { socket in
            try await ClientProcess.run(["history", "--csv", "--socket", socket.path])
        }
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines == [
            "id,started_at,ended_at,end_reason,duration_s,rate_bpm,ratio,voice,volume,mean_hr_bpm,rmssd_ms,sdnn_ms,"
                + "mean_coherence_score,low_s,medium_s,high_s,beats,artifacts,mean_synchrony,following_share",
            "13,2026-11-23T10:33:20.000Z,,,,5.5,4:6,glide,0.5,,,,,,,,,,,",
            "12,2026-11-23T08:00:00.000Z,2026-11-23T08:10:00.250Z,completed,600.250,5.5,4:6,glide,0.5,61.2,48.5,62.0,3.10,120.500,200.000,279.500,612,4,0.86,0.92",
            "",
        ])
    }

    /// A real session's figures are sums and means with 15 digits of floating-point noise; the
    /// CSV rounds them as `export` does.
    @Test func historyCSVRoundsToWhatTheFiguresResolve() async throws {
        var record = Fixtures.finishedSession
        record.endedAt = Timestamp(unixMilliseconds: record.startedAt.unixMilliseconds + 326_716)
        record.summary?.meanHeartRateBPM = 56.44471819009184
        record.summary?.rmssdMilliseconds = 57.912515720905986
        record.summary?.sdnnMilliseconds = 96.04750914359353
        record.summary?.meanCoherenceScore = 6.920184086651556
        record.summary?.secondsInLevel = LevelSeconds(low: 0, medium: 8.533, high: 272.72999999999985)
        record.summary?.meanSynchrony = 0.7718815056842023
        record.summary?.followingShare = 0.25769230769230766
        let reply = HistoryReply(sessions: [record])
        let socket = try ServedSocket(handler: ScriptedHandler { _ in .history(reply) })
        let result = try await socket.serve { socket in
            try await ClientProcess.run(["history", "--csv", "--socket", socket.path])
        }
        #expect(result.stdout.split(separator: "\n").last == "12,2026-11-23T08:00:00.000Z,2026-11-23T08:05:26.716Z,completed,326.716,5.5,4:6,glide,0.5,56.4,57.9,96.0,6.92,0.000,8.533,272.730,612,4,0.77,0.26")
    }

    @Test func sessionShowsTheSummaryAndCharts() async throws {
        let socket = try ServedSocket()
        let result = try await socket.serve { socket in
            try await ClientProcess.run(["session", "last", "--socket", socket.path])
        }
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(lines.prefix(7)) == [
            "session    12, completed after 10:00",
            "time       2026-11-23 08:00:00 to 08:10:00",
            "settings   10:00 at 5.5 breaths/min, ratio 4:6, voice glide, volume 50 %",
            "heart      mean 61.2 bpm, RMSSD 48.5 ms, SDNN 62.0 ms",
            "coherence  mean 3.10; high 4:40 (47 %), medium 3:20 (33 %), low 2:01 (20 %)",
            "synchrony  0.86 (following the pacer 92 % of the time)",
            "beats      612 (4 artifacts)",
        ])
        let heart = try #require(lines.firstIndex(of: "heart rate (bpm, normal beats)"))
        // 60000 / (1000 ± 80) ms: the axis spans 56 to 65 bpm; 8 rows, the x axis and its labels.
        #expect(lines[heart + 1].hasPrefix("65 ┤"))
        #expect(lines[heart + 8].hasPrefix("56 ┤"))
        #expect(lines[heart + 9] == "   └" + String(repeating: "─", count: 60))
        // From the first beat to the last normal one (the last beat is an artifact).
        #expect(lines[heart + 10] == "    0:01" + String(repeating: " ", count: 51) + "10:01")
        let coherence = try #require(lines.firstIndex(of: "coherence score"))
        // Coherence rises through the session: the last column is full, the first nearly empty.
        #expect(lines[coherence + 1].hasPrefix("4.5 ┤") && lines[coherence + 1].hasSuffix("█"))
        #expect(lines[coherence + 8].hasPrefix("1.0 ┤▁"))
        #expect(socket.handler.requests == [.session(.last)])
    }

    @Test func sessionWithoutSynchronyHasNoSynchronyRow() async throws {
        let older = SessionReply(session: Fixtures.finishedSessionWithoutSynchrony, beats: Fixtures.sessionReply.beats)
        let socket = try ServedSocket(handler: ScriptedHandler { _ in .session(older) })
        let result = try await socket.serve { socket in
            try await ClientProcess.run(["session", "12", "--socket", socket.path])
        }
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("beats      612 (4 artifacts)"))
        #expect(!lines.contains { $0.hasPrefix("synchrony") })
    }

    /// Issue 15: live pacing changes in `session` (text: session time, local time, new value;
    /// --json: the daemon's `pacing_changes`), and the report's times in the user's zone (TZ).
    @Test func sessionAndReportShowPacingChangesInLocalTime() async throws {
        var reply = Fixtures.sessionReply
        reply.pacingChanges = [
            PacingChange(
                offsetSeconds: 95.4, at: Timestamp(unixMilliseconds: 1_795_420_895_400), setting: .rate, rateBreathsPerMinute: 5,
                ratio: BreathRatio(inhale: 4, exhale: 6), voice: .glide),
            PacingChange(
                offsetSeconds: 300, at: Timestamp(unixMilliseconds: 1_795_421_100_000), setting: .ratio, rateBreathsPerMinute: 5,
                ratio: .even, voice: .glide),
        ]
        let served = reply
        let socket = try ServedSocket(handler: ScriptedHandler { _ in .session(served) })
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (text, json, reports) = try await socket.serve { socket in
            var reports: [String: String] = [:]
            for zone in ["America/New_York", "Asia/Kolkata"] {
                let path = "\(directory.path)/\(zone.split(separator: "/")[1]).svg"
                let run = try await ClientProcess.run(["report", "12", "--output", path, "--socket", socket.path], environment: ["TZ": zone])
                #expect(run.status == 0, "\(run.stderr)")
                reports[zone] = try String(contentsOfFile: path, encoding: .utf8)
            }
            return (
                try await ClientProcess.run(["session", "12", "--socket", socket.path], environment: ["TZ": "Asia/Kolkata"]),
                try await ClientProcess.run(["session", "12", "--json", "--socket", socket.path]), reports
            )
        }
        let lines = text.stdout.split(separator: "\n").map(String.init)
        // 2026-11-23 08:00 UTC is 13:30 in Kolkata.
        #expect(lines.contains("time       2026-11-23 13:30:00 to 13:40:00"))
        #expect(lines.contains("changed    1:35 (asked 13:31:35) rate 5 breaths/min"))
        #expect(lines.contains("           5:00 (asked 13:35:00) ratio 1:1"))
        #expect(json.stdout == String(decoding: LineCodec.encodeLine(.session(reply)), as: UTF8.self))
        #expect(json.stdout.contains(#""pacing_changes":[{"at":"2026-11-23T08:01:35.400Z","rate_bpm":5,"ratio":"4:6","setting":"rate","t_s":95.4"#))

        let newYork = try #require(reports["America/New_York"]), kolkata = try #require(reports["Asia/Kolkata"])
        #expect(newYork.contains("breathd session 12 · 2026-11-23 03:00–03:10 EST"))
        #expect(newYork.contains(">5/min 4:6, asked 03:01<") && newYork.contains(">5/min 1:1, asked 03:05<"))
        #expect(kolkata.contains("breathd session 12 · 2026-11-23 13:30–13:40 IST"))
        #expect(kolkata.contains(">5/min 4:6, asked 13:31<"))
        #expect(newYork.components(separatedBy: "class=\"pacing-change\"").count == 3)
    }

    @Test func sessionJSONIsTheDaemonsLine() async throws {
        let socket = try ServedSocket()
        let result = try await socket.serve { socket in
            try await ClientProcess.run(["session", "12", "--json", "--socket", socket.path])
        }
        #expect(result.stdout == String(decoding: LineCodec.encodeLine(.session(Fixtures.sessionReply)), as: UTF8.self))
        #expect(socket.handler.requests == [.session(.id(12))])
    }

    /// Both formats use the same names (`t_s`, never `t`), add each beat's `hr_bpm` and its local
    /// wall-clock `time`, and round to what the sensor resolves.
    @Test func exportWritesEveryBeat() async throws {
        // Central European time, as a POSIX rule (no tzdata needed): the session began at 08:00 UTC,
        // 09:00 local, in winter.
        let berlin = ["TZ": "CET-1CEST,M3.5.0,M10.5.0/3"]
        let (csv, json) = try await ServedSocket().serve { socket in
            (
                try await ClientProcess.run(["export", "last", "--socket", socket.path], environment: berlin),
                try await ClientProcess.run(["export", "12", "--format", "json", "--socket", socket.path], environment: berlin)
            )
        }
        #expect(csv.status == 0 && json.status == 0)
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 601)
        #expect(lines[0] == "t_s,rr_ms,nn,mean_hr_bpm,rmssd_ms,sdnn_ms,coherence_score,coherence_level,synchrony,synchrony_phase_deg,hr_bpm,time,rate_bpm,ratio,voice")
        #expect(lines[1] == "1.000,1000.0,1,,,,,,,,60.0,2026-11-23T09:00:01.000+01:00,5.500,4:6,glide")
        // The 65th beat is the first with metrics: RR 1000 + 80 sin(6.4) ms = 1009 ms, 59.5 bpm.
        #expect(lines[65] == "65.010,1009.0,1,60.0,45.0,55.0,0.93,low,0.41,20,59.5,2026-11-23T09:01:05.010+01:00,5.500,4:6,glide", "\(lines[65])")
        #expect(csv.stdout == SessionExport.csv(Fixtures.sessionReply, utcOffset: { _ in 3600 }))

        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let beats = try #require(document["beats"] as? [[String: Any]])
        #expect(beats.count == 600)
        #expect(Set(beats[0].keys) == ["t_s", "rr_ms", "nn", "hr_bpm", "time", "rate_bpm", "ratio", "voice"])
        #expect(beats[0]["t_s"] as? Double == 1 && beats[0]["hr_bpm"] as? Double == 60)
        #expect(beats[0]["time"] as? String == "2026-11-23T09:00:01.000+01:00")
        #expect(beats[64]["coherence_score"] as? Double == 0.93 && beats[64]["synchrony_phase_deg"] as? Double == 20)
        #expect(Set(beats[64].keys) == Set(lines[0].split(separator: ",").map(String.init)), "the CSV's columns are the JSON's keys")
        let session = try #require(document["session"] as? [String: Any])
        #expect(session["id"] as? Int == 12 && session["started_at"] as? String == "2026-11-23T08:00:00.000Z")
    }

    /// The PNG is drawn in process (no rsvg-convert on PATH) and written whole; a file that
    /// cannot be written is named with the system's reason.
    @Test func reportWritesAPNGWithoutAnyHelperProgramAndNamesAnUnwritableFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let png = directory.path + "/session.png", unwritable = directory.path + "/missing/session.png"
        let (written, refused) = try await ServedSocket().serve { socket in
            (
                try await ClientProcess.run(["report", "12", "--output", png, "--socket", socket.path], environment: ["PATH": directory.path]),
                try await ClientProcess.run(["report", "12", "--output", unwritable, "--socket", socket.path])
            )
        }
        #expect(written.status == 0 && written.stderr.isEmpty, "\(written.stderr)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: png)))
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["session.png"], "no partial file left")
        #expect(refused.status == 1 && refused.stderr.contains("\(unwritable): No such file or directory"), "\(refused.stderr)")
    }
}
