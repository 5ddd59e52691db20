import ArgumentParser
import BreathClient
import Foundation
import Sensor
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

    @Option(help: "Seconds of idle daemon (no session, sensor attached) for the idle wake-up figure.")
    var idleSeconds = 10.0

    @Option(help: "Status requests with both cores kept busy by spinning threads of the benchmark.")
    var hogRequests = 2_000

    func run() throws {
        let binaries = BenchmarkFiles.binaries
        let directory = try BenchmarkFiles.scratchDirectory("bench")
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

        // The sensor is a pseudo-terminal the benchmark writes beats to itself, so that it knows
        // when each beat reached the serial line (beat-to-METRICS latency).
        let sensor = try BeatWriter()
        try FileManager.default.createSymbolicLink(atPath: sensorLink, withDestinationPath: sensor.terminal.devicePath)
        sensor.start()
        defer { sensor.stop() }

        // Start-up: from exec to the first accepted connection.
        let launched = DispatchTime.now().uptimeNanoseconds
        let daemon = try launch(binaries.appendingPathComponent("breathd"), ["--config", configPath])
        defer { stop(daemon) }
        let connection = try firstConnection(socketPath: socketPath, daemon: daemon)
        let startupMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - launched) / 1e6
        print("start-up: \(format(startupMilliseconds)) ms from exec to an accepted connection and its greeting")

        // Status round trips on one connection, as raw lines: the socket's cost, not decoding's.
        let client = connection.connection
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

        // The same with both cores busy: one spinning thread per core in this process.
        let hog = CPUHog()
        hog.start(threads: ProcessInfo.processInfo.activeProcessorCount)
        var hogged: [Double] = []
        hogged.reserveCapacity(hogRequests)
        for _ in 0..<hogRequests {
            let start = DispatchTime.now().uptimeNanoseconds
            try client.send(#"{"cmd":"status"}"#)
            guard try client.readLine() != nil else { hog.stop(); throw ValidationError("breathd closed the connection.") }
            hogged.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        hog.stop()
        let hogP50 = percentile(hogged, 0.5), hogP99 = percentile(hogged, 0.99)
        print("status round trip with \(ProcessInfo.processInfo.activeProcessorCount) spinning threads, \(hogRequests) requests: p50 \(format(hogP50)) us, p99 \(format(hogP99)) us")

        // Idle: no session, the sensor beating, one client connected and silent.
        let idle = try measureActivity(daemon.processIdentifier, seconds: idleSeconds)
        print("idle \(format(idle.seconds, digits: 1)) s (sensor attached): CPU \(format(idle.cpuPercent, digits: 3)) % of one core, "
            + "\(format(idle.wakeupsPerSecond, digits: 2)) wake-ups/s (\(idle.switches) context switches over \(idle.threads) threads)")

        // A real-time session with `watchers` clients watching (the client above is one of them).
        try client.send(#"{"cmd":"start","minutes":\#(sessionSeconds / 60 + 1)}"#)
        _ = try client.readLine()
        try client.send(#"{"cmd":"watch"}"#)
        let others = try (1..<max(watchers, 1)).map { _ in try DaemonClient(path: socketPath) }
        let latencies = LatencyLog()
        for watcher in others {
            try watcher.watch()
            // Each watcher is drained by a thread of its own, like a client that keeps up; each
            // notes how long after the beat's line was written its METRICS event arrived.
            let owned = OwnedByOneThread(watcher.connection)
            DedicatedThread.detach(name: "watcher") {
                while let line = try? owned.value.readLine() {
                    if line.contains("\"METRICS\"") { latencies.note(sensor.microsecondsSinceLastBeat()) }
                }
            }
        }
        let mainDrain = OwnedByOneThread(client)
        sleep(3)  // past the audio device's start-up
        latencies.reset()
        let before = ActivitySample(daemon.processIdentifier)
        DedicatedThread.detach(name: "watcher") {
            while let line = try? mainDrain.value.readLine() {
                if line.contains("\"METRICS\"") { latencies.note(sensor.microsecondsSinceLastBeat()) }
            }
        }
        Thread.sleep(forTimeInterval: sessionSeconds)
        let session = ActivitySample(daemon.processIdentifier).since(before)
        let cpu = session.cpuSeconds
        let wall = session.seconds
        let beatLatencies = latencies.values
        let beatP50 = percentile(beatLatencies, 0.5), beatP99 = percentile(beatLatencies, 0.99)
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
        print("session wake-ups: \(format(session.wakeupsPerSecond, digits: 2))/s (\(session.switches) context switches over \(session.threads) threads)")
        print("beat on the serial line to METRICS at \(watching) watchers, \(beatLatencies.count) events: p50 \(format(beatP50)) us, p99 \(format(beatP99)) us")
        let floor = try grdbFloorKilobytes(binaries: binaries, directory: directory)
        print("floor: a program doing nothing but GRDB (WAL, a write, a read) is resident at \(megabytes(floor)) MB")
        print("RESULT startup_ms=\(format(startupMilliseconds)) status_rtt_p50_us=\(format(p50)) status_rtt_p99_us=\(format(p99)) "
            + "status_rtt_hog_p50_us=\(format(hogP50)) status_rtt_hog_p99_us=\(format(hogP99)) "
            + "idle_cpu_percent=\(format(idle.cpuPercent, digits: 3)) idle_wakeups_per_s=\(format(idle.wakeupsPerSecond, digits: 2)) "
            + "cpu_percent=\(format(percent)) wakeups_per_s=\(format(session.wakeupsPerSecond, digits: 2)) "
            + "beat_metrics_p50_us=\(format(beatP50)) beat_metrics_p99_us=\(format(beatP99)) watchers=\(watching) rss_mb=\(megabytes(rss)) anonymous_mb=\(megabytes(memory.anonymousKilobytes)) "
            + "grdb_floor_rss_mb=\(megabytes(floor)) xruns=\(xruns)")
    }

    private func measureActivity(_ pid: Int32, seconds: Double) throws -> Activity {
        let before = ActivitySample(pid)
        Thread.sleep(forTimeInterval: seconds)
        return ActivitySample(pid).since(before)
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
}

/// The first connection a freshly launched breathd accepts (with its greeting), polling until then.
func firstConnection(socketPath: String, daemon: Process) throws -> DaemonClient {
    while true {
        if let connection = try? DaemonClient(path: socketPath) { return connection }
        guard daemon.isRunning else { throw ValidationError("breathd exited during start-up.") }
        usleep(500)
    }
}

/// A status reply on a fresh connection, once `watcher` is closed: while every slot watches, a
/// fresh connection is refused.
func statusAfterFreeingASlot(_ watcher: DaemonConnection?, socketPath: String) throws -> [String: Any] {
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

func launch(_ executable: URL, _ arguments: [String], log: FileHandle = .nullDevice) throws -> Process {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardOutput = log
    process.standardError = log
    try process.run()
    return process
}

func stop(_ process: Process) {
    guard process.isRunning else { return }
    process.terminate()
    process.waitUntilExit()
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

/// CPU time, context switches of all threads (each one a wake-up of a thread that slept or was
/// preempted) and the time of one reading of /proc/PID.
struct ActivitySample {
    let cpuSeconds: Double
    let switches: Int
    let threads: Int
    let uptimeNanoseconds: UInt64

    init(_ pid: Int32) {
        uptimeNanoseconds = DispatchTime.now().uptimeNanoseconds
        cpuSeconds = processorSeconds(pid)
        var total = 0, count = 0
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        for task in tasks {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8) else { continue }
            count += 1
            for line in status.split(separator: "\n")
            where line.hasPrefix("voluntary_ctxt_switches:") || line.hasPrefix("nonvoluntary_ctxt_switches:") {
                total += Int(line.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
            }
        }
        switches = total
        threads = count
    }

    func since(_ earlier: ActivitySample) -> Activity {
        let seconds = Double(uptimeNanoseconds - earlier.uptimeNanoseconds) / 1e9
        return Activity(seconds: seconds, cpuSeconds: cpuSeconds - earlier.cpuSeconds, switches: switches - earlier.switches, threads: threads)
    }
}

struct Activity {
    let seconds: Double
    let cpuSeconds: Double
    /// Context switches between the samples (threads that ended in between are not counted).
    let switches: Int
    let threads: Int
    var cpuPercent: Double { 100 * cpuSeconds / seconds }
    var wakeupsPerSecond: Double { Double(switches) / seconds }
}

/// Writes RR lines at about 62 beats a minute (`rate` times faster: simulated speed) to a
/// pseudo-terminal and remembers when it wrote the last one.
final class BeatWriter: @unchecked Sendable {
    let terminal: PseudoTerminal
    let rate: Double
    private let lock = NSLock()
    private var lastBeat: UInt64 = 0
    private var written = 0
    private var running = true

    init(rate: Double = 1) throws {
        terminal = try PseudoTerminal()
        self.rate = rate
    }

    func start() {
        DedicatedThread.detach(name: "beats") { [self] in
            var generator = SystemRandomNumberGenerator()
            var beat = 0.0
            // Each beat is due at the sum of the RR intervals so far, so sleeping late never drifts.
            let start = DispatchTime.now().uptimeNanoseconds
            var dueSeconds = 0.0
            while lock.withLock({ running }) {
                // A breathing-like swing plus noise, around 968 ms.
                let rr = 968 + 60 * sin(beat * 2 * .pi / 11) + Double.random(in: -15...15, using: &generator)
                beat += 1
                dueSeconds += rr / 1000 / rate
                let waitSeconds = dueSeconds - Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if waitSeconds > 0 { Thread.sleep(forTimeInterval: waitSeconds) }
                lock.withLock {
                    lastBeat = DispatchTime.now().uptimeNanoseconds
                    written += 1
                }
                _ = try? terminal.write(Array("\(Int(rr.rounded()))\r\n".utf8))
            }
        }
    }

    func stop() { lock.withLock { running = false } }

    /// RR lines written so far.
    var beatsWritten: Int { lock.withLock { written } }

    func microsecondsSinceLastBeat() -> Double {
        let last = lock.withLock { lastBeat }
        return Double(DispatchTime.now().uptimeNanoseconds - last) / 1000
    }
}

/// Latencies noted by many watcher threads.
final class LatencyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var noted: [Double] = []
    func note(_ microseconds: Double) { lock.withLock { noted.append(microseconds) } }
    func reset() { lock.withLock { noted.removeAll() } }
    var values: [Double] { lock.withLock { noted } }
}

/// Threads that spin until stopped, to keep every core busy.
final class CPUHog: @unchecked Sendable {
    private let lock = NSLock()
    private var running = false
    func start(threads: Int) {
        lock.withLock { running = true }
        for _ in 0..<threads {
            DedicatedThread.detach(name: "hog") { [self] in
                var x: UInt64 = 1
                while true {
                    for _ in 0..<100_000 { x = x &* 6364136223846793005 &+ 1 }
                    if !lock.withLock({ running }) { break }
                }
                if x == 42 { print("") }
            }
        }
    }
    func stop() { lock.withLock { running = false } }
}
