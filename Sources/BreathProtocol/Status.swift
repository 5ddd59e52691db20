import Pacer

/// What the daemon is doing.
public enum DaemonState: String, Sendable, Codable, CaseIterable {
    case idle, running, paused
    /// Fading out before a session ends.
    case stopping
    /// A resonance-frequency assessment runs (`assess`).
    case assessing
}

/// The pacer's phase: `Pacer`'s type, so that a phase crosses the wire without conversion.
public typealias BreathPhase = Pacer.BreathPhase

public enum AudioState: String, Sendable, Codable, CaseIterable {
    case idle, playing
    /// Recovering from an xrun, a suspend or an unplugged device.
    case recovering
    case unavailable
}

public enum SensorState: String, Sendable, Codable, CaseIterable {
    /// No sensor configured.
    case none
    case connecting
    /// Bytes arrive but no beat has been recognised yet.
    case detecting
    case streaming
    /// The device disappeared or beats stopped; the daemon keeps reconnecting.
    case lost
}

/// The reply to `status`.
public struct StatusReply: Sendable, Equatable, Codable {
    public var state: DaemonState
    /// Absent when no session runs.
    public var session: SessionProgress?
    public var pacer: PacerStatus
    public var audio: AudioStatus
    public var sensor: SensorStatus
    public var hrv: HRVSnapshot
    /// Present while an assessment runs.
    public var assessment: AssessmentProgress?
    /// Where sessions are recorded and whether they can be; absent from daemons that predate it.
    public var history: HistoryStatus?
    /// The event loop thread's scheduling, when the daemon asked for real time for it
    /// (`BREATHD_EVENT_LOOP_REALTIME=1`, which the units set); absent otherwise.
    public var eventLoop: EventLoopStatus?

    public init(
        state: DaemonState, session: SessionProgress?, pacer: PacerStatus, audio: AudioStatus,
        sensor: SensorStatus, hrv: HRVSnapshot, assessment: AssessmentProgress? = nil, history: HistoryStatus? = nil,
        eventLoop: EventLoopStatus? = nil
    ) {
        self.assessment = assessment
        self.history = history
        self.eventLoop = eventLoop
        self.state = state
        self.session = session
        self.pacer = pacer
        self.audio = audio
        self.sensor = sensor
        self.hrv = hrv
    }

    enum CodingKeys: String, CodingKey {
        case state, session, pacer, audio, sensor, hrv, assessment, history
        case eventLoop = "event_loop"
    }
}

/// How the thread that serves the socket, the engine and the watchers is scheduled.
public struct EventLoopStatus: Sendable, Equatable, Codable {
    /// What it got when it asked, or what it is since a demotion (e.g. "SCHED_FIFO priority 3 via direct").
    public var scheduling: String
    /// Times it was put back to normal scheduling for running its real-time budget (50 ms of CPU
    /// without blocking) out: a flood of requests, or a bug.
    public var demotions: Int
    /// Times the serial sensor's reader thread, raised to real time beside the loop, was put back
    /// to normal scheduling for the same reason (a device or file flooding it); nil when the reader
    /// was not raised (no serial sensor, or not permitted).
    public var sensorReaderDemotions: Int?

    public init(scheduling: String, demotions: Int, sensorReaderDemotions: Int? = nil) {
        self.scheduling = scheduling
        self.demotions = demotions
        self.sensorReaderDemotions = sensorReaderDemotions
    }

    enum CodingKeys: String, CodingKey {
        case scheduling, demotions
        case sensorReaderDemotions = "sensor_reader_demotions"
    }
}

public enum HistoryState: String, Sendable, Codable, CaseIterable {
    /// Sessions are written to the database.
    case ok
    /// Writing fails (a full disk, say): the unsaved beats and session ends are kept in memory and
    /// retried until they are written.
    case retrying
    /// The database cannot be used (unreadable, read-only, or it could not be created): the daemon
    /// paces without history; `problem` says why and what to do.
    case unavailable
}

/// The history database as the daemon sees it.
public struct HistoryStatus: Sendable, Equatable, Codable {
    public var path: String
    public var state: HistoryState
    /// Why history is not `ok`, with what to do about it.
    public var problem: String?
    /// Beats of sessions held in memory because they could not be written yet.
    public var unsavedBeats: Int
    /// Where a corrupt database found at start was moved (it is never deleted).
    public var movedAside: String?

