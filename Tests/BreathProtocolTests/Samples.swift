import BreathProtocol

/// One fully populated value of every server message, for round trips.
enum Samples {
    /// Figures at the protocol's precision (FigureRounding.Decimals), so they come back equal.
    static let hrv = HRVSnapshot(
        meanHeartRateBPM: 59.4, rmssdMilliseconds: 41.2, sdnnMilliseconds: 57.2, pnn50Percent: 27,
        coherenceRatio: 1.35, coherenceScore: 1.35, coherenceLevel: .medium, peakFrequencyHz: 0.0938,
        warmUpSecondsLeft: 0, artifactPercent: 1.5)

    static let settings = SessionSettings(
        durationSeconds: 600, rateBreathsPerMinute: 5.5, ratio: BreathRatio(inhale: 4, exhale: 6), voice: .glide,
        volume: 0.5)

    static let summary = SessionSummary(
        meanHeartRateBPM: 61.2, rmssdMilliseconds: 48.5, sdnnMilliseconds: 62.0, meanCoherenceScore: 3.1,
        secondsInLevel: LevelSeconds(low: 120.5, medium: 200, high: 279.5), beats: 612, artifacts: 4,
        meanSynchrony: 0.86, followingShare: 0.92)

    static let finishedSession = SessionRecord(
        id: 12, startedAt: Timestamp(unixMilliseconds: 1_795_420_800_000),
        endedAt: Timestamp(unixMilliseconds: 1_795_421_400_250), endReason: .completed, settings: settings,
        summary: summary)

    static let openSession = SessionRecord(
        id: 13, startedAt: Timestamp(unixMilliseconds: 1_795_430_000_000), settings: settings)

    static let beat = BeatRecord(
        offsetSeconds: 64.693, rrMilliseconds: 1079, isNN: true, meanHeartRateBPM: 59.4, rmssdMilliseconds: 41.2,
        sdnnMilliseconds: 57.2, coherenceScore: 1.35, coherenceLevel: .medium, synchrony: 0.91,
        synchronyPhaseDegrees: 15)

    static let status = StatusReply(
        state: .running, session: SessionProgress(id: 13, elapsedSeconds: 125.5, remainingSeconds: 474.5),
        pacer: PacerStatus(
            rateBreathsPerMinute: 5.5, ratio: .even, voice: .bowl, volume: 0.4, phase: .exhale, progress: 0.25,
            cycle: 11),
        audio: AudioStatus(device: "default", state: .playing, xruns: 1, lastError: "underrun at 12:00", scheduling: "SCHED_FIFO priority 4 via direct"),
        sensor: SensorStatus(
            device: "/dev/ttyUSB0", format: "rr", state: .streaming, beats: 1520, artifacts: 3, rejectedLines: 2,
            secondsSinceLastBeat: 0.4),
        hrv: hrv, eventLoop: EventLoopStatus(scheduling: "SCHED_OTHER", demotions: 1, sensorReaderDemotions: 0))

    static let allMessages: [ServerMessage] = [
        .version(VersionMessage(release: "0.1.0")),
        .status(status),
        .status(
            StatusReply(
                state: .idle, session: nil,
                pacer: PacerStatus(
                    rateBreathsPerMinute: 5.5, ratio: .even, voice: .off, volume: 0, phase: .inhale, progress: 0,
                    cycle: 0),
                audio: AudioStatus(device: "default", state: .unavailable, xruns: 0),
                sensor: SensorStatus(
                    device: "", format: "auto", state: .none, beats: 0, artifacts: 0, rejectedLines: 0,
                    secondsSinceLastBeat: nil),
                hrv: HRVSnapshot(warmUpSecondsLeft: 64, artifactPercent: 0))),
        .history(HistoryReply(sessions: [openSession, finishedSession])),
        .session(SessionReply(session: finishedSession, beats: [beat, BeatRecord(offsetSeconds: 1, rrMilliseconds: 812.5, isNN: false)])),
        .ok(OKReply()),
        .ok(OKReply(message: "session started", session: 13)),
        .error("unknown cmd \"x\""),
        .beat(BeatEvent(beat: 64, timeSeconds: 65.726, rrMilliseconds: 1033, isNN: true)),
        .metrics(MetricsEvent(beat: 64, hrv: hrv)),
        .phase(PhaseEvent(phase: .holdIn, cycle: 3, durationSeconds: 1.5)),
        .sessionEvent(SessionEvent(event: .started, session: openSession)),
        .sessionEvent(SessionEvent(event: .finished, session: finishedSession)),
        .sensor(SensorEvent(state: .lost, device: "/dev/ttyUSB0", format: "rr", message: "device unplugged")),
        .audio(AudioEvent(state: .recovering, device: "default", xruns: 2, message: "xrun")),
        .level(LevelEvent(level: .high, previous: .medium, coherenceScore: 4.2)),
        .assess(AssessmentProgress(session: 14, stage: .pacing, step: 2, steps: 5, rateBreathsPerMinute: 6, stageRemainingSeconds: 71.5)),
        .assess(
            AssessmentProgress(
                session: 14, stage: .finished, step: 3, steps: 3, rateBreathsPerMinute: 5, stageRemainingSeconds: 0,
                result: AssessmentResult(
                    steps: [
                        AssessmentStep(
                            rateBreathsPerMinute: 6, peakToTroughBPM: 8.5, breathCycles: 9, lfPowerAtPacerMs2: 1200,
                            meanCoherenceScore: 2.5, synchrony: 0.9, phaseDegrees: 40),
                        AssessmentStep(
                            rateBreathsPerMinute: 5, peakToTroughBPM: nil, breathCycles: 0, lfPowerAtPacerMs2: nil,
                            meanCoherenceScore: nil, synchrony: nil, phaseDegrees: nil),
                    ],
                    resonanceRateBPM: 6, minutesPerRate: 2, restSeconds: 30))),
    ]

    static let allRequests: [Request] = [
        .status, .watch, .stop, .pause, .resume, .assess(AssessOptions()),
        .assess(AssessOptions(rates: [6, 5.5, 4.5], minutesPerRate: 1.5, restSeconds: 0)),
        .set(.resonanceRate),
        .start(StartOptions()),
        .start(
            StartOptions(
                minutes: 2.5, rateBreathsPerMinute: 6, ratio: BreathRatio(inhale: 4, exhale: 6), voice: .noise,
                volume: 0.3)),
        .set(.rate(6.5)), .set(.volume(0.2)), .set(.voice(.bowl)), .set(.ratio(BreathRatio(inhale: 2, exhale: 3))),
        .history(limit: nil), .history(limit: 20),
        .session(.last), .session(.id(42)),
    ]
}
