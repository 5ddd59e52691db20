import Audio
import BreathConfig
import BreathProtocol
import Foundation
import HRV
import Logging
import Pacer
import ServiceLifecycle
import SessionAnalysis

/// The session engine: joins the pacer (through the audio player), the heart monitor and history,
/// answers control requests and publishes watch events.
///
/// An actor with an explicit `State`; every request re-checks the state after each `await`,
/// because another request may have changed it meanwhile.
public actor SessionEngine: ControlRequestHandler, Service {
    enum State {
        case idle
        case running(ActiveSession)
        case paused(ActiveSession)
        /// Fading out before the session is written to history with `reason`.
        case ending(ActiveSession, reason: EndReason, deadline: EngineClock.Instant)

        var isIdle: Bool {
            if case .idle = self { true } else { false }
        }

        /// Which case, without its session: what decides how soon the next tick is due.
        var stage: Stage {
            switch self {
            case .idle: .idle
            case .running: .running
            case .paused: .paused
            case .ending: .ending
            }
        }

        enum Stage { case idle, running, paused, ending }

        var session: ActiveSession? {
            switch self {
            case .idle: nil
            case .running(let s), .paused(let s), .ending(let s, _, _): s
            }
        }
    }

    /// Engine ticks publish phase events, time the session and follow the audio state. While a
    /// session paces they fall just after the next phase boundary (or the start of the fade), so
    /// PHASE goes out on time with two wake-ups per breath rather than twenty a second. An audio
    /// state change needs no tick to be seen: the player tells it (`onStatusChange`) and that
    /// wakes the loop at once. `longestTick` is only a safety net (a slow breath's long phase,
    /// a paused session). Fades and assessments, whose stages the tick times, keep `shortTick`.
    /// Idle, nothing is due: no timer at all until a request or the player wakes the loop (a
    /// laptop on battery, issue 16).
    static let shortTick = Duration.milliseconds(50)
    static let longestTick = Duration.seconds(10)
    /// How long a fade-out may overrun before the session is closed anyway.
    static let fadeOutGraceSeconds = 2.0

    /// How long a fade-out may take from `stop` until the tone has ended: it starts after what the
    /// device has buffered and ends once that has played out.
    var fadeOutDeadlineSeconds: Double {
        configuration.pacer.fadeOutSeconds + Double(configuration.audio.bufferMilliseconds) / 1000 + Self.fadeOutGraceSeconds
    }

    /// Replaced by `reload` on SIGHUP; sessions read their fades and lengths from it as they go.
    var configuration: Configuration
    /// The pacer's sound: the ALSA player in the daemon.
    let player: any PacerOutput
    let recorder: any HistorySink
    let queries: HistoryQueries
    let events: EventHub
    let logger: Logger
    /// Every tick, wait, pause and deadline, and every timestamp, comes from here.
    let clock: EngineClock

    var state = State.idle {
        didSet {
            // A start, a resume or a stop makes the next tick due sooner than the one the loop
            // sleeps for (a paused session's is `longestTick` away: the resumed inhale's PHASE
            // would go out that late).
            if oldValue.stage != state.stage && !state.isIdle { tickWake.wake() }
        }
    }
    /// Wakes the tick loop: it waits on it while idle, and races it with its sleep otherwise.
    private let tickWake = TickWake()
    /// What the next session plays; `set` while idle changes it.
    var defaults: PacerChoice
    var heart: HeartMonitor
    var sensor: SensorTracker
    var audio: AudioTracker
    /// Advanced on every tick and every beat: what the systemd watchdog is fed from.
    public internal(set) var progressCounter: UInt64 = 0

    public init(
        configuration: Configuration, player: any PacerOutput, recorder: any HistorySink, queries: HistoryQueries,
        events: EventHub, clock: EngineClock, logger: Logger
    ) {
        self.configuration = configuration
        self.player = player
        self.recorder = recorder
        self.queries = queries
        self.events = events
        self.clock = clock
        self.logger = logger
        defaults = PacerChoice(configuration.pacer)
        heart = HeartMonitor(challengeLevel: ChallengeLevel(rawValue: configuration.coherence.challengeLevel) ?? .one)
        sensor = SensorTracker(configuration: configuration.sensor)
        audio = AudioTracker(device: configuration.audio.device)
        // The audio thread tells its state changes; the tick that follows publishes AUDIO.
        player.onStatusChange { [tickWake] in tickWake.wake() }
    }

    /// Records what the start-up probe of the audio device found (nil: it opens).
    public func noteAudioProbe(_ problem: String?) {
        audio.probeProblem = problem
        _ = audio.update(player.status)
    }

    /// Debugging the watchdog (BREATHD_DEBUG_STALL=1 and SIGUSR2): the engine stops making
    /// progress, as a hung engine would, while the process lives on.
    public func stallForDebugging() {
        logger.warning("engine stalled on request (BREATHD_DEBUG_STALL)")
        while true { sleep(3600) }
    }

    // MARK: Service

    public func run() async throws {
        if configuration.pacer.rateFromResonance { await takeResonanceRate() }
        if configuration.session.autostart {
            let reply = await start(StartOptions(), origin: .autostart)
            logger.info("autostart", metadata: ["reply": "\(reply.messageClass)"])
        }
        // The tick loop ends on graceful shutdown (SIGTERM/SIGINT through the ServiceGroup).
        let wake = tickWake
        let clock = self.clock
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // Nothing is due while idle: no timer, only a state change of the engine or of
                // the player wakes the loop (and one tick follows it).
                let delay: Duration? = await self.state.isIdle ? nil : await self.nextTickDelay()
                await withTaskGroup(of: Void.self) { group in
                    if let delay { group.addTask { try? await clock.sleep(for: delay) } }
                    group.addTask { await wake.wait() }
                    _ = await group.next()
                    group.cancelAll()
                }
                if Task.isCancelled { break }
                await self.tick()
            }
        }
        await shutDown()
    }

    /// `pacer.rate = "resonance"`: the newest assessment's rate, or the configured number until
    /// one exists.
    func takeResonanceRate() async {
        do {
            if let found = try await queries.latestResonance() {
                defaults.useResonance(rateBreathsPerMinute: found.rateBreathsPerMinute, session: found.sessionID)
                logger.info(
                    "pacer rate from the resonance assessment",
                    metadata: ["rate": "\(found.rateBreathsPerMinute)", "session": "\(found.sessionID)"])
            } else {
                logger.notice(
                    "pacer.rate is \"resonance\" but no assessment in history has chosen a rate; pacing at the default until one does",
                    metadata: ["rate": "\(defaults.rateBreathsPerMinute)"])
            }
        } catch {
            logger.error("history unavailable: pacing at the default rate", metadata: ["error": "\(error)"])
        }
    }

    /// On shutdown: fade out, close the running session as stopped. The recorder flushes after us.
    private func shutDown() async {
        guard state.session != nil else { return }
        switch state {
        case .running, .paused: beginEnding(.stopped)
        default: break
        }
        while case .ending(_, _, let deadline) = state {
            if player.status.state == .idle || clock.now >= deadline { break }
            try? await clock.sleep(for: .milliseconds(20))
        }
        if case .ending(_, let reason, _) = state { await finish(reason) }
    }

    // MARK: Ticks

    func tick() async {
        progressCounter &+= 1
        let now = clock.now
        if let change = audio.update(player.status) { events.publish(.audio(change)) }
        switch state {
        case .idle, .paused:
            break
        case .running(var session) where session.assessment != nil:
            advanceAssessment(&session, now: now)
        case .running(var session):
            publishPhaseIfChanged(&session)
            state = .running(session)
            if session.elapsedSeconds(now: now) >= session.durationSeconds - configuration.pacer.fadeOutSeconds {
                beginEnding(.completed)
            }
        case .ending(var session, let reason, let deadline):
            if session.assessment == nil { publishPhaseIfChanged(&session) }
            state = .ending(session, reason: reason, deadline: deadline)
            await finishIfFaded(now: now)
        }
    }

    /// Closes an ending session once its tone has faded (or its deadline passed). The tick does it;
    /// so does a start that waited out the fade, which would otherwise find the session still
    /// ending and be refused whenever it woke before the next tick.
    func finishIfFaded(now: EngineClock.Instant) async {
        guard case .ending(let session, let reason, let deadline) = state else { return }
        // A completed session lasts its full duration even when the device swallowed the fade
        // faster than real time (or is missing).
        let durationReached = reason != .completed || session.elapsedSeconds(now: now) >= session.durationSeconds
        if durationReached && (player.status.state == .idle || now >= deadline) { await finish(reason) }
    }

    func nextTickDelay() -> Duration {
        switch state {
        case .idle, .paused:
            return Self.longestTick
        case .ending:
            return Self.shortTick
        case .running(let session) where session.assessment != nil:
            return Self.shortTick
        case .running(let session):
            // No PHASE told yet (a start, a resume): one is due now. The loop's wake-up at the
            // start ticks at once anyway; this keeps whoever times ticks by this from waiting
            // for the next boundary.
            guard session.lastPosition != nil, let position = pacerPosition(session) else { return Self.shortTick }
            let untilBoundarySeconds = (1 - position.progress) * position.phaseSeconds
            let untilFadeSeconds = session.durationSeconds - configuration.pacer.fadeOutSeconds - session.elapsedSeconds(now: clock.now)
            // Just past the instant, so the tick finds it passed even when the audio clock lags a little.
            let delay = Duration.seconds(max(0, min(untilBoundarySeconds, untilFadeSeconds))) + .milliseconds(2)
            return min(Self.longestTick, max(.milliseconds(5), delay))
        }
    }

    func publishPhaseIfChanged(_ session: inout ActiveSession) {
        guard let position = pacerPosition(session) else { return }
        guard position.phase != session.lastPosition?.phase || position.cycle != session.lastPosition?.cycle else {
            session.lastPosition = position
            return
        }
        session.lastPosition = position
        events.publish(.phase(PhaseEvent(phase: position.phase, cycle: Int(position.cycle), durationSeconds: position.phaseSeconds)))
    }

    /// Where the session's pacer is: from the samples heard while a device plays, else from the
    /// wall clock.
    func pacerPosition(_ session: ActiveSession) -> PacerClock.Position? {
        switch player.status.state {
        case .playing, .stopping: session.clock.position(player.phase)
        case .idle, .opening, .waitingForDevice: session.clock.wallPosition(clock.now)
        }
    }

    // MARK: Session lifecycle

    /// Starts the fade-out; the tick loop closes the session when the tone has faded.
    func beginEnding(_ reason: EndReason) {
        guard let session = state.session else { return }
        player.stop()
        let deadline = clock.now.advanced(by: .seconds(fadeOutDeadlineSeconds))
        state = .ending(session, reason: reason, deadline: deadline)
    }

    /// Writes the session to history and returns to idle.
    func finish(_ reason: EndReason) async {
        guard state.session != nil else { return }
        // The session's last beats are still held for the artifact classifier's look-ahead: decide
        // them now, with the end-of-series rules, so that the session keeps every beat it received.
        await finishHeldBeats()
        guard let session = state.session else { return }
        state = .idle
        let endedAt = clock.timestamp
        let summary = session.summary.summary
        // An assessment stopped early keeps the steps it finished, without a chosen rate.
        let assessment = session.assessment?.result
        do {
            try await recorder.finish(endedAt: endedAt, reason: reason, summary: summary, assessment: assessment)
        } catch {
            logger.error("could not write the session to history", metadata: ["session": "\(session.id)", "error": "\(error)"])
        }
        logger.info(
            "session finished",
            metadata: ["session": "\(session.id)", "reason": "\(reason.rawValue)", "beats": "\(summary.beats)"])
        let record = SessionRecord(
            id: session.id, startedAt: session.startedAt, endedAt: endedAt, endReason: reason,
            settings: session.settings, summary: summary, kind: session.assessment == nil ? .session : .assessment)
        events.publish(.sessionEvent(SessionEvent(event: .finished, session: record)))
    }

    /// Waits (without holding the actor) until the audio thread of an earlier playback has ended,
    /// so that starting a new one never blocks the engine on a join.
    func waitForAudioToFinish() async {
        let deadline = clock.now.advanced(by: .seconds(fadeOutDeadlineSeconds))
        while player.status.state != .idle && clock.now < deadline {
            try? await clock.sleep(for: .milliseconds(20))
        }
    }

    var outputConfiguration: OutputConfiguration {
        OutputConfiguration(
            device: configuration.audio.device, sampleRate: configuration.audio.sampleRateHz,
            bufferMicroseconds: configuration.audio.bufferMilliseconds * 1000,
            periodMicroseconds: configuration.audio.periodMilliseconds * 1000, monotonicClockRate: clock.rate)
    }

    var fades: FadeSettings {
        (try? FadeSettings(inSeconds: configuration.pacer.fadeInSeconds, outSeconds: configuration.pacer.fadeOutSeconds))
            ?? .standard
    }
}

