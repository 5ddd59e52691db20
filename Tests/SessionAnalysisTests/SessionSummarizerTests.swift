import SessionAnalysis
import BreathProtocol
import Testing

@Suite struct SessionSummarizerTests {
    /// Beats one second apart with the given synchrony (nil: not yet measured), the heart rate
    /// `phase` degrees behind the breath.
    private func beats(synchrony: [Double?], phase: Double = 20) -> [BeatRecord] {
        synchrony.enumerated().map { index, value in
            BeatRecord(
                offsetSeconds: Double(index + 1), rrMilliseconds: 1000, isNN: true, synchrony: value,
                synchronyPhaseDegrees: value.map { _ in phase })
        }
    }

    @Test func synchronyMeanAndFollowingShareCountOnlyBeatsWithASynchrony() throws {
        // Two warm-up beats without a synchrony, then six measured: 0.8 itself is not "following".
        let summary = SessionSummarizer.summary(of: beats(synchrony: [nil, nil, 0.9, 0.85, 0.5, 0.2, 0.95, 0.8]))
        let mean = try #require(summary.meanSynchrony)
        let share = try #require(summary.followingShare)
        #expect(abs(mean - 4.2 / 6) < 1e-12, "mean \(mean)")
        #expect(abs(share - 3.0 / 6) < 1e-12, "share \(share)")
        #expect(summary.beats == 8)
    }

    @Test func followingShareSpansNoneToAll() throws {
        let ignored = SessionSummarizer.summary(of: beats(synchrony: [0.1, 0.25, 0.8]))
        #expect(try #require(ignored.followingShare) == 0)
        #expect(abs(try #require(ignored.meanSynchrony) - 1.15 / 3) < 1e-12)
        let followed = SessionSummarizer.summary(of: beats(synchrony: [0.81, 0.99, 1]))
        #expect(try #require(followed.followingShare) == 1)
        #expect(abs(try #require(followed.meanSynchrony) - 2.8 / 3) < 1e-12)
    }

    @Test func noSynchronyLeavesBothAbsent() {
        // Sessions shorter than the synchrony window, and beats recorded before synchrony was kept.
        let summary = SessionSummarizer.summary(of: beats(synchrony: [nil, nil, nil]))
        #expect(summary.meanSynchrony == nil)
        #expect(summary.followingShare == nil)
        #expect(SessionSummarizer.summary(of: []).meanSynchrony == nil)
    }

    @Test func thresholdIsTheLiveStatusOne() {
        // The summary's "following" is the live "following the pacer: yes", phase window included.
        for synchrony in [0.0, 0.29, 0.3, 0.8, 0.800001, 1] {
            for phase in [0.0, -90, 90, 90.5, -120, 178] {
                let live = HRVSnapshot(warmUpSecondsLeft: 0, artifactPercent: 0, synchrony: synchrony, synchronyPhaseDegrees: phase)
                    .followingPacer
                let share = SessionSummarizer.summary(of: beats(synchrony: [synchrony], phase: phase)).followingShare
                #expect((live == "yes") == (share == 1), "synchrony \(synchrony), phase \(phase)")
            }
        }
    }

    @Test func aHeartAgainstThePacerIsNotCountedAsFollowing() throws {
        // Synchrony 0.95 at 178°: in step with the pacer, but HR rises on its exhale.
        let against = SessionSummarizer.summary(of: beats(synchrony: [0.95, 0.95, 0.95], phase: 178))
        #expect(try #require(against.followingShare) == 0)
        let with = SessionSummarizer.summary(of: beats(synchrony: [0.95, 0.95, 0.95], phase: -10))
        #expect(try #require(with.followingShare) == 1)
    }
}
