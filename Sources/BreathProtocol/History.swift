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
    /// Seconds since the session started (summed RR intervals, not arrival time).
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
}

/// The reply to `history`: newest first.
public struct HistoryReply: Sendable, Equatable, Codable {
    public var sessions: [SessionRecord]
    public init(sessions: [SessionRecord]) { self.sessions = sessions }
}

/// The reply to `session`: the record and every beat.
public struct SessionReply: Sendable, Equatable, Codable {
    public var session: SessionRecord
    public var beats: [BeatRecord]
    /// The figures and the chosen rate, when the session was a finished assessment.
    public var assessment: AssessmentResult?

    public init(session: SessionRecord, beats: [BeatRecord], assessment: AssessmentResult? = nil) {
        self.session = session
        self.beats = beats
        self.assessment = assessment
    }
}
