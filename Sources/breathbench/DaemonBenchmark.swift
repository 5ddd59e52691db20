import ArgumentParser
import BreathClient
import Foundation
import SystemCalls

/// The daemon as a user meets it: start-up time, status round trip over the socket, and the cost
/// of a real-time session with a simulated sensor and 64 watchers attached.
///
/// Run it under `scripts/with-pulse-null-sink` (what `make bench` does) so that audio plays in real
/// time: ALSA's file and null devices swallow audio as fast as it is rendered.
struct DaemonBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Time breathd's start-up and status round trip; measure CPU and memory of a real-time session."
    )

    @Option(help: "Status requests for the round-trip figures.")
    var requests = 10_000

    @Option(help: "Seconds of real-time session for the CPU and memory figures.")
    var sessionSeconds = 60.0

    @Option(help: "Watchers attached during the session.")
    var watchers = 64

    func run() throws {
        let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("breathd-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let socketPath = directory.appendingPathComponent("breathd.sock").path
        let sensorLink = directory.appendingPathComponent("heart").path
        let configPath = directory.appendingPathComponent("breathd.toml").path
        try """
            [sensor]
            device = "\(sensorLink)"
            [socket]
            path = "\(socketPath)"
            [storage]
            path = "\(directory.appendingPathComponent("history.sqlite").path)"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)

        let simulator = try launch(binaries.appendingPathComponent("breathctl"), ["simulate", "--link", sensorLink, "--rate", "62"])
        defer { stop(simulator) }

        // Start-up: from exec to the first accepted connection.
        let launched = DispatchTime.now().uptimeNanoseconds
        let daemon = try launch(binaries.appendingPathComponent("breathd"), ["--config", configPath])
        defer { stop(daemon) }
        var connection: DaemonClient?
        while connection == nil {
            connection = try? DaemonClient(path: socketPath)
            if connection == nil {
                guard daemon.isRunning else { throw ValidationError("breathd exited during start-up.") }
                usleep(500)
            }
        }
        let startupMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - launched) / 1e6
        print("start-up: \(format(startupMilliseconds)) ms from exec to an accepted connection and its greeting")

        // Status round trips on one connection, as raw lines: the socket's cost, not decoding's.
        let client = connection!.connection
        var roundTrips: [Double] = []
        roundTrips.reserveCapacity(requests)
        for _ in 0..<requests {
            let start = DispatchTime.now().uptimeNanoseconds
            try client.send(#"{"cmd":"status"}"#)
            guard try client.readLine() != nil else { throw ValidationError("breathd closed the connection.") }
            roundTrips.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        let p50 = percentile(roundTrips, 0.5), p99 = percentile(roundTrips, 0.99)
        print("status round trip over \(requests) requests: p50 \(format(p50)) us, p99 \(format(p99)) us")

        // A real-time session with `watchers` clients watching (the client above is one of them).
        try client.send(#"{"cmd":"start","minutes":\#(sessionSeconds / 60 + 1)}"#)
        _ = try client.readLine()
        try client.send(#"{"cmd":"watch"}"#)
        let others = try (1..<max(watchers, 1)).map { _ in try DaemonClient(path: socketPath) }
        for watcher in others {
            try watcher.watch()
            // Each watcher is drained by a thread of its own, like a client that keeps up.
            let owned = OwnedByOneThread(watcher.connection)
            DedicatedThread.detach(name: "watcher") { while (try? owned.value.readLine()) != nil {} }
        }
        let mainDrain = OwnedByOneThread(client)
        sleep(3)  // past the audio device's start-up
        let cpuBefore = processorSeconds(daemon.processIdentifier)
        let wallBefore = DispatchTime.now().uptimeNanoseconds
        DedicatedThread.detach(name: "watcher") { while (try? mainDrain.value.readLine()) != nil {} }
        Thread.sleep(forTimeInterval: sessionSeconds)
        let cpu = processorSeconds(daemon.processIdentifier) - cpuBefore
        let wall = Double(DispatchTime.now().uptimeNanoseconds - wallBefore) / 1e9
        let watching = others.count + 1
        // A fresh connection is refused while all slots watch: close one watcher to ask for status.
        let status = try statusAfterFreeingASlot(others.last?.connection, socketPath: socketPath)
        let audio = status["audio"] as? [String: Any]
        let xruns = audio?["xruns"] as? Int ?? -1
        let audioState = audio?["state"] as? String ?? "?"
        let rss = kilobytes("VmRSS", daemon.processIdentifier), peak = kilobytes("VmHWM", daemon.processIdentifier)
        let percent = 100 * cpu / wall
        print("real-time session, \(watching) watchers, \(format(wall, digits: 1)) s: CPU \(format(cpu, digits: 3)) s = \(format(percent)) % of one core; "
            + "RSS \(format(Double(rss) / 1024, digits: 1)) MB (peak \(format(Double(peak) / 1024, digits: 1)) MB); audio \(audioState), \(xruns) xruns")
        guard let memory = ResidentMemory(pid: daemon.processIdentifier) else { throw ValidationError("Cannot read breathd's /proc/PID/smaps.") }
        print("breathd's \(memory.summary)")
        let floor = try grdbFloorKilobytes(binaries: binaries, directory: directory)
        print("floor: a program doing nothing but GRDB (WAL, a write, a read) is resident at \(megabytes(floor)) MB")
        print("RESULT startup_ms=\(format(startupMilliseconds)) status_rtt_p50_us=\(format(p50)) status_rtt_p99_us=\(format(p99)) "
            + "cpu_percent=\(format(percent)) rss_mb=\(megabytes(rss)) anonymous_mb=\(megabytes(memory.anonymousKilobytes)) "
            + "grdb_floor_rss_mb=\(megabytes(floor)) xruns=\(xruns)")
    }

    private func megabytes(_ kilobytes: Int) -> String { format(Double(kilobytes) / 1024, digits: 1) }

    /// Resident kB of `breathbench-grdb-floor` once it has written and read its database.
    private func grdbFloorKilobytes(binaries: URL, directory: URL) throws -> Int {
        let process = Process()
        process.executableURL = binaries.appendingPathComponent("breathbench-grdb-floor")
        process.arguments = [directory.appendingPathComponent("floor.sqlite").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer { stop(process) }
        let ready = output.fileHandleForReading.availableData
        guard String(decoding: ready, as: UTF8.self).hasPrefix("ready") else {
            throw ValidationError("breathbench-grdb-floor did not get ready.")
        }
        return kilobytes("VmRSS", process.processIdentifier)
    }

    private func statusAfterFreeingASlot(_ watcher: DaemonConnection?, socketPath: String) throws -> [String: Any] {
        watcher?.shutdown()
        for _ in 0..<100 {
            if let client = try? DaemonClient(path: socketPath), let line = try? client.status().line,
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            {
                return object
            }
            usleep(20_000)
        }
        throw ValidationError("No free slot on the socket for a status request.")
    }

    private func launch(_ executable: URL, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// User + system CPU seconds of a process, from /proc/PID/stat.
func processorSeconds(_ pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let afterName = stat.range(of: ") ")
    else { return 0 }
    let fields = stat[afterName.upperBound...].split(separator: " ")
    // Fields 14 and 15 of the whole line (utime, stime); the slice starts at field 3.
    let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
    return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
}

func kilobytes(_ field: String, _ pid: Int32) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
    }
    return -1
}

/// A connection handed to the one thread that uses it from then on.
final class OwnedByOneThread<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
