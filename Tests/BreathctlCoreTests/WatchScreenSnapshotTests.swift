import BreathProtocol
import Foundation
import SnapshotTesting
import Testing

@testable import BreathctlCore

/// `watch`'s frames rendered from a scripted event stream at fixed times, compared with the frames
/// recorded in __Snapshots__ (review a changed frame with `git diff`; re-record by deleting it).
@Suite struct WatchScreenSnapshotTests {
    /// A session two minutes in: the pacer at 5.5/min, 1:1, and a heart whose rate swings with the
    /// breath (64 ± 6 bpm, highest at the end of the in-breath), one artifact, metrics per beat.
    static func breathingSession(until end: Double, sensorLostAt: Double? = nil) -> WatchModel {
        guard case .status(let status) = try! LineCodec.decodeServerMessage(
            #"{"class":"STATUS","audio":{"device":"default","state":"playing","xruns":0},"hrv":{"artifact_percent":0,"warm_up_s":64},"pacer":{"cycle":1,"phase":"inhale","progress":0,"rate_bpm":5.5,"ratio":"1:1","voice":"glide","volume":0.1},"sensor":{"artifacts":0,"beats":0,"device":"/dev/ttyACM0","format":"rr","rejected_lines":0,"state":"streaming"},"session":{"elapsed_s":0,"id":7,"remaining_s":600},"state":"running"}"#)
        else { fatalError("not a STATUS line") }
        var model = WatchModel(status: status, at: 0)
        let breathSeconds = 60 / 5.5
        var events: [(Double, ServerMessage)] = []
        var cycle = 1
        var phaseStart = breathSeconds / 2
        while phaseStart < end {
            let inhale = cycle % 2 == 0
            events.append((phaseStart, .phase(PhaseEvent(phase: inhale ? .inhale : .exhale, cycle: (cycle + 1) / 2 + 1, durationSeconds: breathSeconds / 2))))
            phaseStart += breathSeconds / 2
            cycle += 1
        }
        var beatTime = 0.0, beat = 0
        while true {
            // The heart rate follows the lungs' fill: highest at the end of the in-breath.
            let fill = (1 - cos(2 * Double.pi * beatTime / breathSeconds)) / 2
            let rate = 58 + 12 * fill
            beatTime += 60 / rate
            guard beatTime < (sensorLostAt ?? end) else { break }
            beat += 1
            let isNN = beat != 70
            events.append((beatTime, .beat(BeatEvent(beat: beat, timeSeconds: beatTime, rrMilliseconds: isNN ? 60_000 / rate : 420, isNN: isNN))))
            if beatTime > 64 {
                let score = 2 + beatTime / 40
                events.append((beatTime, .metrics(MetricsEvent(beat: beat, hrv: HRVSnapshot(
                    meanHeartRateBPM: 63.8, rmssdMilliseconds: 48, sdnnMilliseconds: 52, coherenceRatio: score, coherenceScore: score,
                    coherenceLevel: score < 3 ? .medium : .high, warmUpSecondsLeft: 0, artifactPercent: 0.8, synchrony: 0.91,
                    synchronyPhaseDegrees: 12)))))
            }
        }
        if let lost = sensorLostAt {
            events.append((lost + 3, .sensor(SensorEvent(state: .lost, device: "/dev/ttyACM0", format: "rr"))))
        }
        for (time, message) in events.sorted(by: { $0.0 < $1.0 }) { model.apply(message, at: time) }
        return model
    }

    static func frame(_ model: WatchModel, at now: Double, columns: Int, rows: Int, colour: Bool = false) -> String {
        WatchScreen(columns: columns, rows: rows, colour: colour).render(model, at: now).joined(separator: "\n") + "\n"
    }

    @Test func smallTerminal() {
        let model = Self.breathingSession(until: 125)
        assertSnapshot(of: Self.frame(model, at: 125, columns: 60, rows: 20), as: .lines)
    }

    @Test func mediumTerminal() {
        let model = Self.breathingSession(until: 125)
        assertSnapshot(of: Self.frame(model, at: 125, columns: 120, rows: 35), as: .lines)
    }

    @Test func largeTerminal() {
        let model = Self.breathingSession(until: 125)
        assertSnapshot(of: Self.frame(model, at: 125, columns: 200, rows: 60), as: .lines)
    }

    @Test func colours() {
        let model = Self.breathingSession(until: 125)
        assertSnapshot(of: Self.frame(model, at: 125, columns: 80, rows: 24, colour: true), as: .lines)
    }

    /// The sensor lost 12 s ago: no live heart figures, their age instead.
    @Test func staleFiguresAfterTheSensorIsLost() {
        let model = Self.breathingSession(until: 125, sensorLostAt: 113)
        let frame = Self.frame(model, at: 125, columns: 100, rows: 30)
        #expect(frame.contains("heart     no beat for 0:1"))
        #expect(frame.contains(" old)"))
        #expect(!frame.contains("bpm · mean"))
        assertSnapshot(of: frame, as: .lines)
    }

    @Test func everyLineFitsAndTheFrameFillsTheTerminal() {
        let model = Self.breathingSession(until: 125)
        for (columns, rows) in [(60, 20), (80, 24), (120, 35), (200, 60)] {
            let lines = WatchScreen(columns: columns, rows: rows, colour: false).render(model, at: 125)
            #expect(lines.count == rows - 1, "one row left empty so the terminal does not scroll")
            #expect(lines.allSatisfy { $0.count < columns })
        }
    }

    @Test func theHeartRisesOnTheInBreath() {
        // Where the breath is fullest (the shaded area's top), the heart line is at its highest.
        var trace = WatchTrace()
        trace.addPhase(.inhale, durationSeconds: 5, at: 0)
        trace.addPhase(.exhale, durationSeconds: 5, at: 5)
        #expect(trace.breath(at: 0)! < 0.01)
        #expect(abs(trace.breath(at: 2.5)! - 0.5) < 1e-9)
        #expect(trace.breath(at: 5)! > 0.99)
        #expect(trace.breath(at: 9.99)! < 0.01)
        #expect(trace.breath(at: 11) == nil, "no phase runs after the last one ended")
        #expect(trace.lastBreath.map { abs($0.rateBreathsPerMinute - 6) < 1e-9 && abs($0.inhaleShare - 0.5) < 1e-9 } == true)
    }

    @Test func lateBeatsArePlacedByTheirOwnClock() {
        // The first beat arrives on time, the second 2.5 s late (a classifier's look-ahead): it is
        // drawn where it happened, not where it arrived.
        var trace = WatchTrace()
        trace.addBeat(BeatEvent(beat: 1, timeSeconds: 10, rrMilliseconds: 1000, isNN: true), arrivedAt: 100)
        trace.addBeat(BeatEvent(beat: 2, timeSeconds: 11, rrMilliseconds: 1000, isNN: true), arrivedAt: 103.5)
        #expect(trace.beats.map(\.at) == [100, 101])
    }
}

@Suite struct WatchStatusLineTests {
    @Test func templateFields() throws {
        let model = WatchScreenSnapshotTests.breathingSession(until: 125)
        let line = try WatchStatusLine(template: "{state} {phase} {hr} bpm {coherence_score} {level} {following}")
        #expect(line.render(model, at: 125).wholeMatch(of: /running (inhale|exhale) \d+ bpm 5\.\d\d high yes/) != nil)
    }

