import BreathProtocol
import Pacer

/// One session's pacer settings as the protocol and the configuration speak of them, and their
/// translation into the Pacer module's validated types.
struct PacerChoice: Sendable, Equatable {
    var rateBreathsPerMinute: Double
    var ratio: BreathRatio
    var holdInSeconds: Double
    var holdOutSeconds: Double
    var voice: BreathProtocol.Voice
    var volume: Double

    init(_ pacer: Configuration.Pacer) {
        rateBreathsPerMinute = pacer.rateBreathsPerMinute
        ratio = pacer.ratio
        holdInSeconds = pacer.holdInSeconds
        holdOutSeconds = pacer.holdOutSeconds
        voice = pacer.voice
        volume = pacer.volume
    }

    /// The settings the renderer plays; a combination the pacer refuses (holds leaving no time to
    /// breathe) throws with the option and the reason.
    func settings() throws(PatternError) -> PacerSettings {
        let share = try InhaleShare(ratio: ratio.description)
        let pattern = try BreathPattern(
            ratePerMinute: rateBreathsPerMinute, inhaleShare: share,
            holdAfterInhaleSeconds: holdInSeconds, holdAfterExhaleSeconds: holdOutSeconds)
        let tone = try ToneSettings(voice: Pacer.Voice(rawValue: voice.rawValue) ?? .glide, volume: volume)
        return PacerSettings(pattern: pattern, tone: tone)
    }

    mutating func apply(_ setting: Setting) {
        switch setting {
        case .rate(let rate): rateBreathsPerMinute = rate
        case .ratio(let ratio): self.ratio = ratio
        case .voice(let voice): self.voice = voice
        case .volume(let volume): self.volume = volume
        }
    }

    mutating func apply(_ options: StartOptions) {
        if let rate = options.rateBreathsPerMinute { rateBreathsPerMinute = rate }
        if let ratio = options.ratio { self.ratio = ratio }
        if let voice = options.voice { self.voice = voice }
        if let volume = options.volume { self.volume = volume }
    }
}

/// The pacer clock of a session: phase and cycle from the number of samples the listener heard.
///
/// It mirrors the renderer's schedule: the same pure function of the sample index, with live
/// changes rebased on a cycle boundary, and cycles of earlier playbacks (before a pause) counted on.
struct PacerClock: Sendable {
    private(set) var schedule: PacerSchedule
    /// Cycles completed in earlier playbacks of this session.
    private(set) var earlierCycles: Int64 = 0

    init(pattern: BreathPattern, sampleRate: Int) {
        schedule = PacerSchedule(pattern: pattern, sampleRate: sampleRate)
    }

    var sampleRate: Int { schedule.sampleRate }

    /// A new playback after a pause starts a fresh schedule; the cycle it paused in counts as heard.
    mutating func restart(pattern: BreathPattern, afterSamplesPlayed played: Int64) {
        earlierCycles = position(at: played).cycle + 1
        schedule = PacerSchedule(pattern: pattern, sampleRate: schedule.sampleRate)
    }

    /// A live change that the renderer applies at the first cycle boundary at or after `sample`.
    mutating func change(to pattern: BreathPattern, atBoundaryAtOrAfter sample: Int64) {
        schedule = schedule.changing(to: pattern, atBoundaryAtOrAfter: sample)
    }

    struct Position: Equatable {
        var phase: BreathProtocol.BreathPhase
        /// 0 at the start of the phase, approaching 1 at its end.
        var progress: Double
        /// Cycle number in the session, from 0.
        var cycle: Int64
        var phaseSeconds: Double
    }

    /// Phase, progress and the session's cycle number for `samplesPlayed`.
    func position(at samplesPlayed: Int64) -> Position {
        let raw = schedule.position(at: max(samplesPlayed, schedule.originSample))
        return Position(
            phase: BreathProtocol.BreathPhase(raw.phase), progress: raw.progress, cycle: raw.cycle + earlierCycles,
            phaseSeconds: Double(raw.phaseLength) / Double(schedule.sampleRate))
    }
}

extension BreathProtocol.BreathPhase {
    init(_ phase: Pacer.BreathPhase) {
        switch phase {
        case .inhale: self = .inhale
        case .holdIn: self = .holdIn
        case .exhale: self = .exhale
        case .holdOut: self = .holdOut
        }
    }
}
