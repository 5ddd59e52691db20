/// What the engine reports after each decided beat.
public struct BeatUpdate: Sendable, Equatable {
    /// 0-based index of the beat in the stream (rejected non-positive values are not beats).
    public var beatIndex: Int
    /// Running sum of every RR interval up to this one, this one included, in seconds.
    public var timeSeconds: Double
    public var rrMilliseconds: Double
    /// Why the beat is an artifact; `nil` for a normal-to-normal beat.
    public var artifact: ArtifactKind?
    public var isNN: Bool { artifact == nil }
    /// Time domain over the beats in (t - 64 s, t]; `nil` until 64 s of beats exist.
    public var window: TimeDomainMetrics?
    /// Coherence over the same window; `nil` until 64 s of beats exist or with fewer than 2 NN beats.
    public var coherence: CoherenceMetrics?
}

/// What happens to one RR interval given to the live engine.
public enum BeatIntake: Sendable, Equatable {
    /// Not a beat at all (not finite, not positive, or beyond `HRVEngine.longestRRMilliseconds`).
    case rejected
    /// A beat, held until the classifier's look-ahead has arrived; nothing is decided yet.
    case held
    /// A beat; the beat `ArtifactClassifier.lookaheadBeats` back is now decided, with its metrics.
    case decided(BeatUpdate)

    /// The decided beat, if any.
    public var update: BeatUpdate? {
        if case .decided(let update) = self { return update }
        return nil
    }
}

