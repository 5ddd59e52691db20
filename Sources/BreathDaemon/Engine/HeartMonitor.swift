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

    /// When a beat arrived and, if a session was running, whose beat it is and when in it (once
    /// decided: the beat's time in the session, `sessionTime`).
    struct BeatArrival {
        var instant: EngineClock.Instant
        var session: (id: Int64, offsetSeconds: Double)?
        /// The beat's RR interval (set by `add`), to space the beats of a burst.
        var rrMilliseconds = 0.0
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
    /// The session time given to the last beat decided in a session, so that none goes before it.
    private var lastSessionBeat: (id: Int64, offsetSeconds: Double)?

    /// Adds a beat as it arrives; `nil` when the value cannot be a beat at all (counted by the
    /// caller). `.some(nil)` while the beat waits for the classifier's look-ahead; else the beat
    /// decided now: every figure reported is that of a decided beat, 3 beats back.
    mutating func add(rrMilliseconds: Double, arrival: BeatArrival) -> DecidedBeat?? {
        let intake = engine.add(rrMilliseconds: rrMilliseconds)
        guard intake != .rejected else { return nil }
        var arrival = arrival
        arrival.rrMilliseconds = rrMilliseconds
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
        var arrival = heldArrivals.removeFirst()
        if let owner = arrival.session { arrival.session?.offsetSeconds = sessionTime(of: owner, followedBy: heldArrivals) }
        return DecidedBeat(update: update, levelChange: take(update), arrival: arrival)
    }

    /// The session time of a beat: its arrival, except in a burst. Beats delivered together (a
    /// Bluetooth notification with 2-3 RR values, a late burst of notifications, serial lines read
    /// in one go) arrive at nearly the same instant, but a beat happened no later than the next
    /// beat's time less that beat's RR interval. So, back from the newest beat held for the
    /// look-ahead (at its arrival): each earlier beat at the smaller of its arrival and the next
    /// beat's time less the next RR; never before the session's previous beat, nor its start.
    /// Exact for a burst of up to `ArtifactClassifier.lookaheadBeats` + 1 beats (a notification
    /// carries at most 3 RR at usual heart rates); in a longer burst the beats decided before its
    /// last four arrived share the earliest time the held ones allow.
    private mutating func sessionTime(of owner: (id: Int64, offsetSeconds: Double), followedBy later: [BeatArrival]) -> Double {
        let chain = later.prefix { $0.session?.id == owner.id }
        var time = chain.last?.session?.offsetSeconds ?? owner.offsetSeconds
        for index in chain.indices.reversed() {
            let previousArrival = index == chain.startIndex ? owner.offsetSeconds : chain[index - 1].session?.offsetSeconds ?? 0
            time = min(previousArrival, time - chain[index].rrMilliseconds / 1000)
        }
        if let last = lastSessionBeat, last.id == owner.id { time = max(time, last.offsetSeconds) }
        time = max(time, 0)
        lastSessionBeat = (owner.id, time)
        return time
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