    public init(path: String, state: HistoryState, problem: String? = nil, unsavedBeats: Int = 0, movedAside: String? = nil) {
        self.path = path
        self.state = state
        self.problem = problem
        self.unsavedBeats = unsavedBeats
        self.movedAside = movedAside
    }

    enum CodingKeys: String, CodingKey {
        case path, state, problem
        case unsavedBeats = "unsaved_beats"
        case movedAside = "moved_aside"
    }
}

public struct SessionProgress: Sendable, Equatable, Codable {
    public var id: Int64
    public var elapsedSeconds: Double
    public var remainingSeconds: Double

    public init(id: Int64, elapsedSeconds: Double, remainingSeconds: Double) {
        self.id = id
        self.elapsedSeconds = elapsedSeconds
        self.remainingSeconds = remainingSeconds
    }

    enum CodingKeys: String, CodingKey {
        case id
        case elapsedSeconds = "elapsed_s"
        case remainingSeconds = "remaining_s"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(elapsedSeconds, decimals: FigureRounding.Decimals.seconds, forKey: .elapsedSeconds)
        try c.encode(remainingSeconds, decimals: FigureRounding.Decimals.seconds, forKey: .remainingSeconds)
    }
}

public struct PacerStatus: Sendable, Equatable, Codable {
    public var rateBreathsPerMinute: Double
    public var ratio: BreathRatio
    public var voice: Voice
    public var volume: Double
    public var phase: BreathPhase
    /// 0 at the start of the phase, 1 at its end.
    public var progress: Double
    /// Breath cycles completed in this session.
    public var cycle: Int
    /// Where the rate came from; absent from daemons that predate it.
    public var rateSource: RateSource?
    /// The assessment session the rate was taken from, when `rateSource` is `resonance`.
    public var resonanceSession: Int64?

    public init(
        rateBreathsPerMinute: Double, ratio: BreathRatio, voice: Voice, volume: Double, phase: BreathPhase,
        progress: Double, cycle: Int, rateSource: RateSource? = nil, resonanceSession: Int64? = nil
    ) {
        self.rateSource = rateSource
        self.resonanceSession = resonanceSession
        self.rateBreathsPerMinute = rateBreathsPerMinute
        self.ratio = ratio
        self.voice = voice
        self.volume = volume
        self.phase = phase
        self.progress = progress
        self.cycle = cycle
    }

    enum CodingKeys: String, CodingKey {
        case rateBreathsPerMinute = "rate_bpm"
        case ratio, voice, volume, phase, progress, cycle
        case rateSource = "rate_source"
        case resonanceSession = "resonance_session"
    }

    public func encode(to encoder: any Encoder) throws {
        typealias D = FigureRounding.Decimals
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rateBreathsPerMinute, decimals: D.breathsPerMinute, forKey: .rateBreathsPerMinute)
        try c.encode(ratio, forKey: .ratio)
        try c.encode(voice, forKey: .voice)
        try c.encode(volume, decimals: D.fraction, forKey: .volume)
        try c.encode(phase, forKey: .phase)
        try c.encode(progress, decimals: D.fraction, forKey: .progress)
        try c.encode(cycle, forKey: .cycle)
        try c.encodeIfPresent(rateSource, forKey: .rateSource)
        try c.encodeIfPresent(resonanceSession, forKey: .resonanceSession)
    }
}

public struct AudioStatus: Sendable, Equatable, Codable {
    public var device: String
    public var state: AudioState
    public var xruns: Int
    public var lastError: String?
    /// How the audio thread of the session is scheduled (e.g. "SCHED_FIFO priority 4 via direct");
    /// absent before a session's audio thread has asked.
    public var scheduling: String?

    public init(device: String, state: AudioState, xruns: Int, lastError: String? = nil, scheduling: String? = nil) {
        self.device = device
        self.state = state
        self.xruns = xruns
        self.lastError = lastError
        self.scheduling = scheduling
    }

    enum CodingKeys: String, CodingKey {
        case device, state, xruns, scheduling
        case lastError = "last_error"
    }
}

