import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's NOTIFY_SOCKET: every sd_notify message, timed.
final class NotifySocket {
    let path: String
    private let fd: Int32

    init(in directory: URL) throws {
        path = directory.appendingPathComponent("notify.sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        let bound = withUnixAddress(path) { bind(fd, $0, $1) }
        guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Messages received within `seconds`, each with its arrival time.
    func receive(for seconds: Double) -> [(time: Date, message: String)] {
        var messages: [(Date, String)] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { messages.append((Date(), String(decoding: buffer[0..<n], as: UTF8.self))) }
        }
        return messages
    }

    /// Waits for a message containing `text`; returns it, or nil after `waitCeilingSeconds` (a
    /// bound on a hang only).
    func waitFor(_ text: String) -> String? {
        let deadline = Date().addingTimeInterval(waitCeilingSeconds)
        while Date() < deadline {
            for (_, message) in receive(for: 0.2) where message.contains(text) { return message }
        }
        return nil
    }
}

@Suite(.serialized) struct SystemdIntegrationTests {
    @Test func notifiesReadyStatusWatchdogAndStopping() throws {
        let daemon = try DaemonHarness()
        let notify = try NotifySocket(in: daemon.directory)
        try daemon.launch(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        let ready = try #require(notify.waitFor("READY=1"), "READY=1 arrives")
        #expect(ready.contains("READY=1"))
        // Ready means the socket already accepts.
        #expect(try daemon.request(#"{"cmd":"status"}"#)["class"] as? String == "STATUS")
        _ = try daemon.request(#"{"cmd":"start","minutes":2}"#)
        #expect(notify.waitFor("STATUS=pacing 5.5/min") != nil, "STATUS= follows the state")
        // Every half of WATCHDOG_USEC: the interval the daemon sleeps between pings, as it says.
        #expect(daemon.log.contains("interval_ms=1000") && daemon.log.contains("ping_ms=500"), "\(daemon.log)")
        // The pings keep coming (waited for: a busy machine only delays them) ...
        let start = Date()
        var pings = 0
        while pings < 6, Date().timeIntervalSince(start) < waitCeilingSeconds {
            pings += notify.receive(for: 0.2).filter { $0.message.contains("WATCHDOG=1") }.count
        }
        #expect(pings >= 6, "WATCHDOG=1 keeps coming: \(pings)")
        // ... and never more often than the interval: each follows a full sleep, so load can
        // only make them fewer. One may have been sent just before `start`, one is a rounding.
        let window = Date().timeIntervalSince(start)
        #expect(Double(pings) <= window / 0.5 + 2, "WATCHDOG=1 every half second: \(pings) in \(window) s")
        kill(daemon.processID, SIGTERM)
        #expect(notify.waitFor("STOPPING=1") != nil)
        #expect(daemon.terminate() == 0)
    }

    @Test func aFatalConfigurationErrorIsReportedWithErrno() throws {
        let daemon = try DaemonHarness(extraConfig: "[pacer]\nrate = 12\n")
        try daemon.reconfigure()
        let notify = try NotifySocket(in: daemon.directory)
        try daemon.launch(environment: ["NOTIFY_SOCKET": notify.path])
        let message = try #require(notify.waitFor("ERRNO="))
        #expect(message.contains("STATUS=failed:") && message.contains("pacer.rate = 12") && message.contains("ERRNO=22"))
        #expect(daemon.terminate() == 78)
    }

    @Test func aStalledEngineStopsTheWatchdogPings() throws {
        let daemon = try DaemonHarness()
        let notify = try NotifySocket(in: daemon.directory)
        try daemon.launch(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000", "BREATHD_DEBUG_STALL": "1"])
        #expect(notify.waitFor("WATCHDOG=1") != nil, "pings while healthy")
        kill(daemon.processID, SIGUSR2)
        try waitUntil("the engine stalls") { daemon.log.contains("engine stalled on request") }
        // A healthy daemon pings 6 times in 3 s (fewer on a busy machine, never more); a stalled
        // one at most once more: a ping already past its health check when the engine stalled.
        let after = notify.receive(for: 3).filter { $0.message.contains("WATCHDOG=1") }
        #expect(after.count <= 1, "no pings from a stalled engine: \(after.count)")
        _ = daemon.terminate(signal: SIGKILL)
    }

    @Test func socketActivationStartsTheDaemonOnFirstUse() throws {
        let daemon = try DaemonHarness()
        let activator = Process()
        activator.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-socket-activate")
        activator.arguments = ["-l", daemon.socketPath, DaemonHarness.binDirectory.appendingPathComponent("breathd").path, "--config", daemon.configPath]
        var environment = ProcessInfo.processInfo.environment
        environment["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(daemon.directory.path)/asound.conf"
        activator.environment = environment
        activator.standardError = FileHandle.nullDevice
        try activator.run()
        defer {
            activator.interrupt()
            activator.waitUntilExit()
        }
        try waitUntil("the activator listens") { FileManager.default.fileExists(atPath: daemon.socketPath) }
        // The first connection starts breathd, which serves it on the inherited socket.
        let client = try daemon.client()
        #expect(try client.readObject()["class"] as? String == "VERSION")
        try client.send(#"{"cmd":"status"}"#)
        #expect(try client.readObject()["state"] as? String == "idle")
        #expect(daemon.log.isEmpty || !daemon.log.contains("error"))
    }
}

extension SystemdIntegrationTests {
    /// The hardened unit sets MemoryDenyWriteExecute=yes; the kernel's PR_SET_MDWE applies the same
    /// rule to a process, so the daemon is run under it here and must work (Swift does not JIT).
    @Test func runsUnderMemoryDenyWriteExecute() throws {
        let daemon = try DaemonHarness()
        let wrapper = """
            import ctypes, os, sys
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
                sys.exit(77)
            os.execv(sys.argv[1], sys.argv[1:])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", wrapper, DaemonHarness.binDirectory.appendingPathComponent("breathd").path, "--config", daemon.configPath]
        var environment = ProcessInfo.processInfo.environment
        environment["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(daemon.directory.path)/asound.conf"
        process.environment = environment
        process.standardError = FileHandle.nullDevice
        try process.run()
        daemon.adopt(process)
        try waitUntil("the daemon under MDWE accepts connections") {
            guard process.isRunning else { throw TimedOut(what: "breathd exited with \(process.terminationStatus) under MDWE") }
            return (try? DaemonClient(path: daemon.socketPath)) != nil
        }
        #expect(try daemon.request(#"{"cmd":"start","minutes":0.1}"#)["class"] as? String == "OK")
        #expect(try daemon.request(#"{"cmd":"status"}"#)["state"] as? String == "running")
        #expect(daemon.terminate() == 0)
    }
}

extension DaemonHarness {
    /// Starts the daemon with extra environment and does not wait for the socket (the caller
    /// watches NOTIFY_SOCKET instead).
    func launch(environment extra: [String: String]) throws {
        let process = Process()
        process.executableURL = Self.binDirectory.appendingPathComponent("breathd")
        process.arguments = ["--config", configPath]
        var environment = ProcessInfo.processInfo.environment
        environment["ALSA_CONFIG_PATH"] = "/usr/share/alsa/alsa.conf:\(directory.path)/asound.conf"
        environment.merge(extra) { $1 }
        process.environment = environment
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        adopt(process)
    }
}
