#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HRV

/// A model person: breathing that follows a pacer imperfectly (or is spontaneous), and a heart
/// whose rate answers the breath through a resonance, on top of its own spontaneous variability.
/// What `breathctl simulate` plays and what the synchrony and assessment tests measure.
/// Deterministic for a seed. The model, its parameters and their sources: docs/simulator.md.
///
/// Heart rate, bpm, at time t:
///
///     HR(t) = mean + RSA(t) + LF(t) + VLF(t),   RR = 60000 / HR(at the beat) + beat noise
///
/// - RSA: the breath (lung volume's fundamental, -cos 2πθ for breath phase θ) through the
///   transfer function T(f) = vagal + resonant / (1 + iQ(f/f0 - f0/f)) at the breathing frequency
///   f: a rate-independent vagal part plus a second-order resonance at f0 (the resonance rate),
///   as Vaschillo et al. (2002, 2006) describe the baroreflex loop. |T| is largest at f0, where
///   HR is in phase with the breath (T is real there); below f0 HR leads the breath, above it
///   lags, by at most 90°. `lagDegrees` adds a fixed lag. T follows rate changes with a 3 s time
///   constant, as a reflex does, so a missed breath does not make a step in RR.
/// - LF: the same resonance's own ringing, a narrow-band (complex Ornstein-Uhlenbeck) process at
///   f0 with an 8 s decay: the spontaneous ~0.1 Hz oscillation of a resting heart.
/// - VLF: a sum of four Ornstein-Uhlenbeck processes with time constants 8, 25, 80 and 250 s and
///   equal variance: wander whose spectrum falls roughly as 1/f over that range.
/// - Breathing: with a pacer, each breath aims at the pacer's phase plus an offset of its own,
///   drawn per breath (`breathTimingJitter`, standard deviation in cycles: 0.06 is 0.6 s at
///   6/min), and gets there within about a breath (the rate is the pacer's, corrected by the
///   remaining error per cycle); so breath lengths vary by about 8 % and the breath never drifts
///   away from the pacer. Each pacer cycle is followed with probability
///   `compliance`, and in a cycle not followed the person breathes at their own rate (a missed
///   breath), then catches up. Without a pacer, or in missed cycles, breaths come at
///   `ownBreathingRatePerMinute` with a log-normal spread of `ownBreathJitter` per breath.
/// - Ectopic beats (`ectopicProbability` per beat): a premature beat at 65 % of the interval and
///   its compensatory pause.
public struct BreathFollowingHeart: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var meanHeartRateBPM = 65.0
        /// Breaths per minute of the largest RSA (the resonance rate, f0 × 60).
        public var resonanceRatePerMinute = 5.5
        /// RSA amplitude (bpm, half of peak-to-trough) at resonance: the vagal part plus the resonant part.
        public var resonanceAmplitudeBPM = 6.5
        /// The part of the RSA amplitude that does not depend on the breathing rate (bpm); the
        /// amplitude far from resonance tends to it.
        public var vagalAmplitudeBPM = 2.0
        /// Quality factor Q of the resonance: the resonant part falls to 1/√2 at f/f0 - f0/f = ±1/Q.
        public var resonanceQuality = 4.0
        /// A fixed extra lag of HR behind the breath, degrees (the resonance adds its own away from f0).
        public var lagDegrees = 0.0
        /// Share of pacer cycles followed (0-1); in the others the person breathes on their own.
        public var compliance = 0.97
        /// The person's own breathing when not following; `nil` means holding the breath.
        public var ownBreathingRatePerMinute: Double? = 14
        /// Breath-to-breath timing error while following the pacer: each breath's offset from the
        /// pacer's phase, standard deviation in cycles.
        public var breathTimingJitter = 0.06
        /// Breath-to-breath spread of the person's own breathing (standard deviation of the log rate).
        public var ownBreathJitter = 0.2
        /// Spontaneous LF oscillation at the resonance, bpm (standard deviation of its real part).
        public var lfAmplitudeBPM = 1.2
        /// Slow 1/f wander, bpm (standard deviation of the sum).
        public var vlfAmplitudeBPM = 2.5
        /// Beat-to-beat noise, standard deviation in ms.
        public var noiseMilliseconds = 8.0
        /// Probability of a premature (ectopic) beat, per beat.
        public var ectopicProbability = 0.0
        public var seed: UInt64 = 1
        public init() {}

        /// An idealised heart (no wander, no beat noise, perfect breathing): for tests of the
        /// measures themselves.
        public static var ideal: Configuration {
            var c = Configuration()
            c.compliance = 1
            c.breathTimingJitter = 0
            c.ownBreathJitter = 0
            c.lfAmplitudeBPM = 0
            c.vlfAmplitudeBPM = 0
            c.noiseMilliseconds = 0
            return c
        }
    }

    public let configuration: Configuration
    /// The pacer's breath phase and rate at a time, or nil while no pacer runs.
    private let pacer: @Sendable (Double) -> (phase: BreathCyclePosition, ratePerMinute: Double)?
    private var random: SplitMix64
    private var timeSeconds = 0.0
    /// The person's breath phase (cycles, continuous) and current rate (breaths per minute).
    private var breathCycles = 0.0
    private var breathRatePerMinute = 0.0
    private var breathCount = 0
    /// This breath's aimed offset from the pacer's phase, cycles.
    private var pacedOffset = 0.0
    private var ownJitter = 0.0
    /// The RSA transfer (bpm) as the reflex has it now: real and imaginary parts.
    private var gain: (re: Double, im: Double)?
    private var lf = (re: 0.0, im: 0.0)
    private var vlf = [Double](repeating: 0, count: BreathFollowingHeart.vlfTimeConstantsSeconds.count)
    private var compensatoryPause: Double?

    static let vlfTimeConstantsSeconds = [8.0, 25.0, 80.0, 250.0]
    static let lfTimeConstantSeconds = 8.0
    static let reflexTimeConstantSeconds = 3.0
    /// Share of the phase error corrected per breath (at the pacer's rate).
    static let phaseLock = 1.0

    /// `pacer` gives the pacer's breath phase at a time (seconds from the first beat's origin), or
    /// nil while no pacer runs (the person breathes on their own); `pacerRatePerMinute` is its rate.
    public init(configuration: Configuration, pacerRatePerMinute: Double, pacer: @escaping @Sendable (Double) -> BreathCyclePosition?) {
        self.init(configuration: configuration) { time in pacer(time).map { ($0, pacerRatePerMinute) } }
    }

    /// A pacer whose rate changes (the steps of an assessment): `pacer` gives phase and rate.
    public init(configuration: Configuration, pacer: @escaping @Sendable (Double) -> (phase: BreathCyclePosition, ratePerMinute: Double)?) {
        self.configuration = configuration
        self.pacer = pacer
        random = SplitMix64(seed: configuration.seed)
        // Start in step with the pacer, if one runs.
        if let paced = pacer(0) { breathCycles = Double(paced.phase.cycle) + paced.phase.fraction }
        breathCount = Int(breathCycles.rounded(.down))
        pacedOffset = configuration.breathTimingJitter * random.gaussian()
        ownJitter = configuration.ownBreathJitter * random.gaussian()
        breathRatePerMinute = currentBreathRate()
    }

    /// A heart breathing on its own, no pacer.
    public init(configuration: Configuration) {
        self.init(configuration: configuration) { _ in nil }
    }

    /// The RSA transfer at a breathing rate: amplitude (bpm, half peak-to-trough) and how far HR
    /// lags the breath (degrees, negative: leads), before `lagDegrees`.
    public static func response(atRatePerMinute rate: Double, configuration c: Configuration) -> (amplitudeBPM: Double, lagDegrees: Double) {
        let t = transfer(atRatePerMinute: rate, configuration: c)
        return ((t.re * t.re + t.im * t.im).squareRoot(), -atan2(t.im, t.re) * 180 / Double.pi)
    }

    public static func amplitudeBPM(atRatePerMinute rate: Double, configuration c: Configuration) -> Double {
        response(atRatePerMinute: rate, configuration: c).amplitudeBPM
    }

    /// T(f) = vagal + resonant / (1 + iQ(f/f0 - f0/f)); only the vagal part without breathing.
    static func transfer(atRatePerMinute rate: Double, configuration c: Configuration) -> (re: Double, im: Double) {
        let resonant = max(c.resonanceAmplitudeBPM - c.vagalAmplitudeBPM, 0)
        guard rate > 0 else { return (c.vagalAmplitudeBPM, 0) }
        let x = c.resonanceQuality * (rate / c.resonanceRatePerMinute - c.resonanceRatePerMinute / rate)
        // resonant / (1 + ix) = resonant (1 - ix) / (1 + x²)
        let d = 1 + x * x
        return (c.vagalAmplitudeBPM + resonant / d, -resonant * x / d)
    }

    /// The next RR interval. The heart rate is taken at the beat's own time (a few fixed-point
    /// steps of rr = 60000 / HR(t + rr)), because analysis places 60000/RR at the beat that ends
    /// the interval; so the measured phase is the model's, without half an RR of extra delay.
    public mutating func nextRRMilliseconds() -> Double {
        let c = configuration
        if let pause = compensatoryPause {
            compensatoryPause = nil
            advance(by: pause)
            return pause
        }
        if gain == nil { gain = Self.transfer(atRatePerMinute: breathRatePerMinute, configuration: c) }
        var rr = 60000 / c.meanHeartRateBPM
        for _ in 0..<4 { rr = 60000 / max(heartRate(afterSeconds: rr / 1000), 20) }
        rr = min(max(rr + c.noiseMilliseconds * random.gaussian(), 300), 2000)
        if c.ectopicProbability > 0, random.unit() < c.ectopicProbability {
            let premature = 0.65 * rr
            compensatoryPause = 2 * rr - premature
            rr = premature
        }
        advance(by: rr)
        return rr
    }

    /// HR `seconds` from now, the breath extrapolated at its current rate.
    private func heartRate(afterSeconds seconds: Double) -> Double {
        let c = configuration
        let g = gain ?? (0, 0)
        // -Re(T e^{i2π(θ - lag)}): the lung volume's fundamental -cos 2πθ, scaled and shifted by T.
        let angle = 2 * Double.pi * (breathCycles + breathRatePerMinute * seconds / 60 - c.lagDegrees / 360)
        let rsa = -(g.re * cos(angle) - g.im * sin(angle))
        return c.meanHeartRateBPM + rsa + lf.re + vlf.reduce(0, +)
    }

    private mutating func advance(by rrMilliseconds: Double) {
        let c = configuration
        let dt = rrMilliseconds / 1000
        timeSeconds += dt
        breathCycles += breathRatePerMinute * dt / 60
        if breathRatePerMinute > 0, let g = gain {
            // The reflex follows the breathing rate with a lag; holding the breath leaves it as it is.
            let target = Self.transfer(atRatePerMinute: breathRatePerMinute, configuration: c)
            let keep = exp(-dt / Self.reflexTimeConstantSeconds)
            gain = (keep * g.re + (1 - keep) * target.re, keep * g.im + (1 - keep) * target.im)
        }
        // LF: a complex Ornstein-Uhlenbeck process turning at f0; its real part has sd lfAmplitudeBPM.
        let decay = exp(-dt / Self.lfTimeConstantSeconds)
        let turn = 2 * Double.pi * c.resonanceRatePerMinute / 60 * dt
        let drive = c.lfAmplitudeBPM * (1 - decay * decay).squareRoot()
        lf = (
            decay * (lf.re * cos(turn) - lf.im * sin(turn)) + drive * random.gaussian(),
            decay * (lf.re * sin(turn) + lf.im * cos(turn)) + drive * random.gaussian()
        )
        // VLF: equal shares of the variance at each time constant.
        let share = c.vlfAmplitudeBPM / Double(vlf.count).squareRoot()
        for i in vlf.indices {
            let keep = exp(-dt / Self.vlfTimeConstantsSeconds[i])
            vlf[i] = keep * vlf[i] + share * (1 - keep * keep).squareRoot() * random.gaussian()
        }
        let whole = Int(breathCycles.rounded(.down))
        if whole != breathCount {
            // A new breath: its own deviation from the pacer's rate, or its own length.
            breathCount = whole
            pacedOffset = c.breathTimingJitter * random.gaussian()
            ownJitter = c.ownBreathJitter * random.gaussian()
        }
        breathRatePerMinute = currentBreathRate()
    }

    /// The person's breathing rate now: the pacer's, corrected towards its phase, when following
    /// this pacer cycle; otherwise their own (0 when they hold their breath).
    private func currentBreathRate() -> Double {
        let c = configuration
        if let paced = pacer(timeSeconds), follows(cycle: paced.phase.cycle) {
            let pacerCycles = Double(paced.phase.cycle) + paced.phase.fraction
            var error = (pacerCycles + pacedOffset - breathCycles).truncatingRemainder(dividingBy: 1)
            if error > 0.5 { error -= 1 } else if error <= -0.5 { error += 1 }
            return max(paced.ratePerMinute * (1 + Self.phaseLock * error), 0)
        }
        guard let own = c.ownBreathingRatePerMinute else { return 0 }
        return own * exp(ownJitter)
    }

    /// Whether the person follows pacer cycle `cycle`: a draw of its own from the seed, so the
    /// answer is the same however often a beat near the boundary asks.
    private func follows(cycle: Int) -> Bool {
        guard configuration.compliance < 1 else { return true }
        var draw = SplitMix64(seed: configuration.seed ^ (UInt64(bitPattern: Int64(cycle)) &* 0x9E37_79B9_7F4A_7C15))
        return draw.unit() < configuration.compliance
    }
}