/// Streaming HRV: feed RR intervals one at a time and get the NN decision and the live metrics.
///
/// Live (`add(rrMilliseconds:)`) the artifact classifier looks `ArtifactClassifier.lookaheadBeats`
/// beats ahead, so each beat is decided, and its window's metrics computed, that many beats after it
/// arrived; `finish()` decides the beats still held when a stream ends. Offline callers that
/// classified the whole recording (`LipponenTarvainen.classify`) give each beat its kind with
/// `add(rrMilliseconds:artifact:)` and get its update at once.
///
/// Memory is fixed at construction: the window is a ring buffer sized for `maximumBeatsInWindow`
/// beats, however long the stream runs. (Real hearts put at most ~220 beats in 66 s; should
/// garbage ever exceed the capacity, the oldest beats leave the window early.) Per beat the work
/// is proportional to the window, not to the stream, and nothing is allocated.
public struct HRVEngine: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var challengeLevel: ChallengeLevel = .one
        public var maximumBeatsInWindow = 1024
        public init(challengeLevel: ChallengeLevel = .one) { self.challengeLevel = challengeLevel }
    }

    private struct Beat: Sendable {
        var timeSeconds: Double
        var rrMilliseconds: Double
        var isNN: Bool
    }

    /// A beat received and waiting for the classifier's look-ahead.
    private struct HeldBeat: Sendable {
        var timeSeconds: Double
        var rrMilliseconds: Double
    }

    /// Time-domain and coherence window: metrics are reported once a beat's time reaches it.
    public static let windowSeconds = CoherenceAnalyzer.windowSeconds

    public let configuration: Configuration
    private var classifier = ArtifactClassifier()
    private var held = RingBuffer<HeldBeat>(
        capacity: ArtifactClassifier.lookaheadBeats + 1, filler: HeldBeat(timeSeconds: 0, rrMilliseconds: 0))
    private var coherence: CoherenceAnalyzer
    private var beats: RingBuffer<Beat>
    private var elapsedMilliseconds = 0.0
    /// Beats received (decided or held).
    public private(set) var beatCount = 0
    /// Beats decided and reported.
    public private(set) var decidedBeatCount = 0
    /// Time of the last decided beat, seconds.
    private var decidedSeconds = 0.0
    // Scratch copies of the window, contiguous for the metric kernels.
    private var windowRR: [Double]
    private var windowNN: [Bool]
    private var knotTimes: [Double]
    private var knotRR: [Double]

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let capacity = configuration.maximumBeatsInWindow
        coherence = CoherenceAnalyzer(challengeLevel: configuration.challengeLevel, capacity: capacity)
        beats = RingBuffer(capacity: capacity, filler: Beat(timeSeconds: 0, rrMilliseconds: 0, isNN: false))
        windowRR = [Double](repeating: 0, count: capacity)
        windowNN = [Bool](repeating: false, count: capacity)
        knotTimes = windowRR
        knotRR = windowRR
    }

    /// Seconds of decided beats still needed before metrics appear (0 once warm).
    public var warmUpSecondsLeft: Double {
        max(0, Self.windowSeconds - decidedSeconds)
    }

    /// Time of the newest beat received, decided or not: "now" on the beats' own time axis.
    public var receivedSeconds: Double { elapsedMilliseconds / 1000 }

    public var challengeLevel: ChallengeLevel {
        get { coherence.challengeLevel }
        set { coherence.challengeLevel = newValue }
    }

    /// Longest interval accepted as a beat at all. Longer values (a sensor's 0xFFFF, a corrupt
    /// line) would push the time axis beyond the precision of a Double for the beats after them.
    public static let longestRRMilliseconds = 600_000.0

    /// Beats currently held for the window (bounded by `configuration.maximumBeatsInWindow`).
    public var windowBeatCount: Int { beats.count }

    /// Whether an RR value can be placed on the time axis at all.
    public static func isBeat(rrMilliseconds rr: Double) -> Bool {
        rr.isFinite && rr > 0 && rr <= longestRRMilliseconds
    }

    /// Adds one RR interval, live. Values that are not finite, not positive or beyond
    /// `longestRRMilliseconds` cannot be placed on the time axis: they are rejected and change
    /// nothing (the caller counts them). Every other value is a beat, classified once the
    /// classifier's look-ahead has arrived: the result then carries the beat decided now.
    public mutating func add(rrMilliseconds rr: Double) -> BeatIntake {
        guard Self.isBeat(rrMilliseconds: rr) else { return .rejected }
        elapsedMilliseconds += rr
        beatCount += 1
        held.append(HeldBeat(timeSeconds: elapsedMilliseconds / 1000, rrMilliseconds: rr))
        guard let decision = classifier.add(rrMilliseconds: rr) else { return .held }
        return .decided(commitOldestHeld(decision))
    }

    /// The stream has ended: decides and reports the beats still held (at most the look-ahead).
    /// Beats added afterwards continue the time axis and the window with a fresh classifier.
    public mutating func finish() -> [BeatUpdate] {
        let updates = classifier.finish().map { commitOldestHeld($0) }
        classifier.reset()
        return updates
    }

    /// Beats received but not yet decided.
    public var heldBeatCount: Int { held.count }

    /// Adds one RR interval whose classification is already known (offline: the whole recording
    /// classified at once); reported at once. `nil` for a value that is not a beat (see `add`).
    public mutating func add(rrMilliseconds rr: Double, artifact: ArtifactKind?) -> BeatUpdate? {
        precondition(held.isEmpty, "classified beats cannot follow beats still held for the live classifier")
        guard Self.isBeat(rrMilliseconds: rr) else { return nil }
        elapsedMilliseconds += rr
        beatCount += 1
        return commit(timeSeconds: elapsedMilliseconds / 1000, rrMilliseconds: rr, artifact: artifact)
    }

    private mutating func commitOldestHeld(_ decision: ArtifactClassifier.Decision) -> BeatUpdate {
        let beat = held[0]
        held.removeFirst()
        return commit(timeSeconds: beat.timeSeconds, rrMilliseconds: beat.rrMilliseconds, artifact: decision.kind)
    }

    /// Puts a decided beat into the window and computes the window's metrics at its time.
    private mutating func commit(timeSeconds t: Double, rrMilliseconds rr: Double, artifact: ArtifactKind?) -> BeatUpdate {
        let isNN = artifact == nil
        let index = decidedBeatCount
        decidedBeatCount += 1
        decidedSeconds = t
        beats.append(Beat(timeSeconds: t, rrMilliseconds: rr, isNN: isNN))
        let windowSeconds = Self.windowSeconds
        let oldest = t - windowSeconds - CoherenceAnalyzer.anchorSeconds
        var expired = 0
        while expired < beats.count && !(beats[expired].timeSeconds > oldest) { expired += 1 }
        beats.removeFirst(expired)

        var update = BeatUpdate(beatIndex: index, timeSeconds: t, rrMilliseconds: rr, artifact: artifact)
        guard t >= windowSeconds else { return update }

        // Copy out the time-domain window (t - 64, t] and the coherence knots (t - 66, t].
        let windowStart = t - windowSeconds
        var windowCount = 0
        var knotCount = 0
        for i in 0..<beats.count {
            let beat = beats[i]
            if beat.timeSeconds > windowStart {
                windowRR[windowCount] = beat.rrMilliseconds
                windowNN[windowCount] = beat.isNN
                windowCount += 1
            }
            // Knots must be strictly increasing in time for the spline; only a pathological run of
            // sub-ulp intervals could break that, and such beats are artifacts anyway.
            if beat.isNN && (knotCount == 0 || beat.timeSeconds > knotTimes[knotCount - 1]) {
                knotTimes[knotCount] = beat.timeSeconds
                knotRR[knotCount] = beat.rrMilliseconds
                knotCount += 1
            }
        }
        update.window = windowRR.withUnsafeBufferPointer { r in
            windowNN.withUnsafeBufferPointer { n in
                TimeDomainMetrics(
                    rrMilliseconds: UnsafeBufferPointer(rebasing: r[0..<windowCount]),
                    isNN: UnsafeBufferPointer(rebasing: n[0..<windowCount]))
            }
        }
        update.coherence = knotTimes.withUnsafeBufferPointer { times in
            knotRR.withUnsafeBufferPointer { values in
                coherence.analyze(
                    timesSeconds: UnsafeBufferPointer(rebasing: times[0..<knotCount]),
                    rrMilliseconds: UnsafeBufferPointer(rebasing: values[0..<knotCount]),
                    endSeconds: t)
            }
        }
        return update
    }

    /// Forgets every beat: the next one starts a new stream at time 0.
    public mutating func reset() {
        classifier.reset()
        held.removeAll()
        beats.removeAll()
        elapsedMilliseconds = 0
        decidedSeconds = 0
        beatCount = 0
        decidedBeatCount = 0
    }
}

