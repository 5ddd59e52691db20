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
            if let change = sensor.apply(event) { events.publish(.sensor(change)) }
            return
        }
        await addBeat(rrMilliseconds: beat.rrMilliseconds)
    }

    /// Also the entry point for beats that do not come from a serial device (tests, replay).
    public func addBeat(rrMilliseconds: Double) async {
        let now = clock.now
        guard let (update, levelChange) = heart.add(rrMilliseconds: rrMilliseconds) else {
            sensor.countRejected()
            return
        }
        if let change = sensor.countBeat(isNN: update.isNN, at: now) { events.publish(.sensor(change)) }
        updateSynchrony(latestBeatSeconds: update.timeSeconds, now: now)
        addToAssessment(update, now: now)
        events.publish(.beat(BeatEvent(beat: update.beatIndex, timeSeconds: update.timeSeconds, rrMilliseconds: update.rrMilliseconds, isNN: update.isNN)))
        let snapshot = heart.snapshot
        if update.window != nil { events.publish(.metrics(MetricsEvent(beat: update.beatIndex, hrv: snapshot))) }
        if let levelChange {
            events.publish(.level(LevelEvent(
                level: CoherenceLevelName(levelChange.level), previous: levelChange.previous.map(CoherenceLevelName.init),
                coherenceScore: levelChange.score)))
        }
        // State is updated before this await, so a request served meanwhile sees the beat.
        if let record = recordInSession(update.rrMilliseconds, isNN: update.isNN, snapshot: snapshot, now: now) {
            await recorder.record(record)
        }
    }

    /// Synchrony needs the pacer: measured while a session paces, cleared otherwise.
    private func updateSynchrony(latestBeatSeconds: Double, now: EngineClock.Instant) {
        guard case .running(let session) = state, isPacing(session),
            let breath = breathPhase(session, latestBeatSeconds: latestBeatSeconds, now: now)
        else {
            heart.clearSynchrony()
            return
        }
        heart.measureSynchrony(pacerFrequencyHz: session.choice.rateBreathsPerMinute / 60, breathPhase: breath)
    }

    /// The pacer's breath as a function of beat time: the beat just received is "now", and a beat
    /// `d` seconds earlier met the pacer `d` seconds of samples earlier, on the schedule now in force.
    private func breathPhase(_ session: ActiveSession, latestBeatSeconds: Double, now: EngineClock.Instant) -> ((Double) -> HRV.BreathCyclePosition)? {
        let sampleRate = Double(configuration.audio.sampleRateHz)
        let schedule: PacerSchedule
        let nowSample: Int64
        switch player.status.state {
        case .playing, .stopping:
            guard let current = player.schedule else { return nil }
            schedule = current
            nowSample = player.samplesPlayed
        case .idle, .opening, .waitingForDevice:
            (schedule, nowSample) = session.clock.wallClock(now)
        }
        return { time in
            let sample = max(schedule.originSample, nowSample - Int64(((latestBeatSeconds - time) * sampleRate).rounded()))
            let position = schedule.position(at: sample)
            return HRV.BreathCyclePosition(
                cycle: Int(position.cycle), fraction: Double(sample - position.cycleStart) / Double(position.cycleLength))
        }
    }

    /// Beats belong to the session while its tone plays (fade-out included), not while paused.
    /// Adds the beat to the session's own list; returns it for history, or nil outside a session.
    private func recordInSession(_ rr: Double, isNN: Bool, snapshot: HRVSnapshot, now: EngineClock.Instant) -> BeatRecord? {
        switch state {
        case .running(var session):
            let record = beatRecord(rr, isNN: isNN, snapshot: snapshot, offset: session.elapsedSeconds(now: now))
            session.beats.append(record)
            state = .running(session)
            return record
        case .ending(var session, let reason, let deadline):
            let record = beatRecord(rr, isNN: isNN, snapshot: snapshot, offset: session.elapsedSeconds(now: now))
            session.beats.append(record)
            state = .ending(session, reason: reason, deadline: deadline)
            return record
        case .idle, .paused:
            return nil
        }
    }

    private func beatRecord(_ rr: Double, isNN: Bool, snapshot: HRVSnapshot, offset: Double) -> BeatRecord {
        BeatRecord(
            offsetSeconds: offset, rrMilliseconds: rr, isNN: isNN, meanHeartRateBPM: snapshot.meanHeartRateBPM,
            rmssdMilliseconds: snapshot.rmssdMilliseconds, sdnnMilliseconds: snapshot.sdnnMilliseconds,
            coherenceScore: snapshot.coherenceScore, coherenceLevel: snapshot.coherenceLevel, synchrony: snapshot.synchrony,
            synchronyPhaseDegrees: snapshot.synchronyPhaseDegrees)
    }
}
