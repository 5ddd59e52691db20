extension Request: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ArgumentKey.self)
        guard container.contains(ArgumentKey("cmd")) else { throw RequestError.missingCommand }
        let commandValue = try JSONScalar(container, "cmd")
        guard case .string(let commandName) = commandValue else {
            throw RequestError.badArgument(
                command: "request", name: "cmd", value: commandValue.rendered,
                reason: "must be a string, one of \(RequestError.commandList)")
        }
        guard let command = Command(rawValue: commandName) else { throw RequestError.unknownCommand(commandName) }
        let accepted = RequestArguments.accepted(by: command)
        for key in container.allKeys where key.stringValue != "cmd" && !accepted.contains(key.stringValue) {
            throw RequestError.unknownArgument(command: commandName, name: key.stringValue)
        }
        let arguments = try ArgumentReader(command: commandName, container: container)
        switch command {
        case .status: self = .status
        case .watch: self = .watch
        case .stop: self = .stop
        case .pause: self = .pause
        case .resume: self = .resume
        case .assess: self = .assess(try arguments.assessOptions(container))
        case .start:
            self = .start(
                StartOptions(
                    minutes: try arguments.number("minutes", in: ArgumentLimits.minutes, unit: "minutes"),
                    rateBreathsPerMinute: try arguments.number(
                        "rate", in: ArgumentLimits.rateBreathsPerMinute, unit: "breaths per minute"),
                    ratio: try arguments.ratio("ratio"),
                    voice: try arguments.voice("voice"),
                    volume: try arguments.number("volume", in: ArgumentLimits.volume, unit: nil),
                    interactive: try arguments.bool("interactive")))
        case .set:
            self = .set(try arguments.setting())
        case .history:
            self = .history(limit: try arguments.integer("limit", in: ArgumentLimits.historyLimit))
        case .session:
            self = .session(try arguments.sessionReference())
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ArgumentKey.self)
        try container.encode(command.rawValue, forKey: ArgumentKey("cmd"))
        switch self {
        case .status, .watch, .stop, .pause, .resume:
            break
        case .assess(let options):
            // What differs from the defaults, as a client would write it.
            let defaults = AssessOptions()
            if options.rates != defaults.rates { try container.encode(options.rates, forKey: ArgumentKey("rates")) }
            if options.minutesPerRate != defaults.minutesPerRate {
                try container.encode(options.minutesPerRate, forKey: ArgumentKey("minutes_per_rate"))
            }
            if options.restSeconds != defaults.restSeconds { try container.encode(options.restSeconds, forKey: ArgumentKey("rest_s")) }
        case .start(let options):
            try container.encodeIfPresent(options.minutes, forKey: ArgumentKey("minutes"))
            try container.encodeIfPresent(options.rateBreathsPerMinute, forKey: ArgumentKey("rate"))
            try container.encodeIfPresent(options.ratio, forKey: ArgumentKey("ratio"))
            try container.encodeIfPresent(options.voice, forKey: ArgumentKey("voice"))
            try container.encodeIfPresent(options.volume, forKey: ArgumentKey("volume"))
            try container.encodeIfPresent(options.interactive, forKey: ArgumentKey("interactive"))
        case .set(let setting):
            try container.encode(setting.key.rawValue, forKey: ArgumentKey("key"))
            switch setting {
            case .rate(let value), .volume(let value): try container.encode(value, forKey: ArgumentKey("value"))
            case .resonanceRate: try container.encode("resonance", forKey: ArgumentKey("value"))
            case .ratio(let ratio): try container.encode(ratio, forKey: ArgumentKey("value"))
            case .voice(let voice): try container.encode(voice, forKey: ArgumentKey("value"))
            }
        case .history(let limit):
            try container.encodeIfPresent(limit, forKey: ArgumentKey("limit"))
        case .session(.id(let id)):
            try container.encode(id, forKey: ArgumentKey("id"))
        case .session(.last):
            try container.encode("last", forKey: ArgumentKey("id"))
        }
    }
}

struct ArgumentKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// An argument's JSON value, kept as written so that error messages can quote it.
enum JSONScalar: Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    case structured

    init(_ container: KeyedDecodingContainer<ArgumentKey>, _ name: String) throws {
        let key = ArgumentKey(name)
        if try container.decodeNil(forKey: key) {
            self = .null
        } else if let bool = try? container.decode(Bool.self, forKey: key) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self, forKey: key) {
            self = .number(number)
        } else if let string = try? container.decode(String.self, forKey: key) {
            self = .string(string)
        } else {
            self = .structured
        }
    }

    var rendered: String {
        switch self {
        case .number(let value): formatNumber(value)
        case .string(let value): "\"\(value)\""
        case .bool(let value): String(value)
        case .null: "null"
        case .structured: "(object or array)"
        }
    }
}

/// Renders 12.0 as "12" and 5.5 as "5.5", as a person would write them.
func formatNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}

/// Reads and range-checks the arguments of one request.
struct ArgumentReader {
    let command: String
    let values: [String: JSONScalar]

    init(command: String, container: KeyedDecodingContainer<ArgumentKey>) throws {
        self.command = command
        var values: [String: JSONScalar] = [:]
        for key in container.allKeys where key.stringValue != "cmd" {
            values[key.stringValue] = try JSONScalar(container, key.stringValue)
        }
        self.values = values
    }

