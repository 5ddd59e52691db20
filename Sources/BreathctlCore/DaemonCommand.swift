import BreathClient
import ArgumentParser
import Foundation
import SystemCalls

/// A subcommand that talks to breathd: it connects, runs, and turns failures into a message on
/// stderr and an exit status (1, or 69 when the daemon is not running) without usage text, since
/// the arguments were fine.
protocol DaemonCommand: ParsableCommand {
    var daemon: DaemonOptions { get }
    func run(with client: DaemonClient) throws(CommandFailure)
}

extension DaemonCommand {
    func run() throws {
        do {
            let client = try DaemonClient(path: daemon.socketPath)
            try run(with: client)
        } catch {
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
