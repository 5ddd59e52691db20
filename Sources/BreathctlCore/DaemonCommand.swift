import BreathClient
import ArgumentParser
import Foundation
import SystemCalls

/// A subcommand that talks to breathd: it connects, runs, and turns failures into a message on
/// stderr and an exit status (1, or 69 when the daemon is not running) without usage text, since
/// the arguments were fine. With `--json`, a refusal's ERROR object also goes to stdout as the
/// daemon sent it, so a script reading JSON gets JSON either way.
protocol DaemonCommand: ParsableCommand {
    var daemon: DaemonOptions { get }
    /// `--json` was given: the daemon's objects are printed as they came, its ERROR too.
    var wantsJSON: Bool { get }
    func run(with client: DaemonClient) throws(CommandFailure)
}

extension DaemonCommand {
    var wantsJSON: Bool { false }

    func run() throws {
        do {
            let client = try DaemonClient(path: daemon.socketPath)
            try run(with: client)
        } catch {
            if wantsJSON, let line = error.errorReplyLine { StandardOutput.write(line + "\n") }
            StandardError.write(error.message)
            throw ExitCode(error.exitCode)
        }
    }
}

enum StandardError {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

enum StandardOutput {
    /// Writes at once, unbuffered: `watch` output is read line by line through pipes.
    static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = retryingOnInterrupt { bytes.withUnsafeBytes { Foundation.write(STDOUT_FILENO, $0.baseAddress, $0.count) } }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