public struct SensorStatus: Sendable, Equatable, Codable {
    /// Empty when no sensor is configured.
    public var device: String
    /// The configured format, or the detected one once `auto` has decided.
    public var format: String
    public var state: SensorState
    public var beats: Int
    public var artifacts: Int
    public var rejectedLines: Int
    public var secondsSinceLastBeat: Double?
    /// Of a waveform sensor; absent for beat formats.
    public var sampleRateHz: Double?
    /// "configured", or "estimated" (measured from how fast lines arrive).
    public var sampleRateSource: String?
    /// Events lost because the daemon fell behind the sensor (0 unless the machine stalled).
    public var droppedEvents: Int
    /// Beats derived from a heart rate alone (no RR in the input): HRV figures that need RR
    /// intervals are only as good as these.
    public var lowPrecisionBeats: Int
    /// Times the sensor came back after a loss (Bluetooth drops, unplugs); absent when none is configured.
    public var reconnects: Int?
    /// Why the sensor is not streaming, while it is `lost` (e.g. "Bluetooth adapter hci0 is powered off").
    public var problem: String?

    public init(
        device: String, format: String, state: SensorState, beats: Int, artifacts: Int, rejectedLines: Int,
        secondsSinceLastBeat: Double?, sampleRateHz: Double? = nil, sampleRateSource: String? = nil, droppedEvents: Int = 0,
        lowPrecisionBeats: Int = 0, reconnects: Int? = nil, problem: String? = nil
    ) {
        self.device = device
        self.format = format
        self.state = state
        self.beats = beats
        self.artifacts = artifacts
        self.rejectedLines = rejectedLines
        self.secondsSinceLastBeat = secondsSinceLastBeat
        self.sampleRateHz = sampleRateHz
        self.sampleRateSource = sampleRateSource
        self.droppedEvents = droppedEvents
        self.lowPrecisionBeats = lowPrecisionBeats
        self.reconnects = reconnects
        self.problem = problem
    }

    enum CodingKeys: String, CodingKey {
        case device, format, state, beats, artifacts, reconnects, problem
        case rejectedLines = "rejected_lines"
        case secondsSinceLastBeat = "since_last_beat_s"
        case sampleRateHz = "sample_rate_hz"
        case sampleRateSource = "sample_rate_source"
        case droppedEvents = "dropped_events"
        case lowPrecisionBeats = "low_precision_beats"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(device, forKey: .device)
        try c.encode(format, forKey: .format)
        try c.encode(state, forKey: .state)
        try c.encode(beats, forKey: .beats)
        try c.encode(artifacts, forKey: .artifacts)
        try c.encode(rejectedLines, forKey: .rejectedLines)
        try c.encodeIfPresent(secondsSinceLastBeat, decimals: FigureRounding.Decimals.seconds, forKey: .secondsSinceLastBeat)
        // A waveform's rate as configured (whole Hz) or measured from arrival times: 0.1 Hz.
        try c.encodeIfPresent(sampleRateHz, decimals: 1, forKey: .sampleRateHz)
        try c.encodeIfPresent(sampleRateSource, forKey: .sampleRateSource)
        try c.encode(droppedEvents, forKey: .droppedEvents)
        try c.encode(lowPrecisionBeats, forKey: .lowPrecisionBeats)
        try c.encodeIfPresent(reconnects, forKey: .reconnects)
        try c.encodeIfPresent(problem, forKey: .problem)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        device = try c.decode(String.self, forKey: .device)
        format = try c.decode(String.self, forKey: .format)
        state = try c.decode(SensorState.self, forKey: .state)
        beats = try c.decode(Int.self, forKey: .beats)
        artifacts = try c.decode(Int.self, forKey: .artifacts)
        rejectedLines = try c.decode(Int.self, forKey: .rejectedLines)
        secondsSinceLastBeat = try c.decodeIfPresent(Double.self, forKey: .secondsSinceLastBeat)
        sampleRateHz = try c.decodeIfPresent(Double.self, forKey: .sampleRateHz)
        sampleRateSource = try c.decodeIfPresent(String.self, forKey: .sampleRateSource)
        // Older daemons do not send these.
        droppedEvents = try c.decodeIfPresent(Int.self, forKey: .droppedEvents) ?? 0
        lowPrecisionBeats = try c.decodeIfPresent(Int.self, forKey: .lowPrecisionBeats) ?? 0
        reconnects = try c.decodeIfPresent(Int.self, forKey: .reconnects)
        problem = try c.decodeIfPresent(String.self, forKey: .problem)
    }
}

public enum CoherenceLevelName: String, Sendable, Codable, CaseIterable {
    case low, medium, high
}

