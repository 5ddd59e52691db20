import Audio
import BreathProtocol
import Foundation
import Pacer

extension SessionEngine {
    public func reply(to request: Request, from peer: PeerCredentials) async -> ServerMessage {
        switch request {
        case .status: return .status(status())
        case .start(let options): return await start(options, origin: options.interactive == true ? .terminal : .client)
        case .stop: return stop()
        case .pause: return await pause()
        case .resume: return await resume()
        case .set(.resonanceRate): return await setResonanceRate()
        case .set(let setting): return await set(setting)
        case .history, .session:
            return await queries.reply(to: request) ?? .error("\(request.command.rawValue) is not a history request")
        case .assess(let options): return await assess(options)
        case .watch: return .error("watch is served by the socket server")
        }
    }

    func start(_ options: StartOptions, origin: SessionOrigin) async -> ServerMessage {
        if case .ending = state {
            await waitForAudioToFinish()
            await finishIfFaded(now: clock.now)
        }
        guard case .idle = state else {
            return .error("start: session \(state.session?.id ?? 0) is already running; stop it first")
        }
        var choice = defaults
        choice.apply(options)
        let settings: PacerSettings
        do {
            settings = try choice.settings()
        } catch {
            return .error("start: \(error)")
        }
        let durationSeconds = (options.minutes ?? configuration.session.durationMinutes) * 60
        let startedAt = clock.timestamp
        let record = choice.sessionSettings(durationSeconds: durationSeconds)
        let id: Int64
        switch await beginRecording(startedAt: startedAt, settings: record, kind: .session, command: "start") {
        case .success(let recorded): id = recorded
        case .failure(let refusal): return refusal.reply
        }
        do {
            try player.start(PlaybackSession(output: outputConfiguration, settings: settings, fades: fades))
        } catch {
            await closeUnplayed(id: id)
            return .error("start: audio: \(error)")
        }
        let session = ActiveSession(
            id: id, startedAt: startedAt, choice: choice, durationSeconds: durationSeconds,
            clock: PacerClock(pattern: settings.pattern, sampleRate: configuration.audio.sampleRateHz, now: clock.now), now: clock.now)
        state = .running(session)
        logger.info("session started", metadata: ["session": "\(id)", "minutes": "\(durationSeconds / 60)", "rate": "\(choice.rateBreathsPerMinute)"])
        events.publish(.sessionEvent(SessionEvent(
            event: .started, session: SessionRecord(id: id, startedAt: startedAt, settings: record), startedBy: origin)))
        return .ok(OKReply(message: "session \(id) started", session: id))
    }

    struct Refusal: Error {
        var reply: ServerMessage
    }

    /// Opens the session in history once the last playback's audio has ended; refused when
    /// history fails or another client started a session meanwhile.
    func beginRecording(
        startedAt: Timestamp, settings: SessionSettings, kind: SessionKind, command: String
    ) async -> Result<Int64, Refusal> {
        await waitForAudioToFinish()
        let id: Int64
        do {
            id = try await recorder.begin(startedAt: startedAt, settings: settings, kind: kind)
        } catch {
            return .failure(Refusal(reply: .error("\(command): history is unavailable: \(error)")))
        }
        // Another client may have started a session while history was written.
        guard case .idle = state else {
            await closeUnplayed(id: id)
            return .failure(Refusal(reply: .error("\(command): session \(state.session?.id ?? 0) is already running; stop it first")))
        }
        return .success(id)
    }

    /// A session begun in history that never played: closed at once as stopped.
    private func closeUnplayed(id: Int64) async {
        try? await recorder.finish(endedAt: clock.timestamp, reason: .stopped, summary: SessionSummary(), assessment: nil)
    }

    func stop() -> ServerMessage {
        switch state {
        case .idle: return .error("stop: no session is running")
        case .ending(let session, _, _): return .ok(OKReply(message: "session \(session.id) is already ending", session: session.id))
        case .running(let session), .paused(let session):
            beginEnding(.stopped)
            return .ok(OKReply(message: "session \(session.id) stopping", session: session.id))
        }
    }

