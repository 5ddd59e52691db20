import SystemCalls

/// An invalid configuration: every problem found, each as `FILE: key = value: reason and accepted range`.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// EX_CONFIG from sysexits.h: the exit status of a daemon refusing its configuration.
    public static let exitStatus = ExitStatus.configuration.rawValue

    public var problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public init(_ problem: String) { self.problems = [problem] }

    public var description: String { problems.joined(separator: "\n") }
}

/// The reason one value was refused; the parser prefixes the file, key and value.
struct ValueProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
