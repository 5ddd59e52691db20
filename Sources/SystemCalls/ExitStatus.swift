/// The exit statuses breathd and breathctl use, named after sysexits.h where one applies. Every
/// exit site names one of these (never a bare number), and each program's documented list
/// (`ExitStatusManual`) is what its manual page's EXIT STATUS section prints, so the page cannot
/// drift from the code (ExitStatusDocumentationTests checks both).
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    /// Any other failure, stated in one line on stderr.
    case failure = 1
    /// EX_USAGE: bad command-line arguments (swift-argument-parser's own status for them).
    case usage = 64
    /// EX_UNAVAILABLE: a service the command needs is not there (breathd not running).
    case unavailable = 69
    /// EX_CONFIG: the configuration is refused.
    case configuration = 78
    /// 128 + the signal number, as a shell reports a command killed by that signal: a program
    /// that ends itself on a signal after cleaning up (breathctl watch and simulate on SIGINT, SIGTERM, SIGHUP).
    case killedBySignal = 128

    /// The status of a program ending itself on `signalNumber`.
    public static func onSignal(_ signalNumber: Int32) -> Int32 { killedBySignal.rawValue + signalNumber }
}

/// One program's documented exit statuses and what each means there, rendered as a manual page's
/// EXIT STATUS section.
public struct ExitStatusManual: Sendable {
    public var entries: [(status: ExitStatus, meaning: String)]

    public init(_ entries: [(status: ExitStatus, meaning: String)]) {
        self.entries = entries
    }

    /// The section's body in mdoc (scripts/make-man puts it in place of generate-manual's
    /// `.Ex -std`, which says only "0 on success, and >0 if an error occurs").
    public func mdoc() -> String {
        var lines = [".Bl -tag -width Ds"]
        for (status, meaning) in entries {
            let code = status == .killedBySignal ? "128+n" : "\(status.rawValue)"
            lines.append(".It Sy \(code)")
            lines.append(meaning)
        }
        lines.append(".El")
        return lines.joined(separator: "\n") + "\n"
    }
}
