import BreathProtocol
import Foundation
import Testing

/// `export`'s fields: one name per figure in both formats, rounded to what the sensor resolves,
/// each beat's heart rate and local wall-clock time.
@Suite struct SessionExportTests {
    static func reply(_ beats: [BeatRecord], startedAt: String = "2026-03-29T00:59:58.500Z") -> SessionReply {
        let start = Timestamp(unixMilliseconds: Timestamp.parseForTest(startedAt))
        return SessionReply(session: SessionRecord(id: 7, startedAt: start, settings: Samples.settings), beats: beats)
    }

    /// A Bluetooth strap counts 1/1024 s: 21 and 22 ticks are 20.5078125 and 21.484375 ms. Whole
    /// milliseconds would print both as 21; 0.1 ms keeps them apart and recoverable.
    @Test func rrKeepsEveryTickOfA1024HzStrapApart() throws {
        let ticks = Array(600...1400)
        var t = 0.0
        let beats = ticks.map { tick -> BeatRecord in
            let rr = Double(tick) * 1000 / 1024
            t += rr / 1000
            return BeatRecord(offsetSeconds: t, rrMilliseconds: rr, isNN: true)
        }
        let rows = SessionExport.csv(Self.reply(beats)).split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let printed = rows.map { String($0[1]) }
        #expect(Set(printed).count == ticks.count, "every tick count prints differently")
        #expect(zip(printed, ticks).allSatisfy { Int((Double($0)! * 1.024).rounded()) == $1 }, "round(rr_ms × 1.024) gives the ticks back")
        #expect(printed.allSatisfy { $0.split(separator: ".").last?.count == 1 }, "one decimal")
        // t_s to the millisecond, hr_bpm to 0.1 bpm: 60000 / (1024 ticks = 1000 ms) = 60.0.
        #expect(rows.allSatisfy { $0[0].split(separator: ".").last?.count == 3 && $0[10].split(separator: ".").last?.count == 1 })
        #expect(rows[1024 - 600][10] == "60.0")
    }

    @Test func figuresAreRoundedNotPrintedWithFloatingPointNoise() throws {
        let beat = BeatRecord(
            offsetSeconds: 65.72599999999999, rrMilliseconds: 1033.0000000000002, isNN: true, meanHeartRateBPM: 59.357142857,
            rmssdMilliseconds: 41.23456, sdnnMilliseconds: 57.14, coherenceScore: 1.3549999, coherenceLevel: .medium,
            synchrony: 0.90666, synchronyPhaseDegrees: -0.4)
        let row = SessionExport.csv(Self.reply([beat])).split(separator: "\n")[1]
        #expect(row == "65.726,1033.0,1,59.4,41.2,57.1,1.35,medium,0.91,0,58.1,2026-03-29T01:01:04.226+00:00,5.500,4:6,glide")

        let json = try SessionExport.json(Self.reply([beat]))
        #expect(json.contains(#""t_s" : 65.726,"#) && json.contains(#""hr_bpm" : 58.1,"#) && json.contains(#""rr_ms" : 1033,"#), "\(json)")
        #expect(!json.contains(#""t" :"#), "one name for the time: t_s")
        #expect(!json.contains("0000000"), "no floating-point noise: \(json)")
    }

    /// The wall clock is the start plus the beat's offset, in local time with the offset in effect
    /// at that beat: a session across the start of summer time changes offset between two beats.
    @Test func timeIsLocalWithTheOffsetInEffectAtEachBeat() throws {
        // Central Europe: +01:00 until 2026-03-29T01:00:00Z, then +02:00.
        let switchAt = Timestamp.parseForTest("2026-03-29T01:00:00.000Z")
        let europe: SessionExport.UTCOffset = { $0.unixMilliseconds < switchAt ? 3600 : 7200 }
        let beats = [1.0, 2.0].map { BeatRecord(offsetSeconds: $0, rrMilliseconds: 1000, isNN: true) }
        let rows = SessionExport.csv(Self.reply(beats), utcOffset: europe).split(separator: "\n")
        #expect(rows[1].contains(",2026-03-29T01:59:59.500+01:00,"), "the time column, then the pacing")
        #expect(rows[2].contains(",2026-03-29T03:00:00.500+02:00,"), "the time column, then the pacing")
        // West of UTC, with half hours (Newfoundland, -03:30).
        let newfoundland = SessionExport.csv(Self.reply(beats), utcOffset: { _ in -12_600 }).split(separator: "\n")
        #expect(newfoundland[1].contains(",2026-03-28T21:29:59.500-03:30,"), "the time column, then the pacing")
        let json = try SessionExport.json(Self.reply(beats), utcOffset: europe)
        #expect(json.contains(#""time" : "2026-03-29T03:00:00.500+02:00""#))
    }

