import BreathDaemon
import BreathProtocol
import Foundation
import Logging
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
