/// How a session ended.
public enum EndReason: String, Sendable, Codable, CaseIterable {
    /// Ran its full duration.
    case completed
    /// Stopped by a client or by the daemon shutting down.
    case stopped
    /// The daemon died while it ran (found open at the next start).
    case interrupted
}

/// The pacer settings a session started with.
public struct SessionSettings: Sendable, Equatable, Codable {
    public var durationSeconds: Double
    public var rateBreathsPerMinute: Double
    public var ratio: BreathRatio
    public var voice: Voice
    public var volume: Double

    public init(durationSeconds: Double, rateBreathsPerMinute: Double, ratio: BreathRatio, voice: Voice, volume: Double) {
        self.durationSeconds = durationSeconds
        self.rateBreathsPerMinute = rateBreathsPerMinute
        self.ratio = ratio
        self.voice = voice
        self.volume = volume
    }

    enum CodingKeys: String, CodingKey {
        case durationSeconds = "duration_s"
        case rateBreathsPerMinute = "rate_bpm"
        case ratio, voice, volume
    }
}

/// Seconds spent at each coherence level.
public struct LevelSeconds: Sendable, Equatable, Codable, BitwiseCopyable {
    public var low: Double
    public var medium: Double
    public var high: Double

    public init(low: Double = 0, medium: Double = 0, high: Double = 0) {
        self.low = low
        self.medium = medium
        self.high = high
    }

    public subscript(level: CoherenceLevelName) -> Double {
        get {
            switch level {
            case .low: low
            case .medium: medium
            case .high: high
            }
        }
        set {
            switch level {
            case .low: low = newValue
            case .medium: medium = newValue
            case .high: high = newValue
            }
        }
    }
}

/// What a session measured; metrics are absent when it had too few beats.
public struct SessionSummary: Sendable, Equatable, Codable {
    public var meanHeartRateBPM: Double?
    public var rmssdMilliseconds: Double?
    public var sdnnMilliseconds: Double?
    public var meanCoherenceScore: Double?
    public var secondsInLevel: LevelSeconds
    public var beats: Int
    public var artifacts: Int
    /// Mean breath-heart synchrony (0-1) over the beats that have one; absent when none had one
    /// (it needs 64 s of beats, and sessions recorded before it was kept have none).
    public var meanSynchrony: Double?
    /// Share (0-1) of those beats whose synchrony and phase say the heart followed the pacer
    /// (`PacerFollowing.yes`: above 0.8, the heart rate within ±90° of the breath).
    public var followingShare: Double?

    public init(
        meanHeartRateBPM: Double? = nil, rmssdMilliseconds: Double? = nil, sdnnMilliseconds: Double? = nil,
        meanCoherenceScore: Double? = nil, secondsInLevel: LevelSeconds = LevelSeconds(), beats: Int = 0,
        artifacts: Int = 0, meanSynchrony: Double? = nil, followingShare: Double? = nil
    ) {
        self.meanHeartRateBPM = meanHeartRateBPM
        self.rmssdMilliseconds = rmssdMilliseconds
        self.sdnnMilliseconds = sdnnMilliseconds
        self.meanCoherenceScore = meanCoherenceScore
        self.secondsInLevel = secondsInLevel
        self.beats = beats
        self.artifacts = artifacts
        self.meanSynchrony = meanSynchrony
        self.followingShare = followingShare
    }

    enum CodingKeys: String, CodingKey {
        case meanHeartRateBPM = "mean_hr_bpm"
        case rmssdMilliseconds = "rmssd_ms"
        case sdnnMilliseconds = "sdnn_ms"
        case meanCoherenceScore = "mean_coherence_score"
        case secondsInLevel = "level_s"
        case beats, artifacts
        case meanSynchrony = "mean_synchrony"
        case followingShare = "following_share"
    }

