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
        let terminal = try PseudoTerminal()
        let capacity = 100
        var events = SensorStream(
            configuration: SensorConfiguration(devicePath: terminal.devicePath, format: .rr), logger: Logger(label: "test"), capacity: capacity
        ).makeAsyncIterator()
        #expect(await events.next(where: isConnected) != nil)
        let lines = 2000
        // The terminal takes a few KiB at a time (its writes do not block): the rest as it reads.
        let bytes = Array((0..<lines).map { "\(800 + $0 % 200)\n" }.joined().utf8)
        var offset = 0
        while offset < bytes.count {
            let written = try terminal.write(Array(bytes[offset...]))
            offset += written
            if written == 0 { try await Task.sleep(for: .milliseconds(1)) }
        }
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

    /// A FIFO waits like a file (`cat recording > fifo`): its writer blocks while the consumer is
    /// behind, and every line becomes a beat. (It was read as a live device: 100k lines gave 34,441
    /// beats and 65,559 dropped.)
    @Test func aFIFOLosesNoBeatToASlowConsumer() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let capacity = 100
        var events = SensorStream(configuration: SensorConfiguration(devicePath: fifo, format: .rr), logger: Logger(label: "test"), capacity: capacity)
            .makeAsyncIterator()
        #expect(await events.next(where: isConnected) != nil)
        let lines = 20_000
        let text = (0..<lines).map { "\(800 + $0 % 200)\n" }.joined()
        // The writer blocks while the consumer stalls: on a thread of its own.
        let writer = Thread {
            let descriptor = open(fifo, O_WRONLY)
            _ = text.withCString { pointer in
                var offset = 0
                let count = strlen(pointer)
                while offset < count {
                    let written = write(descriptor, pointer + offset, count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
            close(descriptor)
        }
        writer.start()
        try await Task.sleep(for: .milliseconds(500))  // the consumer stalls
        var beats = 0
        var dropped = 0
        while beats + dropped < lines, let event = await events.next() {
            switch event {
            case .beat: beats += 1
            case .counters(let c): dropped = c.droppedEvents
            default: break
            }
        }
        #expect(beats == lines)
        #expect(dropped == 0)
    }
}
