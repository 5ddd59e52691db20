import HRV

/// The model person of `breathctl simulate` without a daemon: `BreathFollowingHeart` breathing
/// with a pacer of its own at `breathingRatePerMinute` (high and medium coherence), or breathing
/// spontaneously (low). The levels are ways of breathing, not scores: high follows the rate
/// closely at the person's resonance (coherence scores about 4-8, as paced breathing near
/// resonance gives); medium follows loosely (a breath in five missed, twice the breath-to-breath
/// timing error); low breathes on its own at about 14 per minute, irregularly (about 0.5-1, as a
/// person at rest). Deterministic for a seed, so tests can replay it.
public struct HeartSimulator: Sendable {
    public enum Coherence: String, Sendable, CaseIterable {
        case low, medium, high
    }

    public struct Configuration: Sendable, Equatable {
        public var meanHeartRateBPM = 65.0
        public var breathingRatePerMinute = 5.5
        public var coherence = Coherence.high
        /// Probability of a premature (ectopic) beat.
        public var ectopicProbability = 0.004
        public var seed: UInt64 = 1
        public init() {}
    }

    public let configuration: Configuration
    private var heart: BreathFollowingHeart

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        heart = BreathFollowingHeart(configuration: Self.person(configuration), pacer: Self.pacer(configuration))
    }

    /// The person behind a level: resonance at the breathing rate, and how well they follow it.
    public static func person(_ c: Configuration) -> BreathFollowingHeart.Configuration {
        var person = BreathFollowingHeart.Configuration()
        person.meanHeartRateBPM = c.meanHeartRateBPM
        person.resonanceRatePerMinute = c.breathingRatePerMinute
        person.ectopicProbability = c.ectopicProbability
        person.seed = c.seed
        if c.coherence == .medium {
            person.compliance = 0.8
            person.breathTimingJitter *= 2
        }
        return person
    }

    private static func pacer(_ c: Configuration) -> @Sendable (Double) -> (phase: BreathCyclePosition, ratePerMinute: Double)? {
        guard c.coherence != .low else { return { _ in nil } }
        let rate = c.breathingRatePerMinute
        let pacer = BreathCyclePosition.uniformPacer(ratePerMinute: rate, startSeconds: 0)
        return { (pacer($0), rate) }
    }

    public mutating func nextRRMilliseconds() -> Double {
        heart.nextRRMilliseconds()
    }
}

/// Small, fast, seedable (Steele et al. 2014).
struct SplitMix64: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal, by the sum of twelve uniforms (close enough for beat noise).
    mutating func gaussian() -> Double {
        var sum = 0.0
        for _ in 0..<12 { sum += unit() }
        return sum - 6
    }
}
