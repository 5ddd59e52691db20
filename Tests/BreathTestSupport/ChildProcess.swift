import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The tests' one way to run a program: started with posix_spawn, its output into files (no pipe
/// buffer can fill and stall it; a test follows it by reading the file), reaped with waitpid on a
/// thread of its own. (Foundation's Process could leave a child unreaped while another child ran,
/// hanging a test, and its waits on Dispatch's global queues starve Swift's cooperative threads.)
///
/// The test runner's threads block signals; a child starts with none blocked and default
/// handlers, so SIGINT and SIGTERM reach it as they would from a shell.
public final class ChildProcess: Sendable {
    public enum Output: Sendable {
        /// A fresh file in a temporary directory, removed when the process object goes.
        case capture
        /// This file, created or truncated.
        case file(String)
        /// An open descriptor of the test's (a pseudo-terminal, say); the test keeps owning it.
        case descriptor(Int32)
        /// stderr only: the same file as stdout, interleaved as written.
        case sameAsStdout
        case discard
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    public let pid: pid_t
    public let stdoutPath: String?
    public let stderrPath: String?
    private let captureDirectory: String?
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` (a path, or a name looked up in PATH) with the test runner's
    /// environment, minus `removing`, plus `environment`.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], removing: [String] = [],
        stdout: Output = .capture, stderr: Output = .capture
    ) throws {
        var directory: String?
        func path(for output: Output, name: String) throws -> String? {
            switch output {
            case .file(let path): return path
            case .capture:
                if directory == nil {
                    let made = NSTemporaryDirectory() + "breathd-child-" + UUID().uuidString
                    try FileManager.default.createDirectory(atPath: made, withIntermediateDirectories: true)
                    directory = made
                }
                return "\(directory!)/\(name)"
            case .descriptor, .sameAsStdout, .discard: return nil
            }
        }
        let outPath = try path(for: stdout, name: "stdout")
        let errPath = try path(for: stderr, name: "stderr")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for (descriptor, output, file) in [(Int32(1), stdout, outPath), (Int32(2), stderr, errPath)] {
            switch output {
            case .capture, .file: posix_spawn_file_actions_addopen(&actions, descriptor, file!, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .descriptor(let open): posix_spawn_file_actions_adddup2(&actions, open, descriptor)
            case .sameAsStdout: posix_spawn_file_actions_adddup2(&actions, 1, descriptor)
            case .discard: posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0)
            }
        }
        var merged = ProcessInfo.processInfo.environment
        for name in removing { merged[name] = nil }
        merged.merge(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0)=\($1)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid = pid_t()
        let result =
            executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            if let directory { try? FileManager.default.removeItem(atPath: directory) }
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO)
        }
        self.pid = pid
        stdoutPath = outPath
        stderrPath = errPath
        captureDirectory = directory
    }

    /// A helper program whose stdout and stderr go to one log file (`log`).
    public convenience init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], logPath: String) throws {
        try self.init(executable, arguments, environment: environment, stdout: .file(logPath), stderr: .sameAsStdout)
    }

    deinit {
        stop()
        if let captureDirectory { try? FileManager.default.removeItem(atPath: captureDirectory) }
    }

    /// What it wrote to stdout so far (empty unless stdout went to a file).
    public var stdout: String { Self.read(stdoutPath) }
    public var stderr: String { Self.read(stderrPath) }
    /// The log of a helper started with `logPath:`.
    public var log: String { stdout }

    public func signal(_ number: Int32) { kill(pid, number) }
    public func interrupt() { signal(SIGINT) }

    public var isRunning: Bool {
        exitStatus.withLock { known in
            if known != nil { return false }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return true }
            known = Self.exitCode(status)
            return false
        }
    }

    /// Waits for the exit; the exit status, 128 + the signal's number when a signal ended it.
    @discardableResult
    public func wait() -> Int32 {
        if let known = exitStatus.withLock({ $0 }) { return known }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
        return exitStatus.withLock { known in
            if known == nil { known = result == pid ? Self.exitCode(status) : -1 }
            return known!
        }
    }

    /// Waits for the exit on a thread of its own (not Dispatch's global queues: on Linux they also
    /// run Swift's cooperative threads, and a blocked wait there would starve the server the child
    /// talks to), then returns everything it wrote.
    public func result() async -> Result {
        let status = await withCheckedContinuation { continuation in
            Thread { [self] in continuation.resume(returning: wait()) }.start()
        }
        return Result(status: status, stdout: stdout, stderr: stderr)
    }

    /// Waits until stdout (or stderr) holds `text`, or the process ended without writing it. No
    /// deadline of its own: a loaded machine only makes it slower, and the test's time limit ends
    /// a wait that never would.
    public func waitForOutput(containing text: String, inStandardError: Bool = false) async throws {
        var output: String { inStandardError ? stderr : stdout }
        while !output.contains(text) {
            if !isRunning, !output.contains(text) { throw TestTimeout(what: "\"\(text)\" in output \"\(output)\" (it exited)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Kills it (SIGKILL) unless it already ended, and reaps it.
    public func stop() {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        wait()
    }

    /// Runs a program to completion.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], removing: [String] = []
    ) throws -> Result {
        let child = try ChildProcess(executable, arguments, environment: environment, removing: removing)
        let status = child.wait()
        return Result(status: status, stdout: child.stdout, stderr: child.stderr)
    }

    /// Runs a program to completion without holding a cooperative thread.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], removing: [String] = []
    ) async throws -> Result {
        try await ChildProcess(executable, arguments, environment: environment, removing: removing).result()
    }

    private static func exitCode(_ status: Int32) -> Int32 {
        let low = status & 0x7f
        return low == 0 ? (status >> 8) & 0xff : 128 + low
    }

    private static func read(_ path: String?) -> String {
        guard let path, let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Something a test waited for did not happen in time.
public struct TestTimeout: Error, CustomStringConvertible {
    public let what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out waiting for \(what)" }
}

/// Runs a program to completion; its exit status and its stdout and stderr interleaved.
@discardableResult
public func runProgram(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let child = try ChildProcess(executable, arguments, environment: environment, stdout: .capture, stderr: .sameAsStdout)
    let status = child.wait()
    return (status, child.stdout)
}

/// Whether a system program is installed (tests that need one are skipped without it).
public func programExists(_ name: String) -> Bool {
    ["/usr/bin", "/bin", "/usr/local/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
}
