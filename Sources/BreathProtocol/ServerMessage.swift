/// Everything the server sends: replies and watch events, each tagged with its `class`.
///
/// `indirect`: a message is one pointer to its payload. Every watcher's queue holds messages, and
/// a queue keeps the capacity it once grew to; inline, the largest payload (STATUS) made each slot
/// 648 bytes, so 64 watchers that once fell 256 events behind on a busy machine kept 10 MB.
public indirect enum ServerMessage: Sendable, Equatable {
    case version(VersionMessage)
    case status(StatusReply)
    case history(HistoryReply)
    /// The reply to `session`.
    case session(SessionReply)
    case ok(OKReply)
    case error(ErrorReply)
    case beat(BeatEvent)
    case metrics(MetricsEvent)
    case phase(PhaseEvent)
    /// The SESSION event of a watch; told apart from the reply by its `event` key.
    case sessionEvent(SessionEvent)
    case sensor(SensorEvent)
    case audio(AudioEvent)
    case level(LevelEvent)
    /// An assessment entered a stage; `finished` carries the result.
    case assess(AssessmentProgress)

    public static func error(_ message: String) -> ServerMessage { .error(ErrorReply(message: message)) }

    /// The object's fields besides `class`.
    public var payload: any Encodable & Sendable {
        switch self {
        case .version(let payload): payload
        case .status(let payload): payload
        case .history(let payload): payload
        case .session(let payload): payload
        case .ok(let payload): payload
        case .error(let payload): payload
        case .beat(let payload): payload
        case .metrics(let payload): payload
        case .phase(let payload): payload
        case .sessionEvent(let payload): payload
        case .sensor(let payload): payload
        case .audio(let payload): payload
        case .level(let payload): payload
        case .assess(let payload): payload
        }
    }

    public var messageClass: String {
        switch self {
        case .version: "VERSION"
        case .status: "STATUS"
        case .history: "HISTORY"
        case .session, .sessionEvent: "SESSION"
        case .ok: "OK"
        case .error: "ERROR"
        case .beat: "BEAT"
        case .metrics: "METRICS"
        case .phase: "PHASE"
        case .sensor: "SENSOR"
        case .audio: "AUDIO"
        case .level: "LEVEL"
        case .assess: "ASSESS"
        }
    }
}

extension ServerMessage: Codable {
    private enum ClassKey: String, CodingKey {
        case `class`
        case event
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ClassKey.self)
        let name = try container.decode(String.self, forKey: .class)
        switch name {
        case "VERSION": self = .version(try VersionMessage(from: decoder))
        case "STATUS": self = .status(try StatusReply(from: decoder))
        case "HISTORY": self = .history(try HistoryReply(from: decoder))
        case "SESSION":
            self = container.contains(.event)
                ? .sessionEvent(try SessionEvent(from: decoder)) : .session(try SessionReply(from: decoder))
        case "OK": self = .ok(try OKReply(from: decoder))
        case "ERROR": self = .error(try ErrorReply(from: decoder))
        case "BEAT": self = .beat(try BeatEvent(from: decoder))
        case "METRICS": self = .metrics(try MetricsEvent(from: decoder))
        case "PHASE": self = .phase(try PhaseEvent(from: decoder))
        case "SENSOR": self = .sensor(try SensorEvent(from: decoder))
        case "AUDIO": self = .audio(try AudioEvent(from: decoder))
        case "LEVEL": self = .level(try LevelEvent(from: decoder))
        case "ASSESS": self = .assess(try AssessmentProgress(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .class, in: container, debugDescription: "unknown class \"\(name)\"")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        // The payload adds its keys to the same object. LineCodec writes `class` first on the wire.
        var container = encoder.container(keyedBy: ClassKey.self)
        try container.encode(messageClass, forKey: .class)
        try payload.encode(to: encoder)
    }
}