    /// Session time stands still while a session is paused; the wall clock does not: a beat after
    /// a pause is dated by the pauses before it.
    @Test func timeCountsThePausesBeforeTheBeat() throws {
        var reply = Self.reply([2.0, 3.0, 4.0].map { BeatRecord(offsetSeconds: $0, rrMilliseconds: 1000, isNN: true) }, startedAt: "2026-03-29T10:00:00.000Z")
        reply.pauses = [SessionPause(offsetSeconds: 3, durationSeconds: 45.25)]
        let rows = SessionExport.csv(reply).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = try #require(rows[0].firstIndex(of: "time"))
        let times = rows.dropFirst().map { $0[column] }
        #expect(times == ["2026-03-29T10:00:02.000+00:00", "2026-03-29T10:00:03.000+00:00", "2026-03-29T10:00:49.250+00:00"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(SessionExport.json(reply).utf8)) as? [String: Any])
        let pauses = try #require(document["pauses"] as? [[String: Any]])
        #expect(pauses.count == 1 && pauses[0]["t_s"] as? Double == 3 && pauses[0]["duration_s"] as? Double == 45.25, "\(pauses)")
    }

    /// The CSV stays one table: the live pacing changes are the pacing in force at each beat, the
    /// session's settings until a change took effect and the change's values from then on; the JSON
    /// has the same per-beat keys and the changes themselves.
    @Test func csvCarriesThePacingInForceAtEachBeat() throws {
        var reply = Self.reply([1.0, 2.0, 3.0, 4.0, 5.0].map { BeatRecord(offsetSeconds: $0, rrMilliseconds: 1000, isNN: true) })
        let start = reply.session.startedAt.unixMilliseconds
        reply.pacingChanges = [
            PacingChange(offsetSeconds: 2, at: Timestamp(unixMilliseconds: start + 2000), setting: .rate, rateBreathsPerMinute: 5,
                         ratio: BreathRatio(inhale: 4, exhale: 6), voice: .glide),
            PacingChange(offsetSeconds: 3.5, at: Timestamp(unixMilliseconds: start + 3500), setting: .voice, rateBreathsPerMinute: 5,
                         ratio: BreathRatio(inhale: 4, exhale: 6), voice: .bowl),
        ]
        let rows = SessionExport.csv(reply).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows[0].suffix(3) == ["rate_bpm", "ratio", "voice"])
        #expect(rows.allSatisfy { $0.count == rows[0].count }, "one plain table")
        #expect(rows.dropFirst().map { $0.suffix(3) } == [
            ["5.500", "4:6", "glide"], ["5.000", "4:6", "glide"], ["5.000", "4:6", "glide"], ["5.000", "4:6", "bowl"], ["5.000", "4:6", "bowl"],
        ])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(SessionExport.json(reply).utf8)) as? [String: Any])
        let beats = try #require(document["beats"] as? [[String: Any]])
        #expect(beats.map { $0["rate_bpm"] as? Double } == [5.5, 5, 5, 5, 5] && beats.last?["voice"] as? String == "bowl")
        #expect((document["pacing_changes"] as? [[String: Any]])?.count == 2)
    }

    @Test func anArtifactOfZeroMillisecondsHasNoHeartRate() {
        let beat = BeatRecord(offsetSeconds: 1, rrMilliseconds: 0, isNN: false)
        let row = SessionExport.csv(Self.reply([beat])).split(separator: "\n")[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(row[2] == "0" && row[10] == "")
    }
}

extension Timestamp {
    static func parseForTest(_ text: String) -> Int64 {
        let data = Data("\"\(text)\"".utf8)
        return (try? JSONDecoder().decode(Timestamp.self, from: data))!.unixMilliseconds
    }
}
