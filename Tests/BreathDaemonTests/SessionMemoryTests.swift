@testable import BreathDaemon
import BreathProtocol
import Foundation
import Logging
import SystemCalls
import Testing

/// What a long session keeps in the engine's memory: its beats go to history as they come, so
/// the heap must not grow with them (an 8-hour session has ~30,000 beats; kept as `BeatRecord`s
/// they were ~3.6 MB, and copied on every append).
@Suite struct SessionMemoryTests {
    @Test func aLongSessionKeepsNoMemoryPerBeat() async throws {
        // History without a store keeps nothing either, so what is measured is the engine's own.
        let h = try EngineHarness(history: HistoryRecorder(store: nil, logger: Logger(label: "memory-test")))
        _ = try #require(await h.request(.start(StartOptions(minutes: 600))).okSession)
        var seconds = 0.0
        func feed(_ beats: Int) async {
            for beat in 0..<beats {
                seconds += 1
                // The clock moves (ticks, phases) every ten beats: the beats are what is measured.
                if beat % 10 == 9 { await h.advance(toSeconds: seconds) }
                await h.engine.addBeat(rrMilliseconds: 1000 + 50 * sin(seconds * 2 * .pi / 10))
            }
            // The test's own watcher queue holds every event until read.
            _ = await h.drain()
        }
        // Warm-up: the HRV and synchrony windows fill, the heap reaches its working size.
        await feed(1_000)
        var rounds: [Int] = []
        for _ in 0..<5 {
            let before = anonymousBytes()
            await feed(400)
            rounds.append(anonymousBytes() - before)
        }
        // Kept as `BeatRecord`s (120 bytes each, and each append copied the array, which the
        // engine's state still held), every round grew by more than 48 kB. The heap also grows
        // in steps of megabytes now and then, whatever keeps it (this process runs other tests),
        // so the median round is what counts: a structure that grows per beat grows every round.
        let median = rounds.sorted()[rounds.count / 2]
        #expect(median < 24 * 1024, "anonymous memory grew by \(rounds) bytes in rounds of 400 beats")
        #expect(await h.status().state == .running)
    }
}

/// What 64 watchers keep after falling behind once: each queue keeps the capacity it grew to, so
/// the size of a queued message is what stays for the life of the connection.
@Suite struct WatcherQueueMemoryTests {
    @Test func queuesThatFilledOnceKeepLittle() {
        // What 64 queues keep at most once each has been full: their slots (the messages' payloads
        // are freed as they are read). Inline, a message was STATUS's 648 bytes, 10.6 MB in all,
        // and filling and draining 64 queues grew this process by 13.2 MB; as one pointer, 0.25 MB
        // was measured. (The measurement itself is not asserted: the other suites running in this
        // process at the same time move the process's memory by megabytes.)
        let hub = EventHub()
        let slotsBytes = 64 * hub.capacityPerWatcher * MemoryLayout<ServerMessage>.stride
        #expect(MemoryLayout<ServerMessage>.stride <= 16)
        #expect(slotsBytes <= 256 * 1024, "64 full queues keep \(slotsBytes) bytes of slots")
    }
}

/// What a burst leaves behind: glibc keeps freed memory for reuse, so the daemon's anonymous
/// memory stayed at the highest it ever needed (64 watchers' full queues on a busy machine: ~5 MB
/// for the rest of an 8-hour run) until `HeapTrimmer` hands the free pages back.
@Suite struct HeapTrimTests {
    @Test func freedMemoryGoesBackToTheKernel() {
        // 40 MB in small blocks, as events and lines are; one in 64 stays, so the free pages are
        // scattered (not all at the top of the heap, where glibc would return them by itself).
        let blocks = (0..<160_000).map { _ in
            let block = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: 256)
            return block
        }
        for (index, block) in blocks.enumerated() where index % 64 != 0 { block.deallocate() }
        let freed = anonymousBytes()
        HeapTrim.trim()
        let trimmed = anonymousBytes()
        for (index, block) in blocks.enumerated() where index % 64 == 0 { block.deallocate() }
        #expect(freed - trimmed > 16 << 20, "anonymous memory \(freed) bytes after the burst, \(trimmed) trimmed")
    }
}

/// This process's anonymous memory (heap, stacks, what it wrote), from /proc/self/smaps_rollup:
/// glibc keeps freed heap for reuse, so this grows with what is kept and what was briefly needed
/// at once, never with what was allocated and freed over and over.
func anonymousBytes() -> Int {
    let rollup = (try? String(contentsOfFile: "/proc/self/smaps_rollup", encoding: .utf8)) ?? ""
    for line in rollup.split(separator: "\n") where line.hasPrefix("Anonymous:") {
        return (Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0) * 1024
    }
    return 0
}