    func pause() async -> ServerMessage {
        guard case .running(var session) = state else {
            return .error("pause: \(state.session == nil ? "no session is running" : "the session is not playing")")
        }
        guard session.assessment == nil else {
            return .error("pause: an assessment cannot pause (each rate is timed); stop it and assess again later")
        }
        let now = clock.now
        // A change still waiting for its breath takes effect with the breath the resume starts:
        // dated again, at this session time (history replaces the row of the same request).
        let pausedAt = session.elapsedSeconds(now: now)
        let redated = session.changesAwaitingTheirBreath.filter { $0.offsetSeconds > pausedAt }.map {
            var change = $0
            change.offsetSeconds = pausedAt
            return change
        }
        session.changesAwaitingTheirBreath = []
        session.pause(at: now)
        session.clock.pause(at: pacerPosition(session))
        session.lastPosition = nil
        player.stop()
        state = .paused(session)
        events.publish(.sessionEvent(SessionEvent(event: .paused, session: record(of: session))))
        for change in redated { await recorder.record(change) }
        return .ok(OKReply(message: "session \(session.id) paused", session: session.id))
    }

    func resume() async -> ServerMessage {
        guard case .paused = state else {
            return .error("resume: \(state.session == nil ? "no session is running" : "the session is not paused")")
        }
        await waitForAudioToFinish()
        guard case .paused(var session) = state else { return .error("resume: the session ended meanwhile") }
        do {
            let settings = try session.choice.settings()
            try player.start(PlaybackSession(output: outputConfiguration, settings: settings, fades: fades))
            session.clock.restartWallClock(pattern: settings.pattern, at: clock.now)
        } catch {
            return .error("resume: \(error)")
        }
        let pause = session.resume(at: clock.now)
        state = .running(session)
        events.publish(.sessionEvent(SessionEvent(event: .resumed, session: record(of: session))))
        if let pause { await recorder.record(pause) }
        return .ok(OKReply(message: "session \(session.id) resumed", session: session.id))
    }

    /// `set rate resonance`: the rate of the newest assessment in history.
    func setResonanceRate() async -> ServerMessage {
        let found: (rateBreathsPerMinute: Double, sessionID: Int64)?
        do {
            found = try await queries.latestResonance()
        } catch {
            return .error("set: rate resonance: history is unavailable: \(error)")
        }
        guard let found else {
            return .error("set: rate resonance: no assessment in history has chosen a rate yet; run `breathctl assess` first")
        }
        // `set` reads the state afresh: it may have changed during the query.
        return await set(.rate(found.rateBreathsPerMinute), resonanceSession: found.sessionID)
    }