    /// Figures at their precision (FigureRounding.Decimals). A new field is encoded here too: the
    /// round trip of `Samples` (every field populated) fails when one is left out.
    public func encode(to encoder: any Encoder) throws {
        typealias D = FigureRounding.Decimals
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(meanHeartRateBPM, decimals: D.heartRateBPM, forKey: .meanHeartRateBPM)
        try c.encodeIfPresent(rmssdMilliseconds, decimals: D.milliseconds, forKey: .rmssdMilliseconds)
        try c.encodeIfPresent(sdnnMilliseconds, decimals: D.milliseconds, forKey: .sdnnMilliseconds)
        try c.encodeIfPresent(meanCoherenceScore, decimals: D.score, forKey: .meanCoherenceScore)
        try c.encode(
            LevelSeconds(
                low: FigureRounding.rounded(secondsInLevel.low, decimals: D.seconds),
                medium: FigureRounding.rounded(secondsInLevel.medium, decimals: D.seconds),
                high: FigureRounding.rounded(secondsInLevel.high, decimals: D.seconds)),
            forKey: .secondsInLevel)
        try c.encode(beats, forKey: .beats)
        try c.encode(artifacts, forKey: .artifacts)
        try c.encodeIfPresent(meanSynchrony, decimals: D.score, forKey: .meanSynchrony)
        // A share of beats, to the hundredth as `session` shows it.
        try c.encodeIfPresent(followingShare, decimals: 2, forKey: .followingShare)
    }
}

/// What a stored session was.
public enum SessionKind: String, Sendable, Codable, CaseIterable {
    case session
    /// A resonance-frequency assessment (`assess`); its result is in the `session` reply.
    case assessment
}

/// One stored session: a `history` row and the head of a `session` reply.
public struct SessionRecord: Sendable, Equatable, Codable, Identifiable {
    public var id: Int64
    public var kind: SessionKind
    public var startedAt: Timestamp
    /// Absent while the session runs.
    public var endedAt: Timestamp?
    public var endReason: EndReason?
    public var settings: SessionSettings
    /// Absent while the session runs.
    public var summary: SessionSummary?

    public init(
        id: Int64, startedAt: Timestamp, endedAt: Timestamp? = nil, endReason: EndReason? = nil,
        settings: SessionSettings, summary: SessionSummary? = nil, kind: SessionKind = .session
    ) {
        self.id = id
        self.kind = kind
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.endReason = endReason
        self.settings = settings
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey {
        case id
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case endReason = "end_reason"
        case settings, summary, kind
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        // Records written before assessments existed carry no kind.
        kind = try c.decodeIfPresent(SessionKind.self, forKey: .kind) ?? .session
        startedAt = try c.decode(Timestamp.self, forKey: .startedAt)
        endedAt = try c.decodeIfPresent(Timestamp.self, forKey: .endedAt)
        endReason = try c.decodeIfPresent(EndReason.self, forKey: .endReason)
        settings = try c.decode(SessionSettings.self, forKey: .settings)
        summary = try c.decodeIfPresent(SessionSummary.self, forKey: .summary)
    }
}

/// One heart beat with the metrics computed when it arrived.
public struct BeatRecord: Sendable, Equatable, Codable {
    /// Seconds since the session started, pauses excluded: when the beat reached the daemon,
    /// except that beats delivered together (a Bluetooth notification with several RR values,
    /// serial lines read in one go) are spaced back from the last one's arrival by their RR
    /// intervals, never before the previous beat (SessionEngine's HeartMonitor.sessionTime).
    /// Not the summed RR alone: that drifts from the session clock and the pacer whenever the
    /// sensor loses a beat, and synchrony and the report compare beats with the pacer.
    public var offsetSeconds: Double
    public var rrMilliseconds: Double
    /// Whether the beat was classified normal-to-normal (not an artifact).
    public var isNN: Bool
    public var meanHeartRateBPM: Double?
    public var rmssdMilliseconds: Double?
    public var sdnnMilliseconds: Double?
    public var coherenceScore: Double?
    public var coherenceLevel: CoherenceLevelName?
    /// Breath-heart synchrony (0-1) when the beat arrived; absent until measured, and in beats
    /// recorded before synchrony was kept.
    public var synchrony: Double?
    /// How far the heart rate's swing lagged the breath when the beat arrived, degrees.
    public var synchronyPhaseDegrees: Double?

    public init(
        offsetSeconds: Double, rrMilliseconds: Double, isNN: Bool, meanHeartRateBPM: Double? = nil,
        rmssdMilliseconds: Double? = nil, sdnnMilliseconds: Double? = nil, coherenceScore: Double? = nil,
        coherenceLevel: CoherenceLevelName? = nil, synchrony: Double? = nil, synchronyPhaseDegrees: Double? = nil
    ) {
        self.offsetSeconds = offsetSeconds
        self.rrMilliseconds = rrMilliseconds
        self.isNN = isNN
        self.meanHeartRateBPM = meanHeartRateBPM
        self.rmssdMilliseconds = rmssdMilliseconds
        self.sdnnMilliseconds = sdnnMilliseconds
        self.coherenceScore = coherenceScore
        self.coherenceLevel = coherenceLevel
        self.synchrony = synchrony
        self.synchronyPhaseDegrees = synchronyPhaseDegrees
    }

