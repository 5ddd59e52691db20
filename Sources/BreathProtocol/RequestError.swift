/// Why a request line was refused; `description` is the ERROR message sent back.
public enum RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line exceeded `LineCodec.maximumRequestLineBytes`; the server closes the connection.
    case lineTooLong(bytes: Int)
    case invalidJSON
    case notAnObject
    case missingCommand
    case unknownCommand(String)
    case unknownArgument(command: String, name: String)
    /// `reason` states the accepted range or values.
    case badArgument(command: String, name: String, value: String, reason: String)

    public var description: String {
        switch self {
        case .lineTooLong(let bytes):
            "request line of \(bytes) bytes is longer than the limit of \(LineCodec.maximumRequestLineBytes) bytes"
        case .invalidJSON:
            "invalid JSON: send one JSON object per line, e.g. {\"cmd\":\"status\"}"
        case .notAnObject:
            "a request must be a JSON object with a \"cmd\", e.g. {\"cmd\":\"status\"}"
        case .missingCommand:
            "missing \"cmd\"; expected one of \(Self.commandList)"
        case .unknownCommand(let name):
            "unknown cmd \"\(name)\"\(Self.suggestion(for: name)); expected one of \(Self.commandList)"
        case .unknownArgument(let command, let name):
            "\(command): unknown argument \"\(name)\"; accepted: \(Self.acceptedArguments(command))"
        case .badArgument(let command, let name, let value, let reason):
            "\(command): \(name) = \(value): \(reason)"
        }
    }

    static let commandList = Request.Command.allCases.map(\.rawValue).joined(separator: ", ")

    static func acceptedArguments(_ command: String) -> String {
        let names = Request.Command(rawValue: command).map(RequestArguments.accepted(by:)) ?? []
        return names.isEmpty ? "none" : names.joined(separator: ", ")
    }

    private static func suggestion(for name: String) -> String {
        let lowered = name.lowercased()
        if let exact = Request.Command.allCases.first(where: { $0.rawValue == lowered }) {
            return " (commands are lower case: did you mean \"\(exact.rawValue)\"?)"
        }
        return ""
    }
}

/// The argument names each command accepts, besides `cmd`.
enum RequestArguments {
    static func accepted(by command: Request.Command) -> [String] {
        switch command {
        case .start: ["minutes", "rate", "ratio", "voice", "volume", "interactive"]
        case .set: ["key", "value"]
        case .history: ["limit"]
        case .session: ["id"]
        case .assess: ["rates", "minutes_per_rate", "rest_s"]
        case .status, .watch, .stop, .pause, .resume: []
        }
    }
}
