import BreathProtocol
import BreathTestSupport
import Foundation
import Testing

/// breathctl against a real control socket (BreathDaemon's server with a scripted engine).
@Suite(.timeLimit(.minutes(1))) struct ClientCommandTests {
    @Test func statusPrintsAReadableSummary() async throws {
        let result = try await ServedSocket().serve { socket in
            try await ClientProcess.run(["status", "--socket", socket.path])
        }
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "state      running, session 13: 2:05 elapsed, 7:55 left",
            "pacer      5.5 breaths/min, ratio 1:1, voice bowl, volume 40 %; exhale 25 %, breath 11",
            "heart      59.4 bpm, RMSSD 41.2 ms, SDNN 57.2 ms, pNN50 27.0 %",
            "coherence  1.35 medium (ratio 1.35, peak 0.094 Hz), artifacts 1.5 %",
            "sensor     streaming /dev/ttyUSB0 (rr): 1520 beats, 3 artifacts, 2 rejected lines, last beat 0.4 s ago",
            "audio      playing on default, 1 xrun (last error: underrun at 12:00)",
        ])
    }

    @Test func statusOfAnIdleDaemonSaysWhatIsMissing() async throws {
        let handler = ScriptedHandler { _ in .status(Fixtures.idleStatus) }
        let result = try await ServedSocket(handler: handler).serve { socket in
            try await ClientProcess.run(["status"], environment: ["BREATHD_SOCKET": socket.path])
        }
        #expect(result.status == 0)
        #expect(result.stdout.contains("state      idle\n"))
        #expect(result.stdout.contains("heart      no beats yet\n"))
        #expect(result.stdout.contains("coherence  warming up: 64 s of beats still needed\n"))
        #expect(result.stdout.contains("sensor     none configured\n"))
    }

    @Test func statusJSONIsTheDaemonsLine() async throws {
        let result = try await ServedSocket().serve { socket in
            try await ClientProcess.run(["status", "--json", "--socket", socket.path])
        }
        #expect(result.status == 0)
        #expect(result.stdout == String(decoding: LineCodec.encodeLine(.status(Fixtures.runningStatus)), as: UTF8.self))
    }

    @Test func controlCommandsSendTheirRequests() async throws {
        let socket = try ServedSocket()
        let outputs = try await socket.serve { socket in
            var outputs: [ClientProcess.Result] = []
            for arguments in [
                ["start"], ["start", "--minutes", "2.5", "--rate", "6", "--ratio", "4:6", "--voice", "noise", "--volume", "0.3"],
                ["stop"], ["pause"], ["resume"], ["set", "rate", "6.5"], ["set", "ratio", "2:3"], ["set", "voice", "bowl"],
                ["set", "volume", "0.2"],
            ] {
                outputs.append(try await ClientProcess.run(arguments + ["--socket", socket.path]))
            }
            return outputs
        }
        #expect(outputs.allSatisfy { $0.status == 0 && $0.stderr.isEmpty })
        #expect(outputs[0].stdout == "session 13 started\n")
        #expect(outputs[2...].allSatisfy { $0.stdout.isEmpty }, "silent on success, as mpc and chronyc are")
        #expect(socket.handler.requests == [
            .start(StartOptions()),
            .start(StartOptions(minutes: 2.5, rateBreathsPerMinute: 6, ratio: BreathRatio(inhale: 4, exhale: 6), voice: .noise, volume: 0.3)),
            .stop, .pause, .resume,
            .set(.rate(6.5)), .set(.ratio(BreathRatio(inhale: 2, exhale: 3))), .set(.voice(.bowl)), .set(.volume(0.2)),
        ])
    }

    /// The real engine answers with a sentence ("session 1 paused"); the commands keep it to
    /// themselves unless asked with -v, as README promises.
    @Test func controlCommandsAreQuietOnSuccessAndTalkWithVerbose() async throws {
        let handler = ScriptedHandler { request in
            switch request {
            case .set: .ok(OKReply(message: "rate changed from the next breath", session: 1))
            default: .ok(OKReply(message: "session 1 \(request.command.rawValue) done", session: 1))
            }
        }
        let commands = [["stop"], ["pause"], ["resume"], ["set", "rate", "6"], ["set", "voice", "bowl"]]
        let (quiet, verbose) = try await ServedSocket(handler: handler).serve { socket in
            var quiet: [ClientProcess.Result] = []
            var verbose: [ClientProcess.Result] = []
            for (index, arguments) in commands.enumerated() {
                quiet.append(try await ClientProcess.run(arguments + ["--socket", socket.path]))
                verbose.append(try await ClientProcess.run(arguments + [index.isMultiple(of: 2) ? "-v" : "--verbose", "--socket", socket.path]))
            }
            return (quiet, verbose)
        }
        for result in quiet {
            #expect(result.status == 0)
            #expect(result.stdout.isEmpty, "quiet on success: \(result.stdout)")
            #expect(result.stderr.isEmpty)
        }
        #expect(verbose.map(\.stdout) == [
            "session 1 stop done\n", "session 1 pause done\n", "session 1 resume done\n",
            "rate changed from the next breath\n", "rate changed from the next breath\n",
        ])
    }

    /// A refusal with --json: the daemon's ERROR object on stdout as it came, the sentence on
    /// stderr and status 1 as without --json.
    @Test func aRefusalWithJSONPrintsTheErrorObject() async throws {
        let handler = ScriptedHandler { request in .error("\(request.command.rawValue): not permitted for uid 65534") }
        let commands = [
            ["pause"], ["stop"], ["set", "rate", "6"], ["start"], ["status"], ["history"], ["session", "5"], ["assess", "--detach"],
        ]
        let results = try await ServedSocket(handler: handler).serve { socket in
            var results: [ClientProcess.Result] = []
            for arguments in commands {
                results.append(try await ClientProcess.run(arguments + ["--json", "--socket", socket.path]))
            }
            results.append(try await ClientProcess.run(["pause", "--socket", socket.path]))
            return results
        }
        for (arguments, result) in zip(commands, results) {
            let message = "\(arguments[0]): not permitted for uid 65534"
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stdout == String(decoding: LineCodec.encodeLine(.error(message)), as: UTF8.self), "\(arguments)")
            #expect(result.stdout.hasPrefix("{\"class\":\"ERROR\""))
            #expect(result.stderr == message + "\n")
        }
        // Without --json, nothing on stdout.
        #expect(results.last?.status == 1)
        #expect(results.last?.stdout == "")
    }

    /// Both programs answer --version with the one release constant.
    @Test func bothProgramsAnswerVersion() async throws {
        let client = try await ClientProcess.run(["--version"])
        #expect(client.status == 0)
        #expect(client.stdout == Release.version + "\n")
        let daemon = try await ChildProcess.run(TestPaths.binary("breathd"), ["--version"])
        #expect(daemon.status == 0)
        #expect(daemon.stdout == Release.version + "\n")
    }

    @Test func controlJSONPrintsTheOKLine() async throws {
        let result = try await ServedSocket().serve { socket in
            try await ClientProcess.run(["start", "--json", "--socket", socket.path])
        }
        #expect(result.stdout == "{\"class\":\"OK\",\"message\":\"session started\",\"session\":13}\n")
    }

    @Test func anErrorReplyIsPrintedAndExitsWithStatus1() async throws {
        let handler = ScriptedHandler { request in .error("\(request.command.rawValue): no session is running") }
        let result = try await ServedSocket(handler: handler).serve { socket in
            try await ClientProcess.run(["pause", "--socket", socket.path])
        }
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "pause: no session is running\n")
    }

    @Test func anUnknownSessionIsAnError() async throws {
        let result = try await ServedSocket().serve { socket in
            try await ClientProcess.run(["session", "99", "--socket", socket.path])
        }
        #expect(result.status == 1)
        #expect(result.stderr == "no session 99 in history\n")
    }

    @Test func withoutADaemonTheExitStatusIs69() async throws {
        let missing = "/tmp/breathctl-test-\(getpid())-missing/breathd.sock"
        for arguments in [["status"], ["watch"], ["start"]] {
            let result = try await ClientProcess.run(arguments, environment: ["BREATHD_SOCKET": missing])
            #expect(result.status == 69)
            #expect(result.stderr == "breathd is not running (no socket at \(missing))\n")
        }
        // The history commands read the database instead; 69 when there is none either.
        let nowhere = "/tmp/breathctl-test-\(getpid())-no-state"
        for arguments in [["history"], ["session", "last"], ["export", "last"]] {
            let result = try await ClientProcess.run(
                arguments, environment: ["BREATHD_SOCKET": missing, "STATE_DIRECTORY": nowhere, "XDG_CONFIG_HOME": nowhere])
            #expect(result.status == 69)
            #expect(
                result.stderr == "breathd is not running (no socket at \(missing)), and no history at \(nowhere)/history.sqlite "
                    + "(no session has been recorded there yet)\n")
        }
        // The default path follows XDG_RUNTIME_DIR.
        let result = try await ClientProcess.run(["status"], environment: ["XDG_RUNTIME_DIR": "/tmp/breathctl-test-none"])
        #expect(result.status == 69)
        #expect(result.stderr == "breathd is not running (no socket at /tmp/breathctl-test-none/breathd/breathd.sock)\n")
    }

    /// Each option's help gives the range its check enforces: the bounds of the refusal's
    /// "between A and B" appear in the option's help as "A-B" or "A to B".
    @Test(arguments: [
        (["analyze", "x.txt", "--sample-rate", "1"], "--sample-rate"), (["analyze", "x.txt", "--pacer-rate", "99"], "--pacer-rate"),
        (["sensor", "x", "--sample-rate", "1"], "--sample-rate"), (["sensor", "scan", "--seconds", "0"], "--seconds"),
        (["simulate", "--sample-rate", "1"], "--sample-rate"), (["simulate", "--rate", "1"], "--rate"),
        (["simulate", "--breathing-rate", "99"], "--breathing-rate"), (["simulate", "--lag-degrees", "999"], "--lag-degrees"),
        (["simulate", "--compliance", "2"], "--compliance"), (["simulate", "--resonance-rate", "99"], "--resonance-rate"),
        (["render", "--output", "x.wav", "--sample-rate", "1"], "--sample-rate"),
    ] as [([String], String)])
    func helpGivesTheRangeTheOptionEnforces(refused: [String], option: String) async throws {
        let result = try await ClientProcess.run(refused)
        #expect(result.status == 64, "\(result.stderr)")
        let bounds = try #require(result.stderr.firstMatch(of: /between (-?[0-9]+(?:\.[0-9]+)?) and (-?[0-9]+(?:\.[0-9]+)?)/), "\(result.stderr)")
        let help = try await ClientProcess.run([refused[0], "--help"]).stdout
        // The option's entry: from its name to the next option's.
        let entry = try #require(help.components(separatedBy: "\n  \(option) ").dropFirst().first, "\(option) in \(help)")
            .components(separatedBy: "\n  --").first!.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let (low, high) = (String(bounds.1), String(bounds.2))
        #expect(entry.contains("\(low)-\(high)") || entry.contains("\(low) to \(high)"), "\(option): \(entry) vs \(result.stderr)")
    }

    @Test func overviewNamesWhatWorksWithoutTheDaemon() async throws {
        let help = try await ClientProcess.run(["--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("Without a running daemon, `history`, `session`, `export` and `report` read its history file"), "\(help)")
        for command in ["start", "set", "render"] {
            let text = try await ClientProcess.run([command, "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(!text.contains("glide, bowl, noise, off. (values:"), "voices listed twice in \(command) --help")
        }
    }

    @Test(arguments: [["start"], ["set"], ["render"], ["play"]])
    func helpStatesTheOneRatioRange(command: [String]) async throws {
        let result = try await ClientProcess.run(command + ["--help"])
        #expect(result.status == 0)
        let help = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("the inhale 30-70 % of the breath"), "\(help)")
        #expect(!help.contains("20-80"))
    }

    @Test(arguments: [
        (["start", "--rate", "12"], "--rate must be between 4.0 and 7.0 breaths per minute (got 12)."),
        (["start", "--minutes", "0"], "--minutes must be between 0.1 and 240 minutes (got 0)."),
        (["start", "--volume", "1.5"], "--volume must be between 0 and 1 (got 1.5)."),
        (["start", "--ratio", "9:1"], "--ratio must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6 (got 9:1)."),
        (["start", "--ratio", "fast"], "--ratio must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6 (got fast)."),
        // 2:8 gives the inhale 20 %: the range is the pacer's 30-70 %, in one wording everywhere.
        (["set", "ratio", "2:8"], "ratio must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6 (got 2:8)."),
        (["start", "--ratio", "2:8"], "--ratio must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6 (got 2:8)."),
        (["render", "--output", "/dev/null", "--ratio", "2:8"], "--ratio must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6 (got 2:8)."),
        (["play", "--ratio", "2:8"], "--ratio must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6 (got 2:8)."),
        (["render", "--output", "/dev/null", "--inhale-share", "0.2"], "--inhale-share must be between 0.3 and 0.7, the inhale 30-70 % of the breath (got 0.2)."),
        (["start", "--voice", "choir"], "The value 'choir' is invalid for '--voice <voice>'"),
        (["set", "rate", "3"], "rate must be between 4.0 and 7.0 breaths per minute (got 3)."),
        (["set", "volume", "loud"], "volume must be a number (got loud)."),
        (["set", "voice", "choir"], "voice must be one of glide, bowl, noise, off (got choir)."),
        (["set", "speed", "1"], "The value 'speed' is invalid for '<key>'"),
        (["history", "--limit", "0"], "--limit must be between 1 and 10000 (got 0)."),
        (["history", "--json", "--csv"], "--json and --csv exclude each other."),
        (["session", "first"], "The value 'first' is invalid for '<id|last>'"),
        (["export", "last", "--format", "xml"], "The value 'xml' is invalid for '--format <format>'"),
        (["set", "rate", "resonant"], "rate must be a number (got resonant)."),
        (["assess", "--rates", "6"], "--rates must list 2 to 10 rates (got 1)."),
        (["assess", "--rates", "6,8"], "--rates must be between 4.0 and 7.0 breaths per minute (got 8)."),
        (["assess", "--rates", "6,,5"], "--rates must be a number (got )."),
        (["assess", "--minutes-per-rate", "0.5"], "--minutes-per-rate must be between 1 and 10 minutes (got 0.5)."),
        (["assess", "--rest-seconds", "600"], "--rest-seconds must be between 0 and 300 seconds (got 600)."),
    ])
    func invalidOptionsAreRefusedWithTheAcceptedRange(arguments: [String], message: String) async throws {
        // No daemon needed: the arguments are checked before connecting.
        let result = try await ClientProcess.run(arguments, environment: ["BREATHD_SOCKET": "/tmp/breathctl-test-none.sock"])
        #expect(result.status == 64)
        #expect(result.stderr.contains(message))
    }
}
