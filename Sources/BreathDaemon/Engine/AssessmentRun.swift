import BreathProtocol
import HRV
import SessionAnalysis

/// A resonance-frequency assessment in progress: each rate is announced by a chime, paced for
/// `minutesPerRate`, and followed by a rest; the beats of the paced part of each step give that
/// rate's figures.
///
/// Pure bookkeeping: the engine drives the stages from its ticks and does the audio.
struct AssessmentRun: Sendable {
    /// The announcement: a bowl chime of `chimeSeconds`, then silence until the stage ends.
    static let announceSeconds = 3.0
    static let chimeSeconds = 1.0

    let options: AssessOptions
    /// 0-based.
    private(set) var step = 0
    private(set) var stage = AssessmentStage.announcing
    private(set) var stageStarted: EngineClock.Instant
    /// The step's beats while it is paced.
    private(set) var updates: [BeatUpdate] = []
    /// Beat-clock seconds at which the step's pacer began (its first sample): each beat's time
    /// less how long the pacer had played when it arrived. A beat can arrive late (a sensor that
    /// sends in bursts, the format detection holding the first lines) but never early, so the
    /// largest of these estimates is the truest.
    private(set) var cycleStartSeconds: Double?
    private(set) var figures: [ResonanceFigures] = []

    init(options: AssessOptions, now: EngineClock.Instant) {
        self.options = options
        stageStarted = now
    }

    var rateBreathsPerMinute: Double { options.rates[min(step, options.rates.count - 1)] }
    var isLastStep: Bool { step == options.rates.count - 1 }

    var stageSeconds: Double {
        switch stage {
        case .announcing: Self.announceSeconds
        case .pacing: options.minutesPerRate * 60
        case .resting: options.restSeconds
        case .finished: 0
        }
    }

    func stageRemainingSeconds(now: EngineClock.Instant) -> Double {
        max(0, stageSeconds - (now - stageStarted).inSeconds)
    }

    func isStageOver(now: EngineClock.Instant) -> Bool { stageRemainingSeconds(now: now) <= 0 }

    /// Seconds still to go in the whole protocol (announcements included).
    func remainingSeconds(now: EngineClock.Instant) -> Double {
        let pacingSeconds = options.minutesPerRate * 60
        let stepsAfter = Double(options.rates.count - 1 - step)
        let current: Double
        switch stage {
        case .announcing: current = stageRemainingSeconds(now: now) + pacingSeconds
        case .pacing: current = stageRemainingSeconds(now: now)
        // The rest belongs to the next step, counted whole below.
        case .resting: current = stageRemainingSeconds(now: now) - options.restSeconds
        case .finished: return 0
        }
        return max(0, current + stepsAfter * (options.restSeconds + Self.announceSeconds + pacingSeconds))
    }

    mutating func beginPacing(at now: EngineClock.Instant) {
        stage = .pacing
        stageStarted = now
        updates = []
        cycleStartSeconds = nil
    }

    /// A beat while the step is paced; `pacerSeconds` is how long the step's pacer had played
    /// when the beat arrived.
    mutating func add(_ update: BeatUpdate, pacerSeconds: Double) {
        guard stage == .pacing else { return }
        let estimate = update.timeSeconds - pacerSeconds
        cycleStartSeconds = max(cycleStartSeconds ?? estimate, estimate)
        updates.append(update)
    }

    /// Closes the paced part of the step with its figures; then a rest, or the end.
    mutating func endPacing(at now: EngineClock.Instant, inhaleShare: Double) {
        figures.append(
            ResonanceFigures(
                updates: updates, breathingRatePerMinute: rateBreathsPerMinute, cycleStartSeconds: cycleStartSeconds,
                inhaleShare: inhaleShare))
        updates = []
        stage = isLastStep ? .finished : .resting
        stageStarted = now
    }

    mutating func beginNextStep(at now: EngineClock.Instant) {
        step += 1
        stage = .announcing
        stageStarted = now
    }

    /// The figures so far; the resonance rate only once every step has been paced.
    var result: AssessmentResult {
        let complete = figures.count == options.rates.count
        return AssessmentResult(
            steps: figures.map(AssessmentStep.init),
            resonanceRateBPM: complete ? ResonanceChoice.choose(figures).map { figures[$0].breathingRatePerMinute } : nil,
            minutesPerRate: options.minutesPerRate, restSeconds: options.restSeconds)
    }

    func progress(session: Int64, now: EngineClock.Instant) -> AssessmentProgress {
        AssessmentProgress(
            session: session, stage: stage, step: step + 1, steps: options.rates.count, rateBreathsPerMinute: rateBreathsPerMinute,
            stageRemainingSeconds: stageRemainingSeconds(now: now), result: stage == .finished ? result : nil)
    }
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
