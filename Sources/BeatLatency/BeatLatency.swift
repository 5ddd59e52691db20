import BreathClient
import Sensor
import Synchronization
import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

// Beat on the serial line → its METRICS (and BEAT) line received by a watcher, over all watchers
// (issue 16, goal p99 < 2 ms at 64 watchers). How it is measured, so that the figure is the
// daemon's and not the benchmark's own (until 2026-11-27 each of the 64 reader threads decoded a
// String with Foundation, searched it, and took a lock shared by all readers and the beat writer
// before it read the clock, so that its parsing and a lock convoy on 2 cores landed inside the
// figure):
// - The beat's time is taken when write(2) of its RR line to the pseudo-terminal returned (the
//   line is on the serial line then; the system call itself is the benchmark's, not breathd's).
//   The time before the call is kept too: a writer preempted right after write() returned could
//   take its clock after the daemon already answered, and then the time before is used (counted).
// - Each of the 64 watchers is a real socket connection read by a thread of its own (real watchers
//   are separate processes). The thread reads the clock the moment read(2) returns, before it
//   looks at the bytes; it then finds the lines' class and beat index by byte comparison and
//   appends to an array only it touches, handed over when its connection ends. No lock is taken
//   on the way; the last beat's write time is read from an atomic, only to count events read
//   after a later beat had been written.
// - A beat's events are matched to the RR line whose write started last before the first watcher
//   received them (breathd reports a beat once later beats decided it, so the event's beat index
//   is not the line's). Only beats written inside the window count: the window opens once all
//   watchers read and METRICS flow (the HRV window is full), so no backlog of an earlier beat
//   is read inside it (the 835 ms "outlier" of the earlier instrument was that: one watcher began
//   reading only when the window opened, and its backlog of three earlier beats was timed from
//   the newest beat).

/// A connection handed to the one thread that uses it from then on.
public final class OwnedByOneThread<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// CLOCK_MONOTONIC in nanoseconds (through the vDSO: no system call).
@inline(__always)
public func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
}

/// Writes RR lines at about 62 beats a minute (`rate` times faster: simulated speed) to a
/// pseudo-terminal and remembers when it wrote each.
public final class BeatWriter: Sendable {
    /// One RR line: CLOCK_MONOTONIC before write(2) was called and when it returned.
    public struct Write: Sendable {
        public let startNanoseconds: UInt64
        public let writtenNanoseconds: UInt64
    }

    public let terminal: PseudoTerminal
    public let rate: Double
    /// When write(2) of the last RR line returned (CLOCK_MONOTONIC ns); 0 before the first.
    public let lastWrittenNanoseconds = Atomic<UInt64>(0)
    private let running = Atomic<Bool>(true)
    private let paused = Atomic<Bool>(false)
    private let written = Atomic<Int>(0)
    /// Every line written, in order: appended by the writer thread, read once measuring is over.
    private let log = Mutex<[Write]>([])

    public init(rate: Double = 1) throws {
        terminal = try PseudoTerminal()
        self.rate = rate
    }

    public func start() {
        DedicatedThread.detach(name: "beats") { [self] in
            var generator = SystemRandomNumberGenerator()
            var beat = 0.0
            // Each beat is due at the sum of the RR intervals so far, so sleeping late never drifts.
            let start = monotonicNanoseconds()
            var dueSeconds = 0.0
            while running.load(ordering: .relaxed) {
                // A breathing-like swing plus noise, around 968 ms.
                let rr = 968 + 60 * sin(beat * 2 * .pi / 11) + Double.random(in: -15...15, using: &generator)
                beat += 1
                dueSeconds += rr / 1000 / rate
                let waitSeconds = dueSeconds - Double(monotonicNanoseconds() - start) / 1e9
                if waitSeconds > 0 { usleep(UInt32(waitSeconds * 1e6)) }
                if paused.load(ordering: .relaxed) { continue }
                let line = Array("\(Int(rr.rounded()))\r\n".utf8)
                let before = monotonicNanoseconds()
                let count = (try? terminal.write(line)) ?? 0
                let after = monotonicNanoseconds()
                // A line the terminal's buffer did not take (nobody reading) never reached breathd.
                guard count == line.count else { continue }
                lastWrittenNanoseconds.store(after, ordering: .releasing)
                written.add(1, ordering: .relaxed)
                log.withLock { $0.append(Write(startNanoseconds: before, writtenNanoseconds: after)) }
            }
        }
    }

