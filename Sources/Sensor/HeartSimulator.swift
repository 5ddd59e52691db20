/// RR intervals of a plausible heart: a mean rate, respiratory sinus arrhythmia at a breathing rate,
/// beat-to-beat noise and an occasional premature beat with its compensatory pause. Breathing at
/// the pacer's rate with high coherence gives one strong oscillation near 0.09 Hz, as in HRV
/// biofeedback; low coherence breathes faster and irregularly with more noise. Deterministic for
/// a seed, so tests can replay it.
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
    private var random: SplitMix64
    private var timeSeconds = 0.0
    private var breathPhase = 0.0
    private var compensatoryPause: Double?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        random = SplitMix64(seed: configuration.seed)
    }

    /// Amplitude of the breathing oscillation (ms), beat noise (ms, sd), breathing-rate jitter.
    private var shape: (amplitude: Double, noise: Double, rateJitter: Double) {
        switch configuration.coherence {
        case .high: (70, 8, 0.02)
        case .medium: (35, 20, 0.25)
        case .low: (12, 35, 0.6)
        }
    }

    public mutating func nextRRMilliseconds() -> Double {
        let meanRR = 60000 / configuration.meanHeartRateBPM
        if let pause = compensatoryPause {
            compensatoryPause = nil
            return advance(pause)
        }
        let s = shape
        let breathing = s.amplitude * sine(2 * Double.pi * breathPhase)
        var rr = meanRR + breathing + s.noise * random.gaussian()
        rr = min(max(rr, 350), 1800)
        if random.unit() < configuration.ectopicProbability {
            let premature = 0.65 * rr
            compensatoryPause = 2 * rr - premature
            rr = premature
        }
        return advance(rr)
    }

    private mutating func advance(_ rr: Double) -> Double {
        timeSeconds += rr / 1000
        let jitter = 1 + shape.rateJitter * (random.unit() - 0.5)
        breathPhase += rr / 60000 * configuration.breathingRatePerMinute * jitter
        breathPhase -= breathPhase.rounded(.down)
        return rr
    }

    private func sine(_ x: Double) -> Double {
        // Reduce to [-pi, pi] for the series.
        var y = x
        while y > Double.pi { y -= 2 * Double.pi }
        var term = y, sum = y
        for n in 1..<12 {
            term *= -y * y / Double((2 * n) * (2 * n + 1))
            sum += term
        }
        return sum
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