    /// `resonanceSession`: the rate is that assessment's choice.
    func set(_ setting: Setting, resonanceSession: Int64? = nil) async -> ServerMessage {
        func apply(_ choice: inout PacerChoice) {
            choice.apply(setting)
            if let resonanceSession { choice.useResonance(rateBreathsPerMinute: choice.rateBreathsPerMinute, session: resonanceSession) }
        }
        if let session = state.session, session.assessment != nil, setting.key == .rate || setting.key == .ratio {
            return .error("set: \(setting.key.rawValue): assessment \(session.id) paces its own rates; stop it first")
        }
        switch state {
        case .idle:
            var choice = defaults
            apply(&choice)
            do {
                _ = try choice.settings()
            } catch {
                return .error("set: \(error)")
            }
            defaults = choice
            let source = resonanceSession.map { " (the resonance rate of assessment \($0))" } ?? ""
            return .ok(OKReply(message: "\(setting.key.rawValue) set for the next session\(source)"))
        case .running(var session), .paused(var session):
            var choice = session.choice
            apply(&choice)
            let settings: PacerSettings
            do {
                settings = try choice.settings()
            } catch {
                return .error("set: \(error)")
            }
            var change = pacingChange(from: session.choice, to: choice, setting: setting.key, session: session)
            session.choice = choice
            if case .running = state, !isPacing(session) {
                // Between an assessment's paced parts: the next step plays it.
                state = .running(session)
            } else if case .running = state {
                // The renderer applies it at the next cycle boundary; the player's phase follows.
                player.change(to: settings)
                let delaySeconds = session.clock.changeWallClock(to: settings.pattern, at: clock.now)
                // History keeps when the change takes effect (the breath it starts), as the report draws it.
                if var awaiting = change {
                    awaiting.offsetSeconds += delaySeconds
                    change = awaiting
                    let now = session.elapsedSeconds(now: clock.now)
                    session.changesAwaitingTheirBreath.removeAll { $0.offsetSeconds <= now }
                    session.changesAwaitingTheirBreath.append(awaiting)
                }
                state = .running(session)
            } else {
                // Paused: the resume starts a new breath with it, at this same session time.
                state = .paused(session)
            }
            // State is updated before this await, as for beats; history commits the change at once.
            if let change { await recorder.record(change) }
            return .ok(OKReply(message: "\(setting.key.rawValue) changed from the next breath", session: session.id))
        case .ending(let session, _, _):
            return .error("set: session \(session.id) is ending")
        }
    }

    /// What history keeps of a live `set`: a change of the breath or its voice (not of the volume),
    /// when it changes anything.
    private func pacingChange(from old: PacerChoice, to new: PacerChoice, setting: Setting.Key, session: ActiveSession) -> PacingChange? {
        guard setting != .volume,
            old.rateBreathsPerMinute != new.rateBreathsPerMinute || old.ratio != new.ratio || old.voice != new.voice
        else { return nil }
        return PacingChange(
            offsetSeconds: session.elapsedSeconds(now: clock.now), at: clock.timestamp, setting: setting,
            rateBreathsPerMinute: new.rateBreathsPerMinute, ratio: new.ratio, voice: new.voice)
    }

    func record(of session: ActiveSession) -> SessionRecord {
        SessionRecord(
            id: session.id, startedAt: session.startedAt, settings: session.settings,
            kind: session.assessment == nil ? .session : .assessment)
    }

    func status() -> StatusReply {
        let now = clock.now
        let daemonState: DaemonState
        switch state {
        case .idle: daemonState = .idle
        case .running(let session): daemonState = session.assessment == nil ? .running : .assessing
        case .paused: daemonState = .paused
        case .ending: daemonState = .stopping
        }
        let choice = state.session?.choice ?? defaults
        var pacer = PacerStatus(
            rateBreathsPerMinute: choice.rateBreathsPerMinute, ratio: choice.ratio, voice: choice.voice,
            volume: choice.volume, phase: .inhale, progress: 0, cycle: 0, rateSource: choice.rateSource,
            resonanceSession: choice.resonanceSession)
        var progress: SessionProgress?
        var assessment: AssessmentProgress?
        if let session = state.session {
            if case .paused = state {
                pacer.cycle = Int(session.clock.earlierCycles)
            } else if !isPacing(session) {
                pacer.cycle = Int(session.clock.earlierCycles)
            } else if let position = pacerPosition(session) {
                pacer.phase = position.phase
                pacer.progress = position.progress
                pacer.cycle = Int(position.cycle)
            }
            let elapsed = session.elapsedSeconds(now: now)
            let remaining = session.assessment.map { $0.remainingSeconds(now: now) } ?? max(0, session.durationSeconds - elapsed)
            progress = SessionProgress(id: session.id, elapsedSeconds: elapsed, remainingSeconds: remaining)
            assessment = session.assessment?.progress(session: session.id, now: now)
        }
        return StatusReply(
            state: daemonState, session: progress, pacer: pacer, audio: audio.status(player.status),
            sensor: sensor.status(now: now), hrv: heart.snapshot, assessment: assessment, history: queries.status,
            eventLoop: LoopRealtimeWatch.status)
    }
}