    public func stop() { running.store(false, ordering: .relaxed) }
    /// Beats stop reaching the line (a strap taken off) until `resume`.
    public func pause() { paused.store(true, ordering: .relaxed) }
    public func resume() { paused.store(false, ordering: .relaxed) }

    /// RR lines written so far.
    public var beatsWritten: Int { written.load(ordering: .relaxed) }

    /// The lines written so far, oldest first.
    public var writes: [Write] { log.withLock { $0 } }
}

/// The watch-stream events the latency is measured to.
public enum WatchEventKind: UInt8, Sendable, CaseIterable {
    case beat, metrics

    public var className: String {
        switch self {
        case .beat: "BEAT"
        case .metrics: "METRICS"
        }
    }
}

/// One event line as a watcher received it.
public struct ReceivedEvent: Sendable {
    /// CLOCK_MONOTONIC when the read(2) that completed the line returned.
    public let receivedNanoseconds: UInt64
    /// `BeatWriter.lastWrittenNanoseconds` just after (a check, not the measurement).
    public let lastWrittenNanoseconds: UInt64
    public let beat: Int
    public let kind: WatchEventKind
}

/// A watcher connection read by a thread of its own, raw: the clock first, the bytes after.
public final class WatcherReader: Sendable {
    /// What the reader thread hands over: its events once its connection ended.
    private final class Results: Sendable {
        let received = Mutex<[ReceivedEvent]>([])
        let metricsSeen = Atomic<Bool>(false)
    }

    private let connection: OwnedByOneThread<DaemonClient>
    private let thread: DedicatedThread
    private let results: Results

    /// Starts reading `client`, which already watches.
    public init(_ client: DaemonClient, writer: BeatWriter) throws {
        let connection = OwnedByOneThread(client)
        let results = Results()
        self.results = results
        self.connection = connection
        thread = try DedicatedThread(name: "watcher") { [fd = client.connection.fileDescriptor] in
            let events = Self.read(fd, writer: writer) { results.metricsSeen.store(true, ordering: .relaxed) }
            _ = connection  // keeps the socket open while it is read
            results.received.withLock { $0 = events }
        }
    }

    /// True once this watcher received a METRICS line.
    public var sawMetrics: Bool { results.metricsSeen.load(ordering: .relaxed) }

    /// Ends the connection and waits for the reader; the events it received, in order.
    public func finish() -> [ReceivedEvent] {
        connection.value.connection.shutdown()
        thread.join()
        return results.received.withLock { $0 }
    }

    /// Reads until end of stream. `firstMetrics` runs once, when the first METRICS line arrives.
    private static func read(_ fd: Int32, writer: BeatWriter, firstMetrics: () -> Void) -> [ReceivedEvent] {
        var events: [ReceivedEvent] = []
        events.reserveCapacity(16_384)
        var sawMetrics = false
        let capacity = 1 << 18
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        // Bytes of an unfinished line kept at the front of the buffer; a line longer than the
        // buffer (none of the events measured) is skipped to its end.
        var kept = 0
        var skippingLongLine = false
        while true {
            let n = Glibc.read(fd, buffer + kept, capacity - kept)
            let now = monotonicNanoseconds()
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            let lastWritten = writer.lastWrittenNanoseconds.load(ordering: .acquiring)
            let end = kept + n
            var lineStart = 0
            var scan = kept
            while scan < end, let found = memchr(buffer + scan, Int32(UInt8(ascii: "\n")), end - scan) {
                let newline = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if !skippingLongLine, let (kind, beat) = eventKindAndBeat(UnsafeBufferPointer(start: buffer + lineStart, count: newline - lineStart)) {
                    events.append(ReceivedEvent(receivedNanoseconds: now, lastWrittenNanoseconds: lastWritten, beat: beat, kind: kind))
                    if kind == .metrics, !sawMetrics {
                        sawMetrics = true
                        firstMetrics()
                    }
                }
                skippingLongLine = false
                lineStart = newline + 1
                scan = lineStart
            }
            kept = end - lineStart
            if kept == capacity {
                kept = 0
                skippingLongLine = true
            } else if lineStart > 0, kept > 0 {
                memmove(buffer, buffer + lineStart, kept)
            }
        }
        return events
    }