    private func bad(_ name: String, _ value: JSONScalar, _ reason: String) -> RequestError {
        .badArgument(command: command, name: name, value: value.rendered, reason: reason)
    }

    private static func rangeText(_ range: ClosedRange<Double>, unit: String?) -> String {
        "must be between \(formatRangeBound(range.lowerBound)) and \(formatRangeBound(range.upperBound))"
            + (unit.map { " \($0)" } ?? "")
    }

    func number(_ name: String, in range: ClosedRange<Double>, unit: String?) throws -> Double? {
        guard let value = values[name], value != .null else { return nil }
        return try number(name, value, in: range, unit: unit)
    }

    func number(_ name: String, _ value: JSONScalar, in range: ClosedRange<Double>, unit: String?) throws -> Double {
        guard case .number(let number) = value, number.isFinite, range.contains(number) else {
            throw bad(name, value, Self.rangeText(range, unit: unit))
        }
        return number
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = values[name], value != .null else { return nil }
        guard case .number(let number) = value, number == number.rounded(),
            number >= Double(range.lowerBound), number <= Double(range.upperBound)
        else {
            throw bad(name, value, "must be a whole number between \(range.lowerBound) and \(range.upperBound)")
        }
        return Int(number)
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = values[name], value != .null else { return nil }
        guard case .bool(let flag) = value else { throw bad(name, value, "must be true or false") }
        return flag
    }

    func ratio(_ name: String) throws -> BreathRatio? {
        guard let value = values[name], value != .null else { return nil }
        return try ratio(name, value)
    }

    func ratio(_ name: String, _ value: JSONScalar) throws -> BreathRatio {
        guard case .string(let text) = value, let ratio = BreathRatio(parsing: text),
            BreathRatio.inhaleShareRange.contains(ratio.inhaleShare)
        else {
            throw bad(name, value, BreathRatio.requirement)
        }
        return ratio
    }

    func voice(_ name: String) throws -> Voice? {
        guard let value = values[name], value != .null else { return nil }
        return try voice(name, value)
    }

    func voice(_ name: String, _ value: JSONScalar) throws -> Voice {
        guard case .string(let text) = value, let voice = Voice(rawValue: text) else {
            throw bad(name, value, "must be one of \(Voice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return voice
    }

    func setting() throws -> Setting {
        let keyValue = values["key"] ?? .null
        guard case .string(let keyName) = keyValue, let key = Setting.Key(rawValue: keyName) else {
            throw bad("key", keyValue, "must be one of \(Setting.Key.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let value = values["value"] ?? .null
        switch key {
        case .rate:
            if value == .string("resonance") { return .resonanceRate }
            guard case .number = value else {
                throw bad("value", value, "must be a rate between 4.0 and 7.0 breaths per minute, or \"resonance\"")
            }
            return .rate(try number("value", value, in: ArgumentLimits.rateBreathsPerMinute, unit: "breaths per minute"))
        case .volume:
            return .volume(try number("value", value, in: ArgumentLimits.volume, unit: nil))
        case .ratio:
            return .ratio(try ratio("value", value))
        case .voice:
            return .voice(try voice("value", value))
        }
    }

    /// `rates` is the one array argument, so it is read from the container itself.
    func assessOptions(_ container: KeyedDecodingContainer<ArgumentKey>) throws -> AssessOptions {
        var options = AssessOptions()
        if let value = values["rates"], value != .null {
            let limits = ArgumentLimits.rateBreathsPerMinute, count = ArgumentLimits.assessRateCount
            guard let rates = try? container.decode([Double].self, forKey: ArgumentKey("rates")),
                count.contains(rates.count), rates.allSatisfy({ $0.isFinite && limits.contains($0) })
            else {
                throw bad(
                    "rates", value,
                    "must be an array of \(count.lowerBound) to \(count.upperBound) rates, each between "
                        + "\(formatRangeBound(limits.lowerBound)) and \(formatRangeBound(limits.upperBound)) breaths per minute")
            }
            options.rates = rates
        }
        if let minutes = try number("minutes_per_rate", in: ArgumentLimits.assessMinutesPerRate, unit: "minutes") {
            options.minutesPerRate = minutes
        }
        if let rest = try number("rest_s", in: ArgumentLimits.assessRestSeconds, unit: "seconds") {
            options.restSeconds = rest
        }
        return options
    }

    func sessionReference() throws -> SessionReference {
        let value = values["id"] ?? .null
        switch value {
        case .string("last"):
            return .last
        case .number(let number) where number == number.rounded() && number >= 1 && number < 9e15:
            return .id(Int64(number))
        case .string(let text) where Int64(text).map({ $0 >= 1 }) == true:
            return .id(Int64(text)!)
        default:
            throw bad("id", value, "must be a session id (a whole number from 1) or \"last\"")
        }
    }
}

/// Range bounds keep one decimal for rates ("4.0") so that messages read like the documentation.
func formatRangeBound(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 && value < 10 && value != 0 && value != 1
        ? String(format1: value) : formatNumber(value)
}

extension String {
    /// One decimal place without Foundation's String(format:).
    init(format1 value: Double) {
        let tenths = Int64((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
