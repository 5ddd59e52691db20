import BeatLatency
import ArgumentParser
import BreathClient
import BreathProtocol
import Foundation
import Synchronization
import SystemCalls

/// breathd's own memory over a long session with watchers attached: the real daemon (release
/// binary, real history file, real socket, real ALSA device, a pty sensor) plays an 8-hour session
/// at simulated speed and its memory is sampled every 10 simulated minutes.
///
/// Simulated speed is `breathd --clock-rate` (hidden, for benchmarks only): the engine's clock,
/// the sensor's arrival times, the audio's pacing by the monotonic clock and history's flushes
/// all run `rate` times faster; nothing else changes, so every beat, event, history write and
/// audio period of 8 hours passes through the same code as in real time. The audio device is
/// ALSA's `null` (it never paces itself, so the daemon's own pacing at `rate` rules); the sensor
/// is a pseudo-terminal the benchmark writes RR lines to at `rate` times the heart's pace.
struct MemoryBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "breathd's anonymous memory and RSS over an 8-hour session at simulated speed with 64 watchers."
    )

    @Option(help: "Hours of session (simulated).")
    var hours = 8.0

    @Option(help: "Simulated seconds per real second (breathd --clock-rate).")
    var rate = 48.0

    @Option(help: "Watchers attached during the session.")
    var watchers = 64

    @Option(help: "Simulated minutes between samples.")
    var sampleMinutes = 10.0

    @Option(help: "Simulated minutes of warm-up: growth is counted from the sample at its end (default: the first hour, or a quarter of a shorter session).")
    var warmupMinutes: Double?

    private var warmup: Double { warmupMinutes ?? min(60, hours * 60 / 4) }

    func validate() throws {
        guard hours > 0, rate >= 1, watchers >= 1, sampleMinutes > 0, warmup >= 0, warmup < hours * 60 else {
            throw ValidationError("Need hours > 0, rate >= 1, watchers >= 1, sample-minutes > 0 and a warm-up shorter than the session.")
        }
    }

    func run() throws {
        let breathd = try BenchmarkFiles.executable("breathd")
        let directory = try BenchmarkFiles.scratchDirectory("memory")
        defer { try? FileManager.default.removeItem(at: directory) }
        let socketPath = directory.appendingPathComponent("breathd.sock").path
        let sensorLink = directory.appendingPathComponent("heart").path
        let configPath = directory.appendingPathComponent("breathd.toml").path
        let historyPath = directory.appendingPathComponent("history.sqlite").path
        try """
            [audio]
            device = "null"
            [sensor]
            device = "\(sensorLink)"
            format = "rr"
            [socket]
            path = "\(socketPath)"
            [storage]
            path = "\(historyPath)"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)

        let sensor = try BeatWriter(rate: rate)
        try FileManager.default.createSymbolicLink(atPath: sensorLink, withDestinationPath: sensor.terminal.devicePath)
        sensor.start()
        defer { sensor.stop() }

        let logPath = directory.appendingPathComponent("breathd.log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath) ?? .nullDevice
        let daemon = try launch(URL(fileURLWithPath: breathd), ["--config", configPath, "--clock-rate", "\(rate)"], log: log)
        defer { stop(daemon) }
        let client = try firstConnection(socketPath: socketPath, daemon: daemon).connection

        // A minute longer than the samples span, so the last one is taken while it still runs;
        // the memory after it has finished is sampled once more at the end.
        try client.send(#"{"cmd":"start","minutes":\#(hours * 60 + 1)}"#)
        guard let started = try client.readLine(), !started.contains("\"error\"") else {
            throw ValidationError("breathd did not start the session.")
        }
        let origin = DispatchTime.now().uptimeNanoseconds
        try client.send(#"{"cmd":"watch"}"#)
        let others = try (1..<watchers).map { _ in try DaemonClient(path: socketPath) }
        let drains = WatcherDrains()
        for watcher in others {
            try watcher.watch()
            drains.drain(watcher.connection)
        }
        drains.drain(client)
        let loadBefore = loadAverage()
        let cpuBefore = processorSeconds(daemon.processIdentifier)

        // Samples at every `sampleMinutes` of session time, timed by the real clock times `rate`.
        var samples: [(minutes: Double, memory: ResidentMemory)] = []
        let count = Int((hours * 60 / sampleMinutes).rounded(.down))
        for index in 0...count {
            let minutes = Double(index) * sampleMinutes
            let dueNanoseconds = origin + UInt64(minutes * 60 / rate * 1e9)
            let now = DispatchTime.now().uptimeNanoseconds
            if dueNanoseconds > now { Thread.sleep(forTimeInterval: Double(dueNanoseconds - now) / 1e9) }
            guard daemon.isRunning, let memory = ResidentMemory(pid: daemon.processIdentifier) else {
                throw ValidationError("breathd exited at \(format(minutes, digits: 0)) simulated minutes; its log: \(logPath)")
            }
            samples.append((minutes, memory))
        }
        let wallSeconds = Double(DispatchTime.now().uptimeNanoseconds - origin) / 1e9
        let cpuPercent = 100 * (processorSeconds(daemon.processIdentifier) - cpuBefore) / wallSeconds
        let loadAfter = loadAverage()
        let attached = watchers - drains.ended
        let status = try statusAfterFreeingASlot(others.last?.connection, socketPath: socketPath)
        let sensorStatus = status["sensor"] as? [String: Any] ?? [:]
        // After the session: it finishes a simulated minute later (plus its fade); then breathd is idle.
        var afterSession: ResidentMemory?
        for _ in 0..<200 {
            Thread.sleep(forTimeInterval: 60 / rate / 4)
            if let client = try? DaemonClient(path: socketPath), let reply = try? client.status(), reply.status.state == .idle {
                afterSession = ResidentMemory(pid: daemon.processIdentifier)
                break
            }
        }

        print("breathd at \(format(rate, digits: 0))x simulated speed, \(format(hours, digits: 1)) h session, \(watchers) watchers, audio to ALSA null, RR lines on a pty")
        print("anonymous MB every \(format(sampleMinutes, digits: 0)) simulated minutes (RSS MB at the start of each hour):")
        let perRow = max(1, Int((60 / sampleMinutes).rounded()))
        for row in stride(from: 0, to: samples.count, by: perRow) {
            let slice = samples[row..<min(row + perRow, samples.count)]
            let values = slice.map { format(Double($0.memory.anonymousKilobytes) / 1024, digits: 2) }.joined(separator: " ")
            print("  \(format(slice.first!.minutes / 60, digits: 0)) h: \(values)  (RSS \(megabytes(slice.first!.memory.residentKilobytes)))")
        }
        let start = samples.first!.memory, end = samples.last!.memory
        let warm = samples.last { $0.minutes <= warmup }!.memory
        let afterWarmup = samples.filter { $0.minutes >= warmup }.map(\.memory.anonymousKilobytes)
        let growth = end.anonymousKilobytes - warm.anonymousKilobytes
        print("end: breathd's \(end.summary)")
        print("after the session finished: " + (afterSession.map { "breathd's \($0.summary)" } ?? "it did not finish"))
        print("watchers still attached at the end: \(attached) of \(watchers); sensor status: \(sensorStatus); beats written to the pty: \(sensor.beatsWritten)")
        print("wall \(format(wallSeconds, digits: 1)) s, breathd CPU \(format(cpuPercent, digits: 1)) % of one core; load average \(loadBefore) before, \(loadAfter) after")
        print("RESULT memory_hours=\(format(hours, digits: 1)) clock_rate=\(format(rate, digits: 0)) watchers=\(watchers) watchers_attached_end=\(attached) "
            + "anonymous_start_mb=\(megabytes(start.anonymousKilobytes)) anonymous_after_warmup_mb=\(megabytes(warm.anonymousKilobytes)) "
            + "anonymous_end_mb=\(megabytes(end.anonymousKilobytes)) anonymous_max_after_warmup_mb=\(megabytes(afterWarmup.max() ?? 0)) "
            + "growth_after_warmup_mb=\(megabytes(growth)) anonymous_after_session_mb=\(afterSession.map { megabytes($0.anonymousKilobytes) } ?? "none") rss_end_mb=\(megabytes(end.residentKilobytes)) "
            + "executable_mb=\(megabytes(end.executableKilobytes)) swift_runtime_mb=\(megabytes(end.swiftRuntimeKilobytes)) "
            + "system_libraries_mb=\(megabytes(end.systemLibraryKilobytes)) cpu_percent=\(format(cpuPercent, digits: 1)) "
            + "load_avg_1min=\(loadAfter.split(separator: " ").first ?? "?") goal_anonymous_mb=8 goal_growth_mb=1")
    }

    private func megabytes(_ kilobytes: Int) -> String { format(Double(kilobytes) / 1024, digits: 2) }

    /// The first three fields of /proc/loadavg (1, 5, 15 minutes).
    private func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "? ? ?"
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// A thread per watcher reading its events as a client that keeps up does; counts the watchers
/// whose connection ended (breathd drops a watcher that falls too far behind).
final class WatcherDrains: Sendable {
    private let endedCount = Atomic<Int>(0)

    var ended: Int { endedCount.load(ordering: .relaxed) }

    func drain(_ connection: DaemonConnection) {
        let owned = OwnedByOneThread(connection)
        DedicatedThread.detach(name: "watcher") { [self] in
            while (try? owned.value.readLine()) ?? nil != nil {}
            endedCount.add(1, ordering: .relaxed)
        }
    }
}
