import BreathTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 16 (wake-ups): breathd runs nothing on Swift's global executor. Its first job there
/// starts a worker of Dispatch's global (non-overcommit) pool, and the first such worker arms
/// libdispatch's workqueue monitor: a timer on Dispatch's manager thread that fires once a second
/// for the life of the process (swift-corelibs-libdispatch `src/event/workqueue.c`), the idle
/// daemon's one wake-up a second. The timer is a timerfd of its own beside the event loop's, kept
/// once created, so counting timerfds sees it however long ago it was armed (no timing involved).
@Suite(.serialized) struct GlobalExecutorEndToEndTests {
    @Test func aSessionWithBeatsFlushesWatchersAndAReloadArmsNoDispatchTimer() throws {
        let daemon = try DaemonHarness()
        let fifo = try SensorFIFO(in: daemon.directory)
        try daemon.reconfigure(sensor: fifo.path)
        try daemon.start()
        try fifo.open()
        let watcher = try daemon.client()
        _ = try watcher.readObject()
        try watcher.send(#"{"cmd":"watch"}"#)
        let id = try #require(try daemon.request(#"{"cmd":"start","minutes":10}"#)["session"] as? Int)
        let beats = try rrRecording("nsr_5min.txt")
        // Two flushes of the history (each one waits on the event loop's clock and ends a wait),
        // beats through the sensor thread and the engine, requests that read history, a SIGHUP.
        // (The artifact classifier decides a beat 3 beats later: 10 written, 7 recorded.)
        for (batch, committedAtLeast) in [(0..<10, 5), (10..<20, 15)] {
            fifo.write(rrMilliseconds: Array(beats[batch]))
            try waitUntil("\(committedAtLeast) beats of the running session are committed") {
                let stored = try daemon.request(#"{"cmd":"session","id":\#(id)}"#)["beats"] as? [[String: Any]]
                return (stored?.count ?? 0) >= committedAtLeast
            }
        }
        _ = try daemon.request(#"{"cmd":"history"}"#)
        kill(daemon.processID, SIGHUP)
        try waitUntil("the configuration is reloaded") { daemon.log.contains("SIGHUP: configuration reloaded") }
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.processID)/fd")
        let timers = descriptors.filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(daemon.processID)/fd/\($0)")) == "anon_inode:[timerfd]"
        }
        #expect(timers.count == 1, "timerfds: \(timers.count) (the event loop's is one; another is Dispatch's)")
        // Workers of the global pool linger 5 s after their last job: one started by these
        // requests would still be here. Their names end in "-qos" ("com.apple.root.default-qos",
        // kept to the last 15 characters); the overcommit pool's, which serve serial queues
        // (GRDB's), end in ".overcommit" and do not arm the monitor.
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.processID)/task")
        let names = tasks.compactMap {
            try? String(contentsOfFile: "/proc/\(daemon.processID)/task/\($0)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(names.filter { $0.hasSuffix("-qos") }.isEmpty, "threads: \(names)")
        _ = try daemon.request(#"{"cmd":"stop"}"#)
        fifo.close()
        #expect(daemon.terminate() == 0)
    }
}
