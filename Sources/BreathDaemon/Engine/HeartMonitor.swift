import BreathProtocol
import HRV

/// The live HRV of whoever wears the sensor: beats in, metrics and level changes out.
///
/// It runs whether or not a session does, so coherence is already warm when one starts.
struct HeartMonitor {
    private var engine: HRVEngine
    private(set) var lastUpdate: BeatUpdate?
    private(set) var level: CoherenceLevel?

    init(challengeLevel: ChallengeLevel) {
        engine = HRVEngine(configuration: .init(challengeLevel: challengeLevel))
    }

    /// A level change caused by a beat.
    struct LevelChange {
        var level: CoherenceLevel
        var previous: CoherenceLevel?
        var score: Double
    }

    /// Adds a beat; `nil` when the value cannot be a beat at all (counted by the caller).
    mutating func add(rrMilliseconds: Double) -> (update: BeatUpdate, levelChange: LevelChange?)? {
        guard let update = engine.add(rrMilliseconds: rrMilliseconds) else { return nil }
        lastUpdate = update
        var change: LevelChange?
        if let coherence = update.coherence, coherence.level != level {
            change = LevelChange(level: coherence.level, previous: level, score: coherence.score)
            level = coherence.level
        }
        return (update, change)
    }

    /// The figures STATUS and METRICS carry, keyed as in the reference stream.
    var snapshot: HRVSnapshot {
        let window = lastUpdate?.window
        let coherence = lastUpdate?.coherence
        let beats = (window?.nnCount ?? 0) + (window?.artifactCount ?? 0)
        return HRVSnapshot(
            meanHeartRateBPM: window?.meanHeartRateBPM, rmssdMilliseconds: window?.rmssdMilliseconds,
            sdnnMilliseconds: window?.sdnnMilliseconds, pnn50Percent: window?.pnn50Percent,
            coherenceRatio: coherence?.ratio.isFinite == true ? coherence?.ratio : nil,
            coherenceScore: coherence?.score, coherenceLevel: coherence.map { CoherenceLevelName($0.level) },
            peakFrequencyHz: coherence?.peakFrequencyHz, warmUpSecondsLeft: engine.warmUpSecondsLeft,
            artifactPercent: beats > 0 ? 100 * Double(window?.artifactCount ?? 0) / Double(beats) : 0)
    }
}

extension CoherenceLevelName {
    init(_ level: CoherenceLevel) {
        switch level {
        case .low: self = .low
        case .medium: self = .medium
        case .high: self = .high
        }
    }
}
