import BreathConfig
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
    var rateSource = RateSource.configuration
    /// The assessment the rate came from, when `rateSource` is `.resonance`.
    var resonanceSession: Int64?

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
        let tone = try ToneSettings(voice: voice, volume: volume)
        return PacerSettings(pattern: pattern, tone: tone)
    }

    /// The rate of a stored assessment (`pacer.rate = "resonance"`, `set rate resonance`).
    mutating func useResonance(rateBreathsPerMinute rate: Double, session: Int64) {
        rateBreathsPerMinute = rate
        rateSource = .resonance
        resonanceSession = session
    }

    /// `.resonanceRate` is resolved by the engine (it needs history) and applied with `useResonance`.
    mutating func apply(_ setting: Setting) {
        switch setting {
        case .rate(let rate): setRate(rate, source: .set)
        case .resonanceRate: break
        case .ratio(let ratio): self.ratio = ratio
        case .voice(let voice): self.voice = voice
        case .volume(let volume): self.volume = volume
        }
    }

    mutating func apply(_ options: StartOptions) {
        if let rate = options.rateBreathsPerMinute { setRate(rate, source: .start) }
        if let ratio = options.ratio { self.ratio = ratio }
        if let voice = options.voice { self.voice = voice }
        if let volume = options.volume { self.volume = volume }
    }

    /// The settings history records for a session of `durationSeconds` paced by this choice.
    func sessionSettings(durationSeconds: Double) -> SessionSettings {
        SessionSettings(
            durationSeconds: durationSeconds, rateBreathsPerMinute: rateBreathsPerMinute, ratio: ratio, voice: voice,
            volume: volume)
    }

    mutating func setRate(_ rate: Double, source: RateSource) {
        rateBreathsPerMinute = rate
        rateSource = source
        resonanceSession = nil
    }
}

/// The pacer clock of a session: the audio player reads the renderer's own schedule at the
/// samples heard (live changes included); this adds the cycles of earlier playbacks, since a
/// session resumed after a pause starts a fresh schedule.
struct PacerClock: Sendable {
    /// Cycles completed in earlier playbacks of this session.
    private(set) var earlierCycles: Int64 = 0
    let sampleRate: Int
    /// While no device plays (none attached, unplugged), the pacer runs on the wall clock from
    /// `wallOrigin`, so the rhythm still reaches watchers and the person can follow it on screen.
    /// After a live change, the schedule before it stays in force until the change's cycle
    /// boundary: the breath in progress ends as it began.
    private var wallSchedules: SchedulesInForce
    private var wallOrigin: EngineClock.Instant

    init(pattern: BreathPattern, sampleRate: Int, now: EngineClock.Instant) {
        self.sampleRate = sampleRate
        wallSchedules = SchedulesInForce(PacerSchedule(pattern: pattern, sampleRate: sampleRate))
        wallOrigin = now
    }

    private func wallSample(_ now: EngineClock.Instant) -> Int64 {
        let elapsed = now - wallOrigin
        // Through nanoseconds: attoseconds times a sample rate would overflow Int64.
        let nanoseconds = elapsed.components.attoseconds / 1_000_000_000
        return elapsed.components.seconds * Int64(sampleRate) + nanoseconds * Int64(sampleRate) / 1_000_000_000
    }

    /// The wall-clock schedules and the sample they are at now.
    func wallClock(_ now: EngineClock.Instant) -> (schedules: SchedulesInForce, sample: Int64) {
        (wallSchedules, max(0, wallSample(now)))
    }

    /// The wall-clock position, for when the player is not playing.
    func wallPosition(_ now: EngineClock.Instant) -> Position? {
        position(wallSchedules.position(at: max(0, wallSample(now))))
    }

    /// A playback (re)starts: the wall clock starts a fresh schedule with it.
    mutating func restartWallClock(pattern: BreathPattern, at now: EngineClock.Instant) {
        wallSchedules = SchedulesInForce(PacerSchedule(pattern: pattern, sampleRate: sampleRate))
        wallOrigin = now
    }

    /// A live change, on the wall clock as the renderer does it: from the next cycle boundary of
    /// the schedule in force (a second change before then replaces the first).
    /// Returns the seconds from `now` to that boundary: when the change takes effect.
    @discardableResult
    mutating func changeWallClock(to pattern: BreathPattern, at now: EngineClock.Instant) -> Double {
        let sample = max(0, wallSample(now))
        let inForce = wallSchedules.schedule(at: sample)
        wallSchedules = SchedulesInForce(current: inForce.changing(to: pattern, atBoundaryAtOrAfter: sample), previous: inForce)
        return Double(wallSchedules.current.originSample - sample) / Double(sampleRate)
    }

    struct Position: Equatable {
        var phase: BreathProtocol.BreathPhase
        /// 0 at the start of the phase, approaching 1 at its end.
        var progress: Double
        /// Cycle number in the session, from 0.
        var cycle: Int64
        var phaseSeconds: Double
    }

    /// The session's position from the player's; nil before the first sample is heard.
    func position(_ played: PhasePosition?) -> Position? {
        played.map {
            Position(
                phase: $0.phase, progress: $0.progress, cycle: $0.cycle + earlierCycles,
                phaseSeconds: Double($0.phaseLength) / Double(sampleRate))
        }
    }

    /// At a pause: the cycle it paused in counts as heard; the next playback starts a new one.
    mutating func pause(at position: Position?) {
        if let position { earlierCycles = position.cycle + 1 }
    }
}
