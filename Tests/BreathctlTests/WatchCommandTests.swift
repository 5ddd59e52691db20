import BreathProtocol
import Foundation
import Testing

/// `watch` follows the events the daemon publishes until the daemon closes the connection.
@Suite(.timeLimit(.minutes(1))) struct WatchCommandTests {
    static let events: [ServerMessage] = [
        .sessionEvent(SessionEvent(event: .started, session: Fixtures.runningSession)),
        .phase(PhaseEvent(phase: .inhale, cycle: 3, durationSeconds: 4.5)),
        .beat(BeatEvent(beat: 64, timeSeconds: 65.726, rrMilliseconds: 1033, isNN: true)),
        .beat(BeatEvent(beat: 65, timeSeconds: 66.5, rrMilliseconds: 774, isNN: false)),
        .metrics(MetricsEvent(beat: 64, hrv: Fixtures.runningStatus.hrv)),
        .level(LevelEvent(level: .high, previous: .medium, coherenceScore: 4.2)),
        .sensor(SensorEvent(state: .lost, device: "/dev/ttyUSB0", format: "rr", message: "device unplugged")),
        .audio(AudioEvent(state: .recovering, device: "default", xruns: 2, message: "xrun")),
        .assess(AssessmentProgress(session: 14, stage: .pacing, step: 2, steps: 5, rateBreathsPerMinute: 6, stageRemainingSeconds: 71.5)),
        .assess(AssessmentProgress(session: 14, stage: .resting, step: 2, steps: 5, rateBreathsPerMinute: 6, stageRemainingSeconds: 30)),
        .assess(
            AssessmentProgress(
                session: 14, stage: .finished, step: 5, steps: 5, rateBreathsPerMinute: 4.5, stageRemainingSeconds: 0,
                result: AssessmentResult(steps: [], resonanceRateBPM: 5.5, minutesPerRate: 2, restSeconds: 30))),
        .sessionEvent(SessionEvent(event: .paused, session: Fixtures.runningSession)),
        .sessionEvent(SessionEvent(event: .finished, session: Fixtures.finishedSession)),
    ]

    /// Runs `watch` with `arguments`, publishes the events once it watches, waits for `last` in its
    /// output, then shuts the server down.
    func watch(_ arguments: [String], until last: String) async throws -> ClientProcess.Result {
        try await ServedSocket().serve { socket in
            let client = try ClientProcess.start(["watch", "--socket", socket.path] + arguments)
            try await socket.waitForWatchers(1)
            for event in Self.events { socket.events.publish(event) }
            try await client.waitForOutput(containing: last)
            await socket.shutDown()
            return await client.result()
        }
    }

    @Test func plainLinesIntoAPipe() async throws {
        let result = try await watch([], until: "session 12 finished")
        #expect(result.status == 69, "breathd went away: EX_UNAVAILABLE")
        #expect(result.stderr == "breathd closed the connection\n")
        let lines = result.stdout.split(separator: "\n").map { String($0.dropFirst(9)) }
        #expect(result.stdout.split(separator: "\n").allSatisfy { $0.wholeMatch(of: /\d\d:\d\d:\d\d .*/) != nil })
        #expect(lines == [
            "session 13 started: 10:00 at 5.5 breaths/min, ratio 4:6, voice glide",
            "phase inhale for 4.5 s (breath 3)",
            "beat 64: rr 1033 ms",
            "beat 65: rr 774 ms (artifact)",
            "metrics: HR 59.4 bpm, RMSSD 41.2 ms, coherence 1.35 medium",
            "coherence level high (score 4.20, was medium)",
            "sensor lost /dev/ttyUSB0 (rr): device unplugged",
            "audio recovering on default, 2 xruns: xrun",
            "assessment 14: step 2/5 at 6 breaths/min: breathe with the pacer, 1:12 left",
            "assessment 14: step 2/5 at 6 breaths/min done; rest, 0:30 until the next rate",
            "assessment 14: finished: resonance rate 5.5 breaths/min",
            "session 13 paused",
            "session 12 finished (completed): mean HR 61.2 bpm, mean coherence 3.10, high coherence 4:40 (47 %)",
        ])
    }

    @Test func jsonStreamsTheEventLinesUnchanged() async throws {
        let result = try await watch(["--json"], until: "\"finished\"")
        #expect(result.status == 69, "breathd went away: EX_UNAVAILABLE")
        #expect(result.stdout == Self.events.map { String(decoding: LineCodec.encodeLine($0), as: UTF8.self) }.joined())
    }
}
