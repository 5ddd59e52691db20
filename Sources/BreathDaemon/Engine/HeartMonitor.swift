import BreathProtocol
import HRV

/// The live HRV of whoever wears the sensor: beats in, metrics and level changes out.
///
/// It runs whether or not a session does, so coherence is already warm when one starts.
struct HeartMonitor {
    private var engine: HRVEngine
    private(set) var lastUpdate: BeatUpdate?
    private(set) var level: CoherenceLevel?
    /// NN beats of the last synchrony window and its anchor (times in seconds, RR in ms).
    private var recentTimes: [Double] = []
    private var recentRR: [Double] = []
    private var synchronyEstimator = BreathHeartSynchrony()
    /// Breath-heart synchrony at the last beat of a session; nil outside sessions and while warming up.
    private(set) var synchrony: SynchronyMeasure?

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
        if update.isNN {
            recentTimes.append(update.timeSeconds)
            recentRR.append(update.rrMilliseconds)
            let oldest = update.timeSeconds - BreathHeartSynchrony.windowSeconds - BreathHeartSynchrony.anchorSeconds
            if let keep = recentTimes.firstIndex(where: { $0 > oldest }), keep > 0 {
                recentTimes.removeFirst(keep)
                recentRR.removeFirst(keep)
            }
        }
        var change: LevelChange?
        if let coherence = update.coherence, coherence.level != level {
            change = LevelChange(level: coherence.level, previous: level, score: coherence.score)
            level = coherence.level
        }
        return (update, change)
    }

    /// Measures synchrony at the last beat against the pacer's breath (`breathPhase` maps beat
    /// times to the pacer's cycle and fraction); only once a full window of beats exists.
    mutating func measureSynchrony(pacerFrequencyHz: Double, breathPhase: @escaping (Double) -> HRV.BreathCyclePosition) {
        guard let end = lastUpdate?.timeSeconds, end >= BreathHeartSynchrony.windowSeconds else {
            synchrony = nil
            return
        }
        synchrony = synchronyEstimator.measure(
            timesSeconds: recentTimes, rrMilliseconds: recentRR, endSeconds: end, pacerFrequencyHz: pacerFrequencyHz,
            breathPhase: breathPhase)
    }

    mutating func clearSynchrony() { synchrony = nil }

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
            artifactPercent: beats > 0 ? 100 * Double(window?.artifactCount ?? 0) / Double(beats) : 0,
            synchrony: synchrony?.coherence, synchronyPhaseDegrees: synchrony?.phaseDegrees)
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