/// The latest HRV metrics, keys named as in the reference stream (`../shared/data/expected`).
/// A metric is absent until enough beats have arrived to compute it.
public struct HRVSnapshot: Sendable, Equatable, Codable {
    public var meanHeartRateBPM: Double?
    public var rmssdMilliseconds: Double?
    public var sdnnMilliseconds: Double?
    public var pnn50Percent: Double?
    public var coherenceRatio: Double?
    public var coherenceScore: Double?
    public var coherenceLevel: CoherenceLevelName?
    public var peakFrequencyHz: Double?
    /// Seconds of beats still needed before coherence is computed (0 once warm).
    public var warmUpSecondsLeft: Double
    public var artifactPercent: Double
    /// Breath-heart synchrony during a session: magnitude-squared coherence (0-1) between the
    /// pacer's breath and the heart rate at the pacer frequency over the last 64 s.
    public var synchrony: Double?
    /// How far the heart rate's swing lags the breath at the pacer frequency, degrees.
    public var synchronyPhaseDegrees: Double?

    /// Whether the person follows the pacer (`PacerFollowing`): yes above 0.8 with the heart rate
    /// within ±90° of the breath, no below 0.3 or outside that window.
    public var followingPacer: String? {
        synchrony.map { PacerFollowing(synchrony: $0, phaseDegrees: synchronyPhaseDegrees).rawValue }
    }

    public init(
        meanHeartRateBPM: Double? = nil, rmssdMilliseconds: Double? = nil, sdnnMilliseconds: Double? = nil,
        pnn50Percent: Double? = nil, coherenceRatio: Double? = nil, coherenceScore: Double? = nil,
        coherenceLevel: CoherenceLevelName? = nil, peakFrequencyHz: Double? = nil, warmUpSecondsLeft: Double,
        artifactPercent: Double, synchrony: Double? = nil, synchronyPhaseDegrees: Double? = nil
    ) {
        self.synchrony = synchrony
        self.synchronyPhaseDegrees = synchronyPhaseDegrees
        self.meanHeartRateBPM = meanHeartRateBPM
        self.rmssdMilliseconds = rmssdMilliseconds
        self.sdnnMilliseconds = sdnnMilliseconds
        self.pnn50Percent = pnn50Percent
        self.coherenceRatio = coherenceRatio
        self.coherenceScore = coherenceScore
        self.coherenceLevel = coherenceLevel
        self.peakFrequencyHz = peakFrequencyHz
        self.warmUpSecondsLeft = warmUpSecondsLeft
        self.artifactPercent = artifactPercent
    }

    enum CodingKeys: String, CodingKey {
        case meanHeartRateBPM = "mean_hr_bpm"
        case rmssdMilliseconds = "rmssd_ms"
        case sdnnMilliseconds = "sdnn_ms"
        case pnn50Percent = "pnn50_percent"
        case coherenceRatio = "coherence_ratio"
        case coherenceScore = "coherence_score"
        case coherenceLevel = "coherence_level"
        case peakFrequencyHz = "peak_frequency_hz"
        case synchrony
        case synchronyPhaseDegrees = "synchrony_phase_deg"
        case warmUpSecondsLeft = "warm_up_s"
        case artifactPercent = "artifact_percent"
    }

    public func encode(to encoder: any Encoder) throws {
        typealias D = FigureRounding.Decimals
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(meanHeartRateBPM, decimals: D.heartRateBPM, forKey: .meanHeartRateBPM)
        try c.encodeIfPresent(rmssdMilliseconds, decimals: D.milliseconds, forKey: .rmssdMilliseconds)
        try c.encodeIfPresent(sdnnMilliseconds, decimals: D.milliseconds, forKey: .sdnnMilliseconds)
        try c.encodeIfPresent(pnn50Percent, decimals: D.percent, forKey: .pnn50Percent)
        try c.encodeIfPresent(coherenceRatio, decimals: D.score, forKey: .coherenceRatio)
        try c.encodeIfPresent(coherenceScore, decimals: D.score, forKey: .coherenceScore)
        try c.encodeIfPresent(coherenceLevel, forKey: .coherenceLevel)
        try c.encodeIfPresent(peakFrequencyHz, decimals: D.frequencyHz, forKey: .peakFrequencyHz)
        try c.encodeIfPresent(synchrony, decimals: D.score, forKey: .synchrony)
        try c.encodeIfPresent(synchronyPhaseDegrees, decimals: D.degrees, forKey: .synchronyPhaseDegrees)
        try c.encode(warmUpSecondsLeft, decimals: D.seconds, forKey: .warmUpSecondsLeft)
        try c.encode(artifactPercent, decimals: D.percent, forKey: .artifactPercent)
    }
}
