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
        heldArrivals.reserveCapacity(ArtifactClassifier.lookaheadBeats + 1)
    }

    /// A level change caused by a beat.
    struct LevelChange {
        var level: CoherenceLevel
        var previous: CoherenceLevel?
        var score: Double
    }

    /// When a beat arrived and, if a session was running, whose beat it is and when in it.
    struct BeatArrival {
        var instant: EngineClock.Instant
        var session: (id: Int64, offsetSeconds: Double)?
    }

    /// A beat the artifact classifier has decided, with its arrival
    /// (`ArtifactClassifier.lookaheadBeats` beats before it was decided).
    struct DecidedBeat {
        var update: BeatUpdate
        var levelChange: LevelChange?
        var arrival: BeatArrival
    }

    /// Arrivals of the beats the engine holds for the look-ahead, oldest first (at most 4).
    private var heldArrivals: [BeatArrival] = []

    /// Adds a beat as it arrives; `nil` when the value cannot be a beat at all (counted by the
    /// caller). `.some(nil)` while the beat waits for the classifier's look-ahead; else the beat
    /// decided now: every figure reported is that of a decided beat, 3 beats back.
    mutating func add(rrMilliseconds: Double, arrival: BeatArrival) -> DecidedBeat?? {
        let intake = engine.add(rrMilliseconds: rrMilliseconds)
        guard intake != .rejected else { return nil }
        heldArrivals.append(arrival)
        guard let update = intake.update else { return .some(nil) }
        return decided(update)
    }

    /// The stream has ended: the beats still held, decided.
    mutating func finish() -> [DecidedBeat] {
        var out: [DecidedBeat] = []
        for update in engine.finish() { out.append(decided(update)) }
        return out
    }

    private mutating func decided(_ update: BeatUpdate) -> DecidedBeat {
        let arrival = heldArrivals.removeFirst()
        return DecidedBeat(update: update, levelChange: take(update), arrival: arrival)
    }

    /// Takes in a decided beat; returns the level change it causes.
    private mutating func take(_ update: BeatUpdate) -> LevelChange? {
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
        return change
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

    /// Time of the newest beat received (decided or still held), on the beats' own time axis.
    var receivedSeconds: Double { engine.receivedSeconds }

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