extension HRVEngine {
    /// Offline: classifies the whole recording with the centred windows (`LipponenTarvainen.classify`
    /// over its beats), then adds each value in order; `body` gets each value's update, or `nil`
    /// for a value that is not a beat.
    public mutating func addRecording(rrMilliseconds values: [Double], _ body: (BeatUpdate?) throws -> Void) rethrows {
        let kinds = Self.classifyRecording(rrMilliseconds: values)
        for (rr, kind) in zip(values, kinds) {
            try body(Self.isBeat(rrMilliseconds: rr) ? add(rrMilliseconds: rr, artifact: kind ?? nil) : nil)
        }
    }

    /// Each value's kind as `addRecording` decides it (or, `live`, as the live engine does with its
    /// look-ahead): `nil` for a value that is not a beat, `.some(nil)` for an NN beat.
    public static func classifyRecording(rrMilliseconds values: [Double], live: Bool = false) -> [ArtifactKind??] {
        let beats = values.filter(isBeat)
        var beatKinds: [ArtifactKind?]
        if live {
            var classifier = ArtifactClassifier()
            beatKinds = beats.compactMap { classifier.add(rrMilliseconds: $0) }.map(\.kind)
            beatKinds += classifier.finish().map(\.kind)
        } else {
            beatKinds = LipponenTarvainen.classify(rrMilliseconds: beats)
        }
        var kinds = beatKinds.makeIterator()
        return values.map { isBeat(rrMilliseconds: $0) ? .some(kinds.next()!) : nil }
    }
}
