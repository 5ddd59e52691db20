import BreathTestSupport
import BreathProtocol
import Foundation
import HRV
import SessionAnalysis
import Testing

/// The running session summary the engine keeps instead of the session's beats.
@Suite struct SessionSummaryAccumulatorTests {
    /// Eight hours of beats (~30,000) with artifacts, coherence levels and synchrony, as the
    /// engine records them.
    private func eightHours() -> [BeatRecord] {
        var beats: [BeatRecord] = []
        var generator = SplitMix64(seed: 16)
        var offset = 0.0
        while offset < 8 * 3600 {
            let artifact = generator.next() % 97 == 0
            let swing: Double = 60 * sin(offset * 2 * .pi / 10)
            let noise = Double(generator.next() % 31) - 15
            let rr: Double = artifact ? 430 : 950 + swing + noise
            offset += rr / 1000
            let warm = offset > 64
            let score = Double(generator.next() % 1000) / 100
            beats.append(BeatRecord(
                offsetSeconds: offset, rrMilliseconds: rr, isNN: !artifact, meanHeartRateBPM: 62,
                rmssdMilliseconds: 40, sdnnMilliseconds: 50, coherenceScore: warm ? score : nil,
                coherenceLevel: warm ? (score > 6 ? .high : score > 3 ? .medium : .low) : nil,
                synchrony: warm ? Double(generator.next() % 1000) / 1000 : nil,
                synchronyPhaseDegrees: warm ? Double(generator.next() % 360) - 180 : nil))
        }
        return beats
    }

    @Test func summarisesAnEightHourSessionAsTheBatchDoes() throws {
        let beats = eightHours()
        #expect(beats.count > 29_000)
        var accumulator = SessionSummaryAccumulator()
        for beat in beats { accumulator.add(beat) }
        let summary = accumulator.summary
        #expect(accumulator.beatCount == beats.count && summary.beats == beats.count)
        // Independent batch figures: HRV's two-pass time domain, plain sums for the rest.
        let batch = TimeDomainMetrics(rrMilliseconds: beats.map(\.rrMilliseconds), isNN: beats.map(\.isNN))
        #expect(summary.artifacts == batch.artifactCount && batch.artifactCount > 200)
        for (running, expected, name) in [
            (summary.meanHeartRateBPM, batch.meanHeartRateBPM, "mean HR"), (summary.sdnnMilliseconds, batch.sdnnMilliseconds, "SDNN"),
            (summary.rmssdMilliseconds, batch.rmssdMilliseconds, "RMSSD"),
        ] {
            let r = try #require(running), e = try #require(expected)
            #expect(abs(r - e) <= 1e-9 * abs(e), "\(name): \(r) vs \(e)")
        }
        let scores = beats.compactMap(\.coherenceScore)
        #expect(abs(try #require(summary.meanCoherenceScore) - scores.reduce(0, +) / Double(scores.count)) < 1e-9)
        let highSeconds = beats.filter { $0.coherenceLevel == .high }.map(\.rrMilliseconds).reduce(0, +) / 1000
        #expect(abs(summary.secondsInLevel.high - highSeconds) < 1e-6)
        let synchrony = beats.compactMap(\.synchrony)
        #expect(abs(try #require(summary.meanSynchrony) - synchrony.reduce(0, +) / Double(synchrony.count)) < 1e-12)
        let following = beats.filter { beat in
            beat.synchrony.map { PacerFollowing(synchrony: $0, phaseDegrees: beat.synchronyPhaseDegrees) == .yes } ?? false
        }
        #expect(abs(try #require(summary.followingShare) - Double(following.count) / Double(synchrony.count)) < 1e-12)
        // The batch summariser of interrupted sessions is the same accumulation.
        #expect(SessionSummarizer.summary(of: beats) == summary)
    }

    @Test func holdsNoStorageThatGrowsWithTheBeats() {
        // `BitwiseCopyable` (checked by the compiler): no array, no reference, nothing on the heap.
        func plainValue<T: BitwiseCopyable>(_: T.Type) -> Int { MemoryLayout<T>.size }
        #expect(plainValue(SessionSummaryAccumulator.self) < 256)
    }
}
