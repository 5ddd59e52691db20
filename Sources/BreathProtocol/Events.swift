/// The greeting sent on connect.
public struct VersionMessage: Sendable, Equatable, Codable {
    public var release: String
    public var protoMajor: Int
    public var protoMinor: Int

    public init(release: String, protoMajor: Int = ProtocolVersion.major, protoMinor: Int = ProtocolVersion.minor) {
        self.release = release
        self.protoMajor = protoMajor
        self.protoMinor = protoMinor
    }

    enum CodingKeys: String, CodingKey {
        case release
        case protoMajor = "proto_major"
        case protoMinor = "proto_minor"
    }
}

/// Success of a request that returns no data; `session` names the session a `start` created.
public struct OKReply: Sendable, Equatable, Codable {
    public var message: String?
    public var session: Int64?

    public init(message: String? = nil, session: Int64? = nil) {
        self.message = message
        self.session = session
    }
}

public struct ErrorReply: Sendable, Equatable, Codable {
    public var message: String
    public init(message: String) { self.message = message }
}

/// A beat as it arrives from the sensor.
public struct BeatEvent: Sendable, Equatable, Codable {
    /// Beats since the daemon started reading the sensor.
    public var beat: Int
    /// Seconds on the sensor's beat clock (summed RR intervals).
    public var timeSeconds: Double
    public var rrMilliseconds: Double
    public var isNN: Bool

    public init(beat: Int, timeSeconds: Double, rrMilliseconds: Double, isNN: Bool) {
        self.beat = beat
        self.timeSeconds = timeSeconds
        self.rrMilliseconds = rrMilliseconds
        self.isNN = isNN
    }

    enum CodingKeys: String, CodingKey {
        case beat
        case timeSeconds = "t"
        case rrMilliseconds = "rr_ms"
        case isNN = "nn"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(beat, forKey: .beat)
        try c.encode(timeSeconds, decimals: FigureRounding.Decimals.seconds, forKey: .timeSeconds)
        try c.encode(rrMilliseconds, decimals: FigureRounding.Decimals.rrMilliseconds, forKey: .rrMilliseconds)
        try c.encode(isNN, forKey: .isNN)
    }
}

/// Metrics after a beat; the same keys as `hrv` in STATUS.
public struct MetricsEvent: Sendable, Equatable, Codable {
    public var beat: Int
    public var hrv: HRVSnapshot

    public init(beat: Int, hrv: HRVSnapshot) {
        self.beat = beat
        self.hrv = hrv
    }
}

/// The pacer turned into a new phase of the breath.
public struct PhaseEvent: Sendable, Equatable, Codable {
    public var phase: BreathPhase
    public var cycle: Int
    public var durationSeconds: Double

    public init(phase: BreathPhase, cycle: Int, durationSeconds: Double) {
        self.phase = phase
        self.cycle = cycle
        self.durationSeconds = durationSeconds
    }

    enum CodingKeys: String, CodingKey {
        case phase, cycle
        case durationSeconds = "duration_s"
    }
}

/// Who started a session: the reminder a notification gives only makes sense when the person did
/// not just start it at their own terminal.
public enum SessionOrigin: String, Sendable, Codable, CaseIterable {
    /// `session.autostart` in the configuration.
    case autostart
    /// A client run from a terminal (`breathctl start` typed by the person).
    case terminal
    /// Any other client: a timer, a script, another program.
    case client
}

/// A session started, paused, resumed or ended; `finished` carries the record with its summary.
public struct SessionEvent: Sendable, Equatable, Codable {
    public enum Change: String, Sendable, Codable, CaseIterable {
        case started, paused, resumed, finished
    }

    public var event: Change
    public var session: SessionRecord
    /// Present on `started`.
    public var startedBy: SessionOrigin?

    public init(event: Change, session: SessionRecord, startedBy: SessionOrigin? = nil) {
        self.event = event
        self.session = session
        self.startedBy = startedBy
    }

    enum CodingKeys: String, CodingKey {
        case event, session
        case startedBy = "started_by"
    }
}

public struct SensorEvent: Sendable, Equatable, Codable {
    public var state: SensorState
    public var device: String
    public var format: String
    public var message: String?
    /// Times the sensor came back after a loss so far; sent once it has.
    public var reconnects: Int?

    public init(state: SensorState, device: String, format: String, message: String? = nil, reconnects: Int? = nil) {
        self.state = state
        self.device = device
        self.format = format
        self.message = message
        self.reconnects = reconnects
    }
}

public struct AudioEvent: Sendable, Equatable, Codable {
    public var state: AudioState
    public var device: String
    public var xruns: Int
    public var message: String?

    public init(state: AudioState, device: String, xruns: Int, message: String? = nil) {
        self.state = state
        self.device = device
        self.xruns = xruns
        self.message = message
    }
}

/// The coherence level changed.
public struct LevelEvent: Sendable, Equatable, Codable {
    public var level: CoherenceLevelName
    public var previous: CoherenceLevelName?
    public var coherenceScore: Double

    public init(level: CoherenceLevelName, previous: CoherenceLevelName?, coherenceScore: Double) {
        self.level = level
        self.previous = previous
        self.coherenceScore = coherenceScore
    }

    enum CodingKeys: String, CodingKey {
        case level, previous
        case coherenceScore = "coherence_score"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(level, forKey: .level)
        try c.encodeIfPresent(previous, forKey: .previous)
        try c.encode(coherenceScore, decimals: FigureRounding.Decimals.score, forKey: .coherenceScore)
    }
}