    @Test func staleFiguresReadAsDashes() throws {
        let model = WatchScreenSnapshotTests.breathingSession(until: 125, sensorLostAt: 113)
        let line = try WatchStatusLine(template: "{hr} {coherence_score} {level}")
        #expect(line.render(model, at: 125) == "- - -")
    }

    @Test func unknownFieldIsRefusedWithTheList() {
        #expect(throws: CommandFailure.self) { try WatchStatusLine(template: "{heart}") }
        do {
            _ = try WatchStatusLine(template: "{heart}")
        } catch {
            #expect(error.message.contains("unknown field {heart}"))
            #expect(error.message.contains("{coherence_score}"))
            #expect(error.exitCode == 64)
        }
    }

    @Test func waybarJSON() throws {
        let model = WatchScreenSnapshotTests.breathingSession(until: 125)
        let json = try WatchStatusLine(template: WatchStatusLine.defaultTemplate).waybar(model, at: 125)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((object["text"] as? String)?.contains("high") == true)
        #expect(object["class"] as? [String] == ["running", "high"])
        #expect((object["tooltip"] as? String)?.hasPrefix("breathd running") == true)
        #expect((object["percentage"] as? Int).map { (0...100).contains($0) } == true)
        #expect(!json.contains("\n"))
    }
}