/// A session in progress.
struct ActiveSession: Sendable {
    var id: Int64
    var startedAt: Timestamp
    var choice: PacerChoice
    var durationSeconds: Double
    var clock: PacerClock
    /// The summary so far, beat by beat: the beats themselves go to history as they come (an
    /// 8-hour session has ~30,000), never kept here.
    var summary = SessionSummaryAccumulator()
    var lastPosition: PacerClock.Position?
    /// Present when the session is a resonance assessment.
    var assessment: AssessmentRun?
    /// Live changes recorded with the breath they take effect at still ahead: a pause before
    /// then makes them take effect at the resume instead (`pause` dates them again).
    var changesAwaitingTheirBreath: [PacingChange] = []
    /// Running time before the current run (sessions pause).
    private var earlierRunning = Duration.zero
    private var runningSince: EngineClock.Instant?
    /// When the running pause began (nil while running).
    private var pausedSince: EngineClock.Instant?

    init(id: Int64, startedAt: Timestamp, choice: PacerChoice, durationSeconds: Double, clock: PacerClock, now: EngineClock.Instant) {
        self.id = id
        self.startedAt = startedAt
        self.choice = choice
        self.durationSeconds = durationSeconds
        self.clock = clock
        runningSince = now
    }

    var settings: SessionSettings {
        choice.sessionSettings(durationSeconds: durationSeconds)
    }

    /// Seconds of the session played so far (pauses excluded).
    func elapsedSeconds(now: EngineClock.Instant) -> Double {
        (earlierRunning + (runningSince.map { now - $0 } ?? .zero)).inSeconds
    }

    mutating func pause(at now: EngineClock.Instant) {
        if let since = runningSince { earlierRunning += now - since }
        runningSince = nil
        pausedSince = now
    }

    /// Returns the pause it ends (its session time and length), for history.
    mutating func resume(at now: EngineClock.Instant) -> SessionPause? {
        if runningSince == nil { runningSince = now }
        defer { pausedSince = nil }
        return pausedSince.map { SessionPause(offsetSeconds: earlierRunning.inSeconds, durationSeconds: (now - $0).inSeconds) }
    }
}