    enum CodingKeys: String, CodingKey {
        case offsetSeconds = "t"
        case rrMilliseconds = "rr_ms"
        case isNN = "nn"
        case meanHeartRateBPM = "mean_hr_bpm"
        case rmssdMilliseconds = "rmssd_ms"
        case sdnnMilliseconds = "sdnn_ms"
        case coherenceScore = "coherence_score"
        case coherenceLevel = "coherence_level"
        case synchrony
        case synchronyPhaseDegrees = "synchrony_phase_deg"
    }

    /// Figures at their precision (FigureRounding.Decimals). A new field is encoded here too: the
    /// round trip of `Samples` (every field populated) fails when one is left out.
    public func encode(to encoder: any Encoder) throws {
        typealias D = FigureRounding.Decimals
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(offsetSeconds, decimals: D.seconds, forKey: .offsetSeconds)
        try c.encode(rrMilliseconds, decimals: D.rrMilliseconds, forKey: .rrMilliseconds)
        try c.encode(isNN, forKey: .isNN)
        try c.encodeIfPresent(meanHeartRateBPM, decimals: D.heartRateBPM, forKey: .meanHeartRateBPM)
        try c.encodeIfPresent(rmssdMilliseconds, decimals: D.milliseconds, forKey: .rmssdMilliseconds)
        try c.encodeIfPresent(sdnnMilliseconds, decimals: D.milliseconds, forKey: .sdnnMilliseconds)
        try c.encodeIfPresent(coherenceScore, decimals: D.score, forKey: .coherenceScore)
        try c.encodeIfPresent(coherenceLevel, forKey: .coherenceLevel)
        try c.encodeIfPresent(synchrony, decimals: D.score, forKey: .synchrony)
        try c.encodeIfPresent(synchronyPhaseDegrees, decimals: D.degrees, forKey: .synchronyPhaseDegrees)
    }
}

/// The reply to `history`: newest first.
public struct HistoryReply: Sendable, Equatable, Codable {
    public var sessions: [SessionRecord]
    public init(sessions: [SessionRecord]) { self.sessions = sessions }
}

/// A live change of the pacing during a session (`breathctl set rate|ratio|voice`): when it took
/// effect, when it was asked for, and the pacing from then on. The pacer applies a change from the
/// next breath, so `offsetSeconds` is that breath's start, not the request; a change asked for
/// while paused, or still waiting for its breath when the session paused, takes effect with the
/// breath the resume starts. (Files written before this was so hold the request's session time.)
public struct PacingChange: Sendable, Equatable, Codable {
    /// Seconds since the session started, pauses excluded (the clock of `BeatRecord.offsetSeconds`),
    /// when the change took effect.
    public var offsetSeconds: Double
    /// The wall-clock time it was asked for (it names the request: history keeps one row per request).
    public var at: Timestamp
    /// Which setting was changed.
    public var setting: Setting.Key
    /// The pacing in force after the change (all of it, not only what changed).
    public var rateBreathsPerMinute: Double
    public var ratio: BreathRatio
    public var voice: Voice

    public init(
        offsetSeconds: Double, at: Timestamp, setting: Setting.Key, rateBreathsPerMinute: Double, ratio: BreathRatio, voice: Voice
    ) {
        self.offsetSeconds = offsetSeconds
        self.at = at
        self.setting = setting
        self.rateBreathsPerMinute = rateBreathsPerMinute
        self.ratio = ratio
        self.voice = voice
    }

    /// Whether the change changes the breath itself (rate or ratio), not only its sound.
    public var changesTheBreath: Bool { setting == .rate || setting == .ratio }

    enum CodingKeys: String, CodingKey {
        case offsetSeconds = "t_s"
        case at, setting
        case rateBreathsPerMinute = "rate_bpm"
        case ratio, voice
    }

