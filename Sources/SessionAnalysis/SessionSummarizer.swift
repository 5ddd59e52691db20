import BreathProtocol
import HRV

/// Summarises a session from its beats: used for sessions found interrupted (whose summary was
/// never written). The engine summarises a running session beat by beat with
/// `SessionSummaryAccumulator`, the same figures without keeping the beats.
public enum SessionSummarizer {
    public static func summary(of beats: [BeatRecord]) -> SessionSummary {
        var accumulator = SessionSummaryAccumulator()
        for beat in beats { accumulator.add(beat) }
        return accumulator.summary
    }
}

/// A session's summary built one beat at a time in constant memory: an 8-hour session has ~30,000
/// beats, which history keeps on disk; the daemon keeps only these sums. `BitwiseCopyable` says
/// it holds no storage that could grow.
public struct SessionSummaryAccumulator: Sendable, BitwiseCopyable {
    private var timeDomain = RunningTimeDomain()
    private var beats = 0
    private var secondsInLevel = LevelSeconds()
    private var scoreSum = 0.0
    private var scoreCount = 0
    /// Over the beats that carry a synchrony (none before its warm-up, nor in beats recorded
    /// before synchrony was kept).
    private var synchronySum = 0.0
    private var synchronyCount = 0
    /// Those where the status said "following the pacer: yes" (synchrony above the threshold,
    /// phase in the window: `PacerFollowing`), counted per beat as the mean is (not weighted by RR).
    private var followingCount = 0

    public init() {}

    /// Beats added so far.
    public var beatCount: Int { beats }

    public mutating func add(_ beat: BeatRecord) {
        beats += 1
        timeDomain.add(rrMilliseconds: beat.rrMilliseconds, isNN: beat.isNN)
        if let level = beat.coherenceLevel { secondsInLevel[level] += beat.rrMilliseconds / 1000 }
        if let score = beat.coherenceScore {
            scoreSum += score
            scoreCount += 1
        }
        if let synchrony = beat.synchrony {
            synchronySum += synchrony
            synchronyCount += 1
            if PacerFollowing(synchrony: synchrony, phaseDegrees: beat.synchronyPhaseDegrees) == .yes { followingCount += 1 }
        }
    }

    public var summary: SessionSummary {
        let metrics = timeDomain.metrics
        return SessionSummary(
            meanHeartRateBPM: metrics.meanHeartRateBPM, rmssdMilliseconds: metrics.rmssdMilliseconds,
            sdnnMilliseconds: metrics.sdnnMilliseconds,
            meanCoherenceScore: scoreCount > 0 ? scoreSum / Double(scoreCount) : nil, secondsInLevel: secondsInLevel,
            beats: beats, artifacts: metrics.artifactCount,
            meanSynchrony: synchronyCount > 0 ? synchronySum / Double(synchronyCount) : nil,
            followingShare: synchronyCount > 0 ? Double(followingCount) / Double(synchronyCount) : nil)
    }
}
