import Foundation
import Synchronization

/// `breathctl` run as a user would, with a controlled environment (no BREATHD_SOCKET or NO_COLOR unless given,
/// TZ=UTC so that local times are predictable), off Swift's cooperative threads so that a blocked
/// client never starves the server it talks to.
final class ClientProcess: Sendable {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private let process: Process
    private let stdoutData = OutputBuffer()
    private let stderrData = OutputBuffer()
    private let readersDone = DispatchGroup()

    init(_ arguments: [String], environment: [String: String] = [:], standardOutput: FileHandle? = nil) throws {
        let process = Process()
        process.executableURL = Command.binDirectory.appendingPathComponent("breathctl")
        process.arguments = arguments
        var base = ProcessInfo.processInfo.environment
        base["BREATHD_SOCKET"] = nil
        base["NO_COLOR"] = nil
        base["TZ"] = "UTC"
        process.environment = base.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = standardOutput ?? out
        process.standardError = err
        self.process = process
        try process.run()
        if standardOutput == nil { read(out.fileHandleForReading, into: stdoutData) }
        read(err.fileHandleForReading, into: stderrData)
    }

    /// Runs to the end.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await ClientProcess(arguments, environment: environment).result()
    }

    /// What it wrote to stdout so far.
    var stdout: String { stdoutData.text }

    /// Waits until stdout holds `text`.
    func waitForOutput(containing text: String) async throws {
        for _ in 0..<1000 where !stdout.contains(text) { try await Task.sleep(for: .milliseconds(5)) }
        guard stdout.contains(text) else { throw ClientTimeout(what: "\"\(text)\" in output \"\(stdout)\"") }
    }

    func interrupt() { process.interrupt() }

    /// Waits for the exit on a thread of its own, then returns everything it wrote. Not on
    /// Dispatch's global queues: on Linux they also run Swift's cooperative threads, and blocked
    /// waits there would starve the server the client talks to.
    func result() async -> Result {
        await withCheckedContinuation { continuation in
            Thread { [self] in
                process.waitUntilExit()
                readersDone.wait()
                continuation.resume(
                    returning: Result(
                        status: process.terminationStatus,
                        stdout: stdout,
                        stderr: stderrData.text))
            }.start()
        }
    }

    /// Reads until end of file as the output arrives, so that tests can follow a running client.
    private func read(_ handle: FileHandle, into buffer: OutputBuffer) {
        readersDone.enter()
        Thread { [readersDone] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
            }
            readersDone.leave()
        }.start()
    }
}

final class OutputBuffer: Sendable {
    private let data = Mutex(Data())
    func append(_ chunk: Data) { data.withLock { $0.append(chunk) } }
    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}
