import BreathTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `breathd` in a temporary directory: its own config, socket, history file, ALSA through
/// the file plugin (to the null device), and optionally a FIFO as its heart-rate sensor.
final class DaemonHarness: @unchecked Sendable {
    static var binDirectory: URL { TestPaths.binDirectory }
    static var repositoryRoot: URL { TestPaths.repositoryRoot }
    static var shared: URL { TestPaths.shared }

    let directory: URL
    var socketPath: String { directory.appendingPathComponent("breathd.sock").path }
    var historyPath: String { directory.appendingPathComponent("history.sqlite").path }
    var configPath: String { directory.appendingPathComponent("breathd.toml").path }
    var logPath: String { directory.appendingPathComponent("breathd.log").path }
    private(set) var process: Process?

    /// `sensor`: a device path for `[sensor] device` (empty: none). `extraConfig` is appended.
    init(sensor: String = "", extraConfig: String = "") throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("breathd-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
            pcm.!default { type file; slave.pcm "null"; file "\(directory.path)/audio.wav"; format "wav" }
            """.write(to: directory.appendingPathComponent("asound.conf"), atomically: true, encoding: .utf8)
        try """
            [sensor]
            device = "\(sensor)"
            format = "rr"
            [socket]
            path = "\(socketPath)"
            [storage]
            path = "\(historyPath)"
            \(extraConfig)
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts the daemon and waits until its socket accepts connections. `launcher`: a program that
    /// execs breathd (e.g. setpriv) and its arguments; `environment`: added to the test's own.
    func start(launcher: [String] = [], environment extra: [String: String] = [:]) throws {
        let process = Process()
        let breathd = Self.binDirectory.appendingPathComponent("breathd")
        if let program = launcher.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(launcher.dropFirst()) + [breathd.path, "--config", configPath]
        } else {
            process.executableURL = breathd
            process.arguments = ["--config", configPath]
        }
        var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        environment["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(directory.path)/asound.conf"
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment.removeValue(forKey: "LISTEN_FDS")
        process.environment = environment
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        try waitUntil("the daemon accepts connections") { (try? DaemonClient(path: self.socketPath)) != nil }
    }

    var processID: Int32 { process?.processIdentifier ?? -1 }

    func adopt(_ process: Process) { self.process = process }

    func terminate(signal: Int32 = SIGTERM) -> Int32 {
        guard let process else { return -1 }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
        if signal != SIGKILL && process.terminationStatus != 0 {
            // Keep the evidence: the daemon's log (with any crash backtrace) goes to the test output.
            FileHandle.standardError.write(Data("breathd exited with \(process.terminationStatus); its log:\n\(log)\n".utf8))
        }
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Open file descriptors of the daemon.
    var openDescriptorCount: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(processID)/fd")) ?? []).count
    }

    func client() throws -> DaemonClient { try DaemonClient(path: socketPath) }

    /// One request on a fresh connection; the reply as a JSON object.
    func request(_ line: String) throws -> [String: Any] {
        let client = try client()
        _ = try client.readObject()  // VERSION
        try client.send(line)
        return try client.readObject()
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting until \(what)" }
}

/// How long a wait for an event may take before the test gives up on it. Only a bound on a hang:
/// far above the normal wait (a few seconds, or one breath of a real-time pacer) even on a machine
/// ten times slower or starved by other tests, so that no verdict depends on the machine's speed.
let waitCeilingSeconds = 300.0

/// Waits until `condition` holds (looking every 50 ms); throws after `waitCeilingSeconds`.
func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(waitCeilingSeconds)
    while Date() < deadline {
        if try condition() { return }
        usleep(50_000)
    }
    throw TimedOut(what: what)
}

/// The test's side of the socket: blocking JSON lines.
final class DaemonClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let result = withUnixAddress(path) { connect(fd, $0, $1) }
        guard result == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPIPE) }
            offset += n
        }
    }

    /// The next line, or nil when the daemon closed the connection.
    func readLine() throws -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return nil }
            guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    func readObject() throws -> [String: Any] {
        guard let line = try readLine() else { throw POSIXError(.ECONNRESET) }
        return try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    }
}

/// A FIFO the daemon reads as its sensor; the test writes RR lines into it.
final class SensorFIFO {
    let path: String
    private var handle: FileHandle?

    init(in directory: URL) throws {
        path = directory.appendingPathComponent("heart.fifo").path
        guard mkfifo(path, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Opens the write end (blocks until the daemon has opened the read end).
    func open() throws {
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    func write(rrMilliseconds: [Double]) {
        handle?.write(Data(rrMilliseconds.map { "\($0)\n" }.joined().utf8))
    }

    func close() {
        try? handle?.close()
        handle = nil
    }
}

func rrRecording(_ name: String) throws -> [Double] {
    try String(contentsOf: DaemonHarness.shared.appendingPathComponent("data/rr/\(name)"), encoding: .utf8)
        .split(separator: "\n")
        .compactMap { line -> Double? in
            guard !line.hasPrefix("#") else { return nil }
            return line.split(separator: ",").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        }
}

/// Calls `body` with `path` as a `sockaddr_un` (for connect and bind).
func withUnixAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        let bytes = Array(path.utf8)
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}
