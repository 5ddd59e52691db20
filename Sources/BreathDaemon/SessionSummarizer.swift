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
        return SessionSummary(
            meanHeartRateBPM: timeDomain.meanHeartRateBPM, rmssdMilliseconds: timeDomain.rmssdMilliseconds,
            sdnnMilliseconds: timeDomain.sdnnMilliseconds,
            meanCoherenceScore: scoreCount > 0 ? scoreSum / Double(scoreCount) : nil, secondsInLevel: secondsInLevel,
            beats: beats.count, artifacts: timeDomain.artifactCount)
    }
}
