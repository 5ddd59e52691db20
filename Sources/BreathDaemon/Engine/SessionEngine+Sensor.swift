import BreathProtocol
import HRV
import Pacer
import Sensor

extension SessionEngine {
    /// One event from the sensor stream: beats go through the heart monitor to watchers and, in a
    /// session, to history.
    public func handle(_ event: SensorStreamEvent) async {
        progressCounter &+= 1
        guard case .beat(let beat) = event else {
            // The stream has ended: the beats held for the classifier's look-ahead are decided now.
            if case .disconnected = event { await finishHeldBeats() }
            if let change = sensor.apply(event) { events.publish(.sensor(change)) }
            return
        }
        await addBeat(rrMilliseconds: beat.rrMilliseconds, isLowPrecision: beat.isLowPrecision)
    }

    /// Also the entry point for beats that do not come from a serial device (tests, replay).
    public func addBeat(rrMilliseconds: Double, isLowPrecision: Bool = false) async {
        let now = clock.now
        guard let decided = heart.add(rrMilliseconds: rrMilliseconds, arrival: arrival(at: now)) else {
            sensor.countRejected()
            return
        }
        // The sensor delivered a beat: counted now; whether it is an artifact, once decided.
        if let change = sensor.countBeat(isLowPrecision: isLowPrecision, at: now) { events.publish(.sensor(change)) }
        // A beat held for the classifier's look-ahead: nothing is known about it yet, so nothing is said.
        guard let decided else { return }
        await report(decided, now: now)
    }

    /// Decides and reports the beats still held for the look-ahead (end of a sensor's stream).
    func finishHeldBeats() async {
        let now = clock.now
        for decided in heart.finish() { await report(decided, now: now) }
    }

    /// A decided beat to watchers, the assessment and, in a session, history.
    private func report(_ decided: HeartMonitor.DecidedBeat, now: EngineClock.Instant) async {
        let update = decided.update
        if !update.isNN { sensor.countArtifact() }
        updateSynchrony(latestBeatSeconds: heart.receivedSeconds, now: now)
        addToAssessment(update, lagSeconds: (now - decided.arrival.instant).inSeconds, now: now)
        events.publish(.beat(BeatEvent(beat: update.beatIndex, timeSeconds: update.timeSeconds, rrMilliseconds: update.rrMilliseconds, isNN: update.isNN)))
        let snapshot = heart.snapshot
        if update.window != nil { events.publish(.metrics(MetricsEvent(beat: update.beatIndex, hrv: snapshot))) }
        if let levelChange = decided.levelChange {
            events.publish(.level(LevelEvent(
                level: CoherenceLevelName(levelChange.level), previous: levelChange.previous.map(CoherenceLevelName.init),
                coherenceScore: levelChange.score)))
        }
        // State is updated before this await, so a request served meanwhile sees the beat.
        if let record = recordInSession(update.rrMilliseconds, isNN: update.isNN, snapshot: snapshot, arrival: decided.arrival) {
            await recorder.record(record)
        }
    }

    /// Synchrony needs the pacer: measured while a session paces, cleared otherwise.
    private func updateSynchrony(latestBeatSeconds: Double, now: EngineClock.Instant) {
        guard case .running(let session) = state, isPacing(session),
            let breath = pacerBreath(session, latestBeatSeconds: latestBeatSeconds, now: now)
        else {
            heart.clearSynchrony()
            return
        }
        heart.measureSynchrony(pacerFrequencyHz: breath.frequencyHz, breathPhase: breath.phase)
    }

    /// The pacer's breath as the listener met it, as a function of beat time: the beat just
    /// received is "now", and a beat `d` seconds earlier met the pacer `d` seconds of samples
    /// earlier. Its frequency is the rate heard now: a live change counts from the breath it took
    /// effect at, not from when it was asked (up to a breath earlier).
    private func pacerBreath(_ session: ActiveSession, latestBeatSeconds: Double, now: EngineClock.Instant)
        -> (frequencyHz: Double, phase: (Double) -> HRV.BreathCyclePosition)?
    {
        let sampleRate = Double(configuration.audio.sampleRateHz)
        let schedules: SchedulesInForce
        let nowSample: Int64
        switch player.status.state {
        case .playing, .stopping:
            guard let current = player.schedulesInForce else { return nil }
            schedules = current
            nowSample = player.samplesPlayed
        case .idle, .opening, .waitingForDevice:
            (schedules, nowSample) = session.clock.wallClock(now)
        }
        return (schedules.frequencyHz(at: nowSample), { time in
            let heard = nowSample - Int64(((latestBeatSeconds - time) * sampleRate).rounded())
            let schedule = schedules.schedule(at: heard)
            let sample = max(schedule.originSample, heard)
            let position = schedule.position(at: sample)
            return HRV.BreathCyclePosition(
                cycle: Int(position.cycle), fraction: Double(sample - position.cycleStart) / Double(position.cycleLength))
        })
    }

    /// Beats belong to the session while its tone plays (fade-out included), not while paused:
    /// by when they arrive, since each is decided a few beats later.
    private func arrival(at now: EngineClock.Instant) -> HeartMonitor.BeatArrival {
        switch state {
        case .running(let session), .ending(let session, _, _):
            return HeartMonitor.BeatArrival(instant: now, session: (session.id, session.elapsedSeconds(now: now)))
        case .idle, .paused:
            return HeartMonitor.BeatArrival(instant: now, session: nil)
        }
    }

    /// Adds a decided beat to the session it arrived in (still open); returns it for history, or nil.
    private func recordInSession(_ rr: Double, isNN: Bool, snapshot: HRVSnapshot, arrival: HeartMonitor.BeatArrival) -> BeatRecord? {
        guard let owner = arrival.session else { return nil }
        let record = beatRecord(rr, isNN: isNN, snapshot: snapshot, offset: owner.offsetSeconds)
        switch state {
        case .running(var session) where session.id == owner.id:
            session.summary.add(record)
            state = .running(session)
        case .paused(var session) where session.id == owner.id:
            session.summary.add(record)
            state = .paused(session)
        case .ending(var session, let reason, let deadline) where session.id == owner.id:
            session.summary.add(record)
            state = .ending(session, reason: reason, deadline: deadline)
        default:
            return nil
        }
        return record
    }

    private func beatRecord(_ rr: Double, isNN: Bool, snapshot: HRVSnapshot, offset: Double) -> BeatRecord {
        BeatRecord(
            offsetSeconds: offset, rrMilliseconds: rr, isNN: isNN, meanHeartRateBPM: snapshot.meanHeartRateBPM,
            rmssdMilliseconds: snapshot.rmssdMilliseconds, sdnnMilliseconds: snapshot.sdnnMilliseconds,
            coherenceScore: snapshot.coherenceScore, coherenceLevel: snapshot.coherenceLevel, synchrony: snapshot.synchrony,
            synchronyPhaseDegrees: snapshot.synchronyPhaseDegrees)
    }
}
