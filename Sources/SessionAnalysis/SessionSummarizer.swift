import BreathProtocol
import HRV

/// Summarises a session from its beats: used for sessions found interrupted (whose summary was
/// never written) and available to the engine for sessions that end normally.
public enum SessionSummarizer {
    public static func summary(of beats: [BeatRecord]) -> SessionSummary {
        let timeDomain = TimeDomainMetrics(rrMilliseconds: beats.map(\.rrMilliseconds), isNN: beats.map(\.isNN))
        var secondsInLevel = LevelSeconds()
        var scoreSum = 0.0
        var scoreCount = 0
        for beat in beats {
            if let level = beat.coherenceLevel { secondsInLevel[level] += beat.rrMilliseconds / 1000 }
            if let score = beat.coherenceScore {
                scoreSum += score
                scoreCount += 1
            }
        }
        let synchrony = SynchronySummary(beats)
        return SessionSummary(
            meanHeartRateBPM: timeDomain.meanHeartRateBPM, rmssdMilliseconds: timeDomain.rmssdMilliseconds,
            sdnnMilliseconds: timeDomain.sdnnMilliseconds,
            meanCoherenceScore: scoreCount > 0 ? scoreSum / Double(scoreCount) : nil, secondsInLevel: secondsInLevel,
            beats: beats.count, artifacts: timeDomain.artifactCount, meanSynchrony: synchrony.mean,
            followingShare: synchrony.followingShare)
    }
}

/// The synchrony figures of a session, over the beats that carry a synchrony (none before its
/// warm-up, nor in beats recorded before synchrony was kept).
struct SynchronySummary {
    let mean: Double?
    /// Share of those beats where the status said "following the pacer: yes" (synchrony above the
    /// threshold, phase in the window: `PacerFollowing`), counted per beat as
    /// the mean is (not weighted by RR).
    let followingShare: Double?

    init(_ beats: [BeatRecord]) {
        let values = beats.compactMap(\.synchrony)
        guard !values.isEmpty else {
            mean = nil
            followingShare = nil
            return
        }
        let count = Double(values.count)
        mean = values.reduce(0, +) / count
        let following = beats.count { beat in
            beat.synchrony.map { PacerFollowing(synchrony: $0, phaseDegrees: beat.synchronyPhaseDegrees) == .yes } ?? false
        }
        followingShare = Double(following) / count
    }
}
