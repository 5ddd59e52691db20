/// What the engine reports after each beat.
public struct BeatUpdate: Sendable, Equatable {
    /// 0-based index of the beat in the stream (rejected non-positive values are not beats).
    public var beatIndex: Int
    /// Running sum of every RR interval so far, this one included, in seconds.
    public var timeSeconds: Double
    public var rrMilliseconds: Double
    public var isNN: Bool
    /// Time domain over the beats in (t - 64 s, t]; `nil` until 64 s of beats exist.
    public var window: TimeDomainMetrics?
    /// Coherence over the same window; `nil` until 64 s of beats exist or with fewer than 2 NN beats.
    public var coherence: CoherenceMetrics?
}

/// Streaming HRV: feed RR intervals one at a time and get the NN decision and the live metrics.
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

    /// Time-domain and coherence window: metrics are reported once a beat's time reaches it.
    public static let windowSeconds = CoherenceAnalyzer.windowSeconds

    public let configuration: Configuration
    private var classifier = NNClassifier()
    private var coherence: CoherenceAnalyzer
    private var beats: RingBuffer<Beat>
    private var elapsedMilliseconds = 0.0
    public private(set) var beatCount = 0
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

    /// Seconds of beats still needed before metrics appear (0 once warm).
    public var warmUpSecondsLeft: Double {
        max(0, Self.windowSeconds - elapsedMilliseconds / 1000)
    }

    public var challengeLevel: ChallengeLevel {
        get { coherence.challengeLevel }
        set { coherence.challengeLevel = newValue }
    }

    /// Longest interval accepted as a beat at all. Longer values (a sensor's 0xFFFF, a corrupt
    /// line) would push the time axis beyond the precision of a Double for the beats after them.
    public static let longestRRMilliseconds = 600_000.0

    /// Beats currently held for the window (bounded by `configuration.maximumBeatsInWindow`).
    public var windowBeatCount: Int { beats.count }

    /// Adds one RR interval. Values that are not finite, not positive or beyond
    /// `longestRRMilliseconds` cannot be placed on the time axis: they return `nil` and change
    /// nothing (the caller counts them as rejected input). Every other value is a beat;
    /// out-of-range values are artifacts.
    public mutating func add(rrMilliseconds rr: Double) -> BeatUpdate? {
        guard rr.isFinite, rr > 0, rr <= Self.longestRRMilliseconds else { return nil }
        let isNN = classifier.classify(rrMilliseconds: rr)
        elapsedMilliseconds += rr
        // Beat times as the reference computes them: cumulative sum in ms, then seconds.
        let t = elapsedMilliseconds / 1000
        let index = beatCount
        beatCount += 1
        beats.append(Beat(timeSeconds: t, rrMilliseconds: rr, isNN: isNN))
        let windowSeconds = Self.windowSeconds
        let oldest = t - windowSeconds - CoherenceAnalyzer.anchorSeconds
        var expired = 0
        while expired < beats.count && !(beats[expired].timeSeconds > oldest) { expired += 1 }
        beats.removeFirst(expired)

        var update = BeatUpdate(beatIndex: index, timeSeconds: t, rrMilliseconds: rr, isNN: isNN)
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
        beats.removeAll()
        elapsedMilliseconds = 0
        beatCount = 0
    }
}
