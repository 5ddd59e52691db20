import Audio
import BreathProtocol
import Foundation
import HRV
import Pacer

/// The resonance-frequency assessment (`assess`): a session whose pacer steps through rates,
/// each announced by a chime and followed by a rest, and whose beats give each rate's figures.
extension SessionEngine {
    func assess(_ options: AssessOptions) async -> ServerMessage {
        guard !configuration.sensor.device.isEmpty else {
            return .error(
                "assess: no heart sensor is configured (sensor.device); an assessment measures how the heart follows each rate")
        }
        if case .ending = state {
            await waitForAudioToFinish()
            await finishIfFaded(now: clock.now)
        }
        guard case .idle = state else {
            return .error("assess: session \(state.session?.id ?? 0) is already running; stop it first")
        }
        var choice = defaults
        for rate in options.rates.reversed() {
            choice.setRate(rate, source: .assessment)
            do {
                _ = try choice.settings()
            } catch {
                return .error("assess: at \(formatRate(rate)) breaths per minute: \(error)")
            }
        }
        let plannedSeconds = options.plannedSeconds + Double(options.rates.count) * AssessmentRun.announceSeconds
        let startedAt = clock.timestamp
        let record = choice.sessionSettings(durationSeconds: plannedSeconds)
        let id: Int64
        switch await beginRecording(startedAt: startedAt, settings: record, kind: .assessment, command: "assess") {
        case .success(let recorded): id = recorded
        case .failure(let refusal): return refusal.reply
        }
        let now = clock.now
        let pattern = (try? choice.settings().pattern) ?? .standard
        var session = ActiveSession(
            id: id, startedAt: startedAt, choice: choice, durationSeconds: plannedSeconds,
            clock: PacerClock(pattern: pattern, sampleRate: configuration.audio.sampleRateHz, now: now), now: now)
        session.assessment = AssessmentRun(options: options, now: now)
        playChime(choice)
        state = .running(session)
        logger.info(
            "assessment started",
            metadata: [
                "session": "\(id)", "rates": "\(options.rates.map(formatRate).joined(separator: ","))",
                "minutesPerRate": "\(options.minutesPerRate)", "restSeconds": "\(options.restSeconds)",
            ])
        events.publish(.sessionEvent(SessionEvent(event: .started, session: self.record(of: session), startedBy: .client)))
        publishAssessment(session, now: now)
        let minutes = Int((plannedSeconds / 60).rounded(.up))
        return .ok(OKReply(
            message: "assessment \(id) started: \(options.rates.count) rates, \(formatRate(options.minutesPerRate)) min each, about \(minutes) min in all",
            session: id))
    }

    /// One tick of a running assessment: moves to the next stage when this one is over and the
    /// audio of the last one has ended (a new playback must never wait on the audio thread).
    func advanceAssessment(_ session: inout ActiveSession, now: EngineClock.Instant) {
        guard var run = session.assessment else { return }
        if run.stage == .pacing { publishPhaseIfChanged(&session) }
        var entered = false
        if run.isStageOver(now: now) {
            // The chime has had its time; without a device its playback would wait for one forever.
            if run.stage == .announcing && player.status.state != .idle { player.stop() }
            switch run.stage {
            case .announcing where player.status.state == .idle:
                run.beginPacing(at: now)
                session.choice.setRate(run.rateBreathsPerMinute, source: .assessment)
                startPacer(&session, now: now)
                entered = true
            case .pacing:
                session.clock.pause(at: pacerPosition(session))
                session.lastPosition = nil
                player.stop()
                run.endPacing(at: now, inhaleShare: session.choice.ratio.inhaleShare)
                entered = true
            case .resting where player.status.state == .idle:
                run.beginNextStep(at: now)
                playChime(session.choice)
                entered = true
            case .announcing, .resting, .finished:
                break
            }
        }
        session.assessment = run
        state = .running(session)
        guard entered else { return }
        publishAssessment(session, now: now)
        if run.stage == .finished { concludeAssessment(&session, now: now) }
    }

    /// The beat's share of the step being paced.
    /// `lagSeconds`: how long ago the decided beat arrived (the artifact classifier's look-ahead).
    func addToAssessment(_ update: BeatUpdate, lagSeconds: Double, now: EngineClock.Instant) {
        guard case .running(var session) = state, var run = session.assessment, run.stage == .pacing else { return }
        let pacerSeconds: Double
        switch player.status.state {
        case .playing, .stopping: pacerSeconds = Double(player.samplesPlayed) / Double(configuration.audio.sampleRateHz)
        case .idle, .opening, .waitingForDevice: pacerSeconds = (now - run.stageStarted).inSeconds
        }
        run.add(update, pacerSeconds: pacerSeconds - lagSeconds)
        session.assessment = run
        state = .running(session)
    }

    /// Whether the pacer paces now: always in a session, only the paced part of each assessment step.
    func isPacing(_ session: ActiveSession) -> Bool {
        session.assessment.map { $0.stage == .pacing } ?? true
    }

    private func concludeAssessment(_ session: inout ActiveSession, now: EngineClock.Instant) {
        guard let result = session.assessment?.result else { return }
        logger.info(
            "assessment finished",
            metadata: ["session": "\(session.id)", "resonanceRate": "\(result.resonanceRateBPM.map(formatRate) ?? "none")"])
        if configuration.pacer.rateFromResonance, let rate = result.resonanceRateBPM, defaults.rateSource != .set {
            defaults.useResonance(rateBreathsPerMinute: rate, session: session.id)
        }
        // The session lasted as long as it did (audio waits stretch it); it completes now.
        session.durationSeconds = session.elapsedSeconds(now: now)
        state = .running(session)
        beginEnding(.completed)
    }

    private func startPacer(_ session: inout ActiveSession, now: EngineClock.Instant) {
        do {
            let settings = try session.choice.settings()
            session.clock.restartWallClock(pattern: settings.pattern, at: now)
            try player.start(PlaybackSession(output: outputConfiguration, settings: settings, fades: fades))
        } catch {
            // The step still runs on the wall clock; the beats measure what they measure.
            logger.error("assessment: the pacer could not start", metadata: ["session": "\(session.id)", "error": "\(error)"])
        }
    }

    /// The announcement: one bowl chime at the step's rate, whatever the session's voice.
    private func playChime(_ choice: PacerChoice) {
        do {
            let pattern = try choice.settings().pattern
            let tone = try ToneSettings(voice: .bowl, volume: choice.volume > 0 ? choice.volume : ToneSettings.defaultVolume)
            try player.start(
                PlaybackSession(
                    output: outputConfiguration, settings: PacerSettings(pattern: pattern, tone: tone),
                    fades: try FadeSettings(inSeconds: 0.05, outSeconds: AssessmentRun.chimeSeconds / 2),
                    durationSeconds: AssessmentRun.chimeSeconds))
        } catch {
            logger.warning("assessment: the announcement chime could not play", metadata: ["error": "\(error)"])
        }
    }

    private func publishAssessment(_ session: ActiveSession, now: EngineClock.Instant) {
        guard let run = session.assessment else { return }
        events.publish(.assess(run.progress(session: session.id, now: now)))
    }
}

private func formatRate(_ rate: Double) -> String {
    rate == rate.rounded() ? String(Int(rate)) : String(rate)
}
