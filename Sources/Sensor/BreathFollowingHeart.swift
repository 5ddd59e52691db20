#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HRV

/// A model heart for the synchrony and assessment tests: its rate swings with a breathing signal,
/// either the pacer's (in the cycles the simulated person follows) or the person's own rhythm.
///
/// HR(t) = mean + A(rate) · (-cos 2π(φ(t) - lag/360)), where φ is the breath phase and A peaks at
/// the resonance rate: A(rate) = amplitude / (1 + ((rate - resonance) / width)²). So the heart
/// lags the breath by `lagDegrees`, and a stepped assessment finds `resonanceRatePerMinute`.
/// Deterministic for a seed.
public struct BreathFollowingHeart: Sendable {
    public struct Configuration: Sendable {
        public var meanHeartRateBPM = 65.0
        /// Breaths per minute of the largest RSA (the resonance rate).
        public var resonanceRatePerMinute = 5.5
        /// RSA amplitude (bpm, half of peak-to-trough) at resonance.
        public var resonanceAmplitudeBPM = 8.0
        /// How fast the amplitude falls away from resonance (breaths per minute to half amplitude).
        public var resonanceWidthPerMinute = 1.0
        /// HR behind the breath at the breathing frequency, degrees.
        public var lagDegrees = 0.0
        /// Share of pacer cycles followed (0-1); in the others the person breathes at `ownBreathingRatePerMinute`.
        public var compliance = 1.0
        /// The person's own breathing when not following; `nil` means no breathing rhythm at all.
        public var ownBreathingRatePerMinute: Double? = 14
        /// Beat-to-beat noise, standard deviation in ms.
        public var noiseMilliseconds = 5.0
        public var seed: UInt64 = 1
        public init() {}
    }

    public let configuration: Configuration
    /// The pacer's breath phase and rate at a time, or nil while no pacer runs.
    private let pacer: @Sendable (Double) -> (phase: BreathCyclePosition, ratePerMinute: Double)?
    private var random: SplitMix64
    private var timeSeconds = 0.0
    private var ownPhase = 0.0

    /// `pacer` gives the pacer's breath phase at a time (seconds from the first beat's origin), or
    /// nil while no pacer runs (the person breathes on their own); `pacerRatePerMinute` is its
    /// rate, which sets the RSA amplitude in the followed cycles.
    public init(configuration: Configuration, pacerRatePerMinute: Double, pacer: @escaping @Sendable (Double) -> BreathCyclePosition?) {
        self.init(configuration: configuration) { time in pacer(time).map { ($0, pacerRatePerMinute) } }
    }

    /// A pacer whose rate changes (the steps of an assessment): `pacer` gives phase and rate.
    public init(configuration: Configuration, pacer: @escaping @Sendable (Double) -> (phase: BreathCyclePosition, ratePerMinute: Double)?) {
        self.configuration = configuration
        self.pacer = pacer
        random = SplitMix64(seed: configuration.seed)
    }

    public static func amplitudeBPM(atRatePerMinute rate: Double, configuration c: Configuration) -> Double {
        let offset = (rate - c.resonanceRatePerMinute) / c.resonanceWidthPerMinute
        return c.resonanceAmplitudeBPM / (1 + offset * offset)
    }

    /// The next RR interval. The swing is taken at the beat's own time (a few fixed-point steps
    /// of rr = 60000 / HR(t + rr)), because analysis places 60000/RR at the beat that ends the
    /// interval; so the measured phase is the configured lag, without half an RR of extra delay.
    public mutating func nextRRMilliseconds() -> Double {
        let c = configuration
        var rr = 60000 / c.meanHeartRateBPM
        for _ in 0..<4 {
            var swing = 0.0
            if let paced = pacer(timeSeconds + rr / 1000), follows(cycle: paced.phase.cycle) {
                swing = Self.amplitudeBPM(atRatePerMinute: paced.ratePerMinute, configuration: c) * breath(paced.phase.fraction)
            } else if let own = c.ownBreathingRatePerMinute {
                let phase = ownPhase + rr / 60000 * own
                swing = Self.amplitudeBPM(atRatePerMinute: own, configuration: c) * breath(phase - phase.rounded(.down))
            }
            rr = 60000 / max(c.meanHeartRateBPM + swing, 20)
        }
        rr = min(max(rr + c.noiseMilliseconds * random.gaussian(), 300), 2000)
        timeSeconds += rr / 1000
        if let own = c.ownBreathingRatePerMinute {
            ownPhase += rr / 60000 * own
            ownPhase -= ownPhase.rounded(.down)
        }
        return rr
    }

    /// Whether the person follows pacer cycle `cycle`: a draw of its own from the seed, so the
    /// answer is the same however often a beat near the boundary asks.
    private func follows(cycle: Int) -> Bool {
        guard configuration.compliance < 1 else { return true }
        var draw = SplitMix64(seed: configuration.seed ^ (UInt64(bitPattern: Int64(cycle)) &* 0x9E37_79B9_7F4A_7C15))
        return draw.unit() < configuration.compliance
    }

    /// -cos 2π(φ - lag): in step with the pacer's lung volume (rising through the inhale) at lag 0.
    private func breath(_ fraction: Double) -> Double {
        -cos(2 * Double.pi * (fraction - configuration.lagDegrees / 360))
    }
}