    private static let classPrefix = Array(#"{"class":""#.utf8)
    private static let beatKey = Array(#""beat":"#.utf8)
    private static let classNames = WatchEventKind.allCases.map { (kind: $0, name: Array(($0.className + "\"").utf8)) }

    /// The class and beat index of a BEAT or METRICS line (`{"class":"BEAT","beat":123,...`);
    /// nil for other lines. Byte comparisons only: the protocol puts `class` first and the other
    /// keys in sorted order, so `beat` comes next in both.
    public static func eventKindAndBeat(_ line: UnsafeBufferPointer<UInt8>) -> (WatchEventKind, Int)? {
        guard line.starts(with: classPrefix) else { return nil }
        let afterPrefix = line[classPrefix.count...]
        guard let (kind, name) = classNames.first(where: { afterPrefix.starts(with: $0.name) }) else { return nil }
        // The key is searched within the next few dozen bytes, in case a key sorting before it is added.
        var index = classPrefix.count + name.count
        let limit = min(line.count - beatKey.count, index + 64)
        while index <= limit, !line[index...].starts(with: beatKey) { index += 1 }
        guard index <= limit else { return nil }
        index += beatKey.count
        var beat = 0, digits = 0
        while index < line.count, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9") {
            beat = beat * 10 + Int(line[index] - UInt8(ascii: "0"))
            index += 1
            digits += 1
        }
        return digits > 0 ? (kind, beat) : nil
    }
}

/// The latencies of one kind of event over a window of beats.
public struct BeatLatencies {
    /// Microseconds from the beat's line written to the event received, every watcher's.
    public var all: [Double] = []
    /// Per beat, the first watcher's (the daemon's own part, before the readers queue for the
    /// cores) and the last one's (all watchers served).
    public var first: [Double] = []
    public var last: [Double] = []
    /// Events of beats written before or after the window, left out.
    public var outsideWindow = 0
    /// Beats that fewer than all watchers received.
    public var incompleteBeats = 0
    /// Events read when a later beat had been written already (the atomic's value was newer).
    public var readAfterLaterBeat = 0
    /// Beats whose writer took its clock after a watcher had received the event (preempted after
    /// write() returned): timed from before write() instead.
    public var writerLate = 0
    /// Beat indices whose events followed the same RR line as another index's (breathd reporting
    /// two decided beats after one line); each is timed from that line.
    public var sharedLines = 0
    public var worst: (beat: Int, microseconds: Double)?

    /// Matches `events` (every watcher's) of `kind` to the RR lines in `writes`.
    public init(_ events: [[ReceivedEvent]], kind: WatchEventKind, writes: [BeatWriter.Write], window: ClosedRange<UInt64>, watchers: Int) {
        var byBeat: [Int: [ReceivedEvent]] = [:]
        for watcher in events {
            for event in watcher where event.kind == kind { byBeat[event.beat, default: []].append(event) }
        }
        var linesUsed = Set<Int>()
        for (beat, received) in byBeat.sorted(by: { $0.key < $1.key }) {
            let firstReceived = received.map(\.receivedNanoseconds).min()!
            // The last line whose write started before the first watcher had the event.
            var low = 0, high = writes.count
            while low < high {
                let middle = (low + high) / 2
                if writes[middle].startNanoseconds <= firstReceived { low = middle + 1 } else { high = middle }
            }
            guard low > 0, window.contains(writes[low - 1].writtenNanoseconds) else {
                outsideWindow += received.count
                continue
            }
            let line = writes[low - 1]
            if !linesUsed.insert(low - 1).inserted { sharedLines += 1 }
            var written = line.writtenNanoseconds
            if written > firstReceived {
                writerLate += 1
                written = line.startNanoseconds
            }
            let latencies = received.map { Double($0.receivedNanoseconds - written) / 1000 }
            readAfterLaterBeat += received.filter { $0.lastWrittenNanoseconds > line.writtenNanoseconds }.count
            all += latencies
            first.append(latencies.min()!)
            last.append(latencies.max()!)
            if received.count < watchers { incompleteBeats += 1 }
            if let highest = latencies.max(), highest > worst?.microseconds ?? -1 { worst = (beat, highest) }
        }
    }
}
