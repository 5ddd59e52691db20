/// Options of `assess`: the stepped protocol of a resonance-frequency assessment (Lehrer and
/// Vaschillo): each rate in turn for `minutesPerRate`, announced by a chime, with rests between.
public struct AssessOptions: Sendable, Equatable {
    public static let defaultRates = [6.5, 6.0, 5.5, 5.0, 4.5]
    public static let defaultMinutesPerRate = 2.0
    public static let defaultRestSeconds = 30.0

    public var rates: [Double]
    public var minutesPerRate: Double
    public var restSeconds: Double

    public init(
        rates: [Double] = AssessOptions.defaultRates, minutesPerRate: Double = AssessOptions.defaultMinutesPerRate,
        restSeconds: Double = AssessOptions.defaultRestSeconds
    ) {
        self.rates = rates
        self.minutesPerRate = minutesPerRate
        self.restSeconds = restSeconds
    }

    /// Seconds the whole protocol takes (announcements aside).
    public var plannedSeconds: Double {
        Double(rates.count) * minutesPerRate * 60 + Double(max(rates.count - 1, 0)) * restSeconds
    }
}

/// The figures of one step of an assessment, as `analyze --pacer-rate` names them.
public struct AssessmentStep: Sendable, Equatable, Codable {
    public var rateBreathsPerMinute: Double
    /// Mean over the breath cycles of (max - min) heart rate; nil without a cycle of two NN beats.
    public var peakToTroughBPM: Double?
    public var breathCycles: Int
    public var lfPowerAtPacerMs2: Double?
    public var meanCoherenceScore: Double?
    public var synchrony: Double?
    public var phaseDegrees: Double?

    public init(
        rateBreathsPerMinute: Double, peakToTroughBPM: Double?, breathCycles: Int, lfPowerAtPacerMs2: Double?,
        meanCoherenceScore: Double?, synchrony: Double?, phaseDegrees: Double?
    ) {
        self.rateBreathsPerMinute = rateBreathsPerMinute
        self.peakToTroughBPM = peakToTroughBPM
        self.breathCycles = breathCycles
        self.lfPowerAtPacerMs2 = lfPowerAtPacerMs2
        self.meanCoherenceScore = meanCoherenceScore
        self.synchrony = synchrony
        self.phaseDegrees = phaseDegrees
    }

    enum CodingKeys: String, CodingKey {
        case rateBreathsPerMinute = "pacer_rate_bpm"
        case peakToTroughBPM = "peak_to_trough_bpm"
        case breathCycles = "breath_cycles"
        case lfPowerAtPacerMs2 = "lf_power_at_pacer_ms2"
        case meanCoherenceScore = "mean_coherence_score"
        case synchrony
        case phaseDegrees = "phase_degrees"
    }
}

/// A finished assessment: every step's figures and the rate chosen (nil when no step had a
/// breath cycle with two NN beats, e.g. without a sensor).
public struct AssessmentResult: Sendable, Equatable, Codable {
    public var steps: [AssessmentStep]
    public var resonanceRateBPM: Double?
    public var minutesPerRate: Double
    public var restSeconds: Double

    public init(steps: [AssessmentStep], resonanceRateBPM: Double?, minutesPerRate: Double, restSeconds: Double) {
        self.steps = steps
        self.resonanceRateBPM = resonanceRateBPM
        self.minutesPerRate = minutesPerRate
        self.restSeconds = restSeconds
    }

    enum CodingKeys: String, CodingKey {
        case steps
        case resonanceRateBPM = "resonance_rate_bpm"
        case minutesPerRate = "minutes_per_rate"
        case restSeconds = "rest_s"
    }
}

/// Where an assessment is: a chime announces each rate, the rate is paced, a rest follows.
public enum AssessmentStage: String, Sendable, Codable, CaseIterable {
    case announcing, pacing, resting, finished
}

/// The assessment's progress, in STATUS while one runs and in the ASSESS event at each stage.
public struct AssessmentProgress: Sendable, Equatable, Codable {
    public var session: Int64
    public var stage: AssessmentStage
    /// 1-based.
    public var step: Int
    public var steps: Int
    public var rateBreathsPerMinute: Double
    /// Seconds left in this stage.
    public var stageRemainingSeconds: Double
    /// Present once the assessment has finished.
    public var result: AssessmentResult?

    public init(
        session: Int64, stage: AssessmentStage, step: Int, steps: Int, rateBreathsPerMinute: Double,
        stageRemainingSeconds: Double, result: AssessmentResult? = nil
    ) {
        self.session = session
        self.stage = stage
        self.step = step
        self.steps = steps
        self.rateBreathsPerMinute = rateBreathsPerMinute
        self.stageRemainingSeconds = stageRemainingSeconds
        self.result = result
    }

    enum CodingKeys: String, CodingKey {
        case session, stage, step, steps, result
        case rateBreathsPerMinute = "rate_bpm"
        case stageRemainingSeconds = "stage_remaining_s"
    }
}

/// Where the pacer's rate came from.
public enum RateSource: String, Sendable, Codable, CaseIterable {
    /// `pacer.rate` in the configuration (or its default).
    case configuration
    /// The last resonance assessment in history (`pacer.rate = "resonance"`, `set rate resonance`).
    case resonance
    /// `start --rate`.
    case start
    /// `set rate` with a number.
    case set
    /// An assessment's current step.
    case assessment
}
