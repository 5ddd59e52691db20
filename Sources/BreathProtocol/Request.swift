/// A client request: one JSON object per line with a `cmd`.
public enum Request: Sendable, Equatable {
    case status
    /// Stream events until the client leaves.
    case watch
    case start(StartOptions)
    case stop
    case pause
    case resume
    /// A live change of one pacer setting.
    case set(Setting)
    case history(limit: Int?)
    case session(SessionReference)
    /// Resonance-frequency assessment (stepped rates).
    case assess(AssessOptions)

    public enum Command: String, Sendable, CaseIterable {
        case status, watch, start, stop, pause, resume, set, history, session, assess
    }

    public var command: Command {
        switch self {
        case .status: .status
        case .watch: .watch
        case .start: .start
        case .stop: .stop
        case .pause: .pause
        case .resume: .resume
        case .set: .set
        case .history: .history
        case .session: .session
        case .assess: .assess
        }
    }

    /// Whether the request changes daemon state; those are refused to peers without control rights.
    public var changesState: Bool {
        switch command {
        case .start, .stop, .pause, .resume, .set, .assess: true
        case .status, .watch, .history, .session: false
        }
    }
}

/// Overrides for one session; nil keeps the configured value.
public struct StartOptions: Sendable, Equatable {
    public var minutes: Double?
    public var rateBreathsPerMinute: Double?
    public var ratio: BreathRatio?
    public var voice: Voice?
    public var volume: Double?
    /// The client runs at the person's terminal (so a desktop reminder would be noise).
    public var interactive: Bool?

    public init(
        minutes: Double? = nil, rateBreathsPerMinute: Double? = nil, ratio: BreathRatio? = nil,
        voice: Voice? = nil, volume: Double? = nil, interactive: Bool? = nil
    ) {
        self.interactive = interactive
        self.minutes = minutes
        self.rateBreathsPerMinute = rateBreathsPerMinute
        self.ratio = ratio
        self.voice = voice
        self.volume = volume
    }
}

/// A setting that `set` may change while a session runs.
public enum Setting: Sendable, Equatable {
    case rate(Double)
    /// The rate of the last resonance assessment in history (`"value": "resonance"`).
    case resonanceRate
    case ratio(BreathRatio)
    case voice(Voice)
    case volume(Double)

    public enum Key: String, Sendable, CaseIterable {
        case rate, ratio, voice, volume
    }

    public var key: Key {
        switch self {
        case .rate, .resonanceRate: .rate
        case .ratio: .ratio
        case .voice: .voice
        case .volume: .volume
        }
    }
}

/// `session` takes a numeric id or "last".
public enum SessionReference: Sendable, Equatable {
    case id(Int64)
    case last
}

/// Accepted ranges of request arguments, shared with the configuration so both refuse the same values.
public enum ArgumentLimits {
    public static let rateBreathsPerMinute = 4.0...7.0
    public static let volume = 0.0...1.0
    public static let minutes = 0.1...240.0
    public static let historyLimit = 1...10_000
    /// An assessment needs 30 s of settling and at least two breath cycles after it per rate.
    public static let assessMinutesPerRate = 1.0...10.0
    public static let assessRestSeconds = 0.0...300.0
    public static let assessRateCount = 2...10
}