    public func encode(to encoder: any Encoder) throws {
        typealias D = FigureRounding.Decimals
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(offsetSeconds, decimals: D.seconds, forKey: .offsetSeconds)
        try c.encode(at, forKey: .at)
        try c.encode(setting, forKey: .setting)
        try c.encode(rateBreathsPerMinute, decimals: D.breathsPerMinute, forKey: .rateBreathsPerMinute)
        try c.encode(ratio, forKey: .ratio)
        try c.encode(voice, forKey: .voice)
    }
}

extension Setting.Key: Codable {}

/// A pause of a session (`breathctl pause` until `resume`): when, in session time, and how long.
/// Session time (`BeatRecord.offsetSeconds`) stands still while the session is paused, so a
/// beat's wall-clock time is the start, plus its session time, plus the pauses before it
/// (`SessionReply.wallClockSeconds`).
public struct SessionPause: Sendable, Equatable, Codable {
    /// Seconds since the session started, pauses excluded, when it paused.
    public var offsetSeconds: Double
    /// How long it stayed paused.
    public var durationSeconds: Double

    public init(offsetSeconds: Double, durationSeconds: Double) {
        self.offsetSeconds = offsetSeconds
        self.durationSeconds = durationSeconds
    }

    enum CodingKeys: String, CodingKey {
        case offsetSeconds = "t_s"
        case durationSeconds = "duration_s"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(offsetSeconds, decimals: FigureRounding.Decimals.seconds, forKey: .offsetSeconds)
        try c.encode(durationSeconds, decimals: FigureRounding.Decimals.seconds, forKey: .durationSeconds)
    }
}

/// The reply to `session`: the record and every beat.
public struct SessionReply: Sendable, Equatable, Codable {
    public var session: SessionRecord
    public var beats: [BeatRecord]
    /// The figures and the chosen rate, when the session was a finished assessment.
    public var assessment: AssessmentResult?
    /// Live pacing changes, oldest first; empty when the session kept its starting pacing (and
    /// in sessions recorded before changes were kept).
    public var pacingChanges: [PacingChange]
    /// Its pauses, oldest first; empty when it never paused (and in sessions recorded before
    /// pauses were kept).
    public var pauses: [SessionPause]

    public init(
        session: SessionRecord, beats: [BeatRecord], assessment: AssessmentResult? = nil, pacingChanges: [PacingChange] = [],
        pauses: [SessionPause] = []
    ) {
        self.session = session
        self.beats = beats
        self.assessment = assessment
        self.pacingChanges = pacingChanges
        self.pauses = pauses
    }

    enum CodingKeys: String, CodingKey {
        case session, beats, assessment, pauses
        case pacingChanges = "pacing_changes"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        session = try c.decode(SessionRecord.self, forKey: .session)
        beats = try c.decode([BeatRecord].self, forKey: .beats)
        assessment = try c.decodeIfPresent(AssessmentResult.self, forKey: .assessment)
        // Replies from a breathd that did not keep pacing changes carry none.
        pacingChanges = try c.decodeIfPresent([PacingChange].self, forKey: .pacingChanges) ?? []
        pauses = try c.decodeIfPresent([SessionPause].self, forKey: .pauses) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(session, forKey: .session)
        try c.encode(beats, forKey: .beats)
        try c.encodeIfPresent(assessment, forKey: .assessment)
        // Always present (an empty list for none), so that scripts need not test for the key.
        try c.encode(pacingChanges, forKey: .pacingChanges)
        try c.encode(pauses, forKey: .pauses)
    }

    /// Seconds on the wall clock from the session's start to session time `offsetSeconds`: the
    /// session time plus every pause that began before it.
    public func wallClockSeconds(atOffsetSeconds offsetSeconds: Double) -> Double {
        pauses.reduce(offsetSeconds) { total, pause in pause.offsetSeconds < offsetSeconds ? total + pause.durationSeconds : total }
    }

    /// The pacing in force at `offsetSeconds` into the session: the starting settings with every
    /// change that had taken effect by then.
    public func pacing(atOffsetSeconds offsetSeconds: Double) -> (rateBreathsPerMinute: Double, ratio: BreathRatio, voice: Voice) {
        let last = pacingChanges.last { $0.offsetSeconds <= offsetSeconds }
        let settings = session.settings
        return last.map { ($0.rateBreathsPerMinute, $0.ratio, $0.voice) } ?? (settings.rateBreathsPerMinute, settings.ratio, settings.voice)
    }
}
