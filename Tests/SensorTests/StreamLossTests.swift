import Foundation
import Logging
import Testing

@testable import Sensor

/// Issue 16 item 2: the stream kept the newest 8192 events and dropped the rest without a word;
/// a 100k-line RR file replay gave 40,783 beats.
@Suite(.serialized, .timeLimit(.minutes(3))) struct StreamLossTests {
    /// A replayed file waits for the consumer: every line is a beat, however slow the consumer.
    @Test func aFileReplayLosesNoBeatToASlowConsumer() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/100k.txt"
        let lines = 100_000
        try (0..<lines).map { "\(800 + $0 % 200)\n" }.joined().write(toFile: file, atomically: true, encoding: .utf8)
        var events = SensorStream(configuration: SensorConfiguration(devicePath: file), logger: Logger(label: "test")).makeAsyncIterator()
        // The consumer falls behind: it takes nothing while the reader could read the whole file.
        try await Task.sleep(for: .milliseconds(500))
        var beats = 0
        var last = RejectedInputCounters()
        while let event = await events.next() {
            switch event {
            case .beat: beats += 1
            case .counters(let c): last = c
            default: break
            }
        }
        #expect(beats == lines)
        #expect(last.droppedEvents == 0)
    }

    /// A live device cannot wait: what does not fit is dropped, and every dropped event is counted.
    @Test func aLiveDeviceCountsEveryDroppedEvent() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let capacity = 100
        var events = SensorStream(configuration: SensorConfiguration(devicePath: fifo, format: .rr), logger: Logger(label: "test"), capacity: capacity)
            .makeAsyncIterator()
        #expect(await events.next(where: isConnected) != nil)
        let lines = 2000
        let writer = open(fifo, O_WRONLY)
        let text = (0..<lines).map { "\(800 + $0 % 200)\n" }.joined()
        _ = text.withCString { write(writer, $0, strlen($0)) }
        close(writer)
        try await Task.sleep(for: .milliseconds(500))  // the consumer stalls; the reader keeps reading
        var beats = 0
        var dropped = 0
        while beats + dropped < lines, let event = await events.next() {
            switch event {
            case .beat: beats += 1
            case .counters(let c): dropped = c.droppedEvents
            default: break
            }
        }
        print("live device, consumer stalled: \(beats) beats delivered, \(dropped) counted as dropped, of \(lines)")
        #expect(beats + dropped == lines)
        #expect(beats >= capacity)
    }
}
