#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import Synchronization
import SystemCalls

/// Where and how to read a sensor.
public struct SensorConfiguration: Sendable, Equatable {
    public var devicePath: String
    /// nil: detect from the first lines.
    public var format: SensorFormat?
    public var baudRate: Int
    /// Of `ecg`/`ppg` input; nil: estimated from how fast lines arrive (status says so).
    public var sampleRateHz: Double?
    /// Retry delays after a failure double from the first to the second; the cap keeps reconnection
    /// within about a second of the device reappearing.
    public var retryDelaySeconds: ClosedRange<Double> = 0.05...0.8

    public init(devicePath: String, format: SensorFormat? = nil, baudRate: Int = SerialPort.defaultBaudRate, sampleRateHz: Double? = nil) {
        self.devicePath = devicePath
        self.format = format
        self.baudRate = baudRate
        self.sampleRateHz = sampleRateHz
    }
}

/// Where arrival times of sensor lines come from: the monotonic clock, or (tests replaying a
/// sensor faster than real time) a scaled one, so that rates are judged in the sensor's time.
public struct ArrivalClock: Sendable {
    public let secondsNow: @Sendable () -> Double

    public init(secondsNow: @escaping @Sendable () -> Double) { self.secondsNow = secondsNow }

    public static let monotonic = ArrivalClock {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The monotonic clock running `factor` times faster.
    public static func scaled(by factor: Double) -> ArrivalClock {
        ArrivalClock { monotonic.secondsNow() * factor }
    }
}

/// Sensor events from a device, for as long as the consumer iterates: connects, beats, unplugs,
/// reconnects. Reading happens on a dedicated thread (poll(2), never blocking the concurrency
/// pool); it stops and closes the device when iteration ends or its task is cancelled. A regular
/// file is replayed once and then the sequence finishes.
///
/// At most `capacity` events wait for the consumer. A live device cannot wait, so beyond that its
/// events are dropped and counted (`RejectedInputCounters.droppedEvents`, logged once); a
/// replayed file is read no faster than the consumer takes its events.
public struct SensorStream: AsyncSequence, Sendable {
    public typealias Element = SensorStreamEvent
    public static let defaultCapacity = 8192

    public let configuration: SensorConfiguration
    private let logger: Logger
    private let clock: ArrivalClock
    private let capacity: Int
    private let readerThreadStart: (@Sendable () -> Void)?

    /// `readerThreadStart` runs on the reader thread before it opens the device: the daemon gives
    /// the thread its scheduling there (real time, issue 16: a beat waited up to 4 ms for the
    /// reader to get a core on a busy machine).
    public init(
        configuration: SensorConfiguration, logger: Logger, clock: ArrivalClock = .monotonic, capacity: Int = SensorStream.defaultCapacity,
        readerThreadStart: (@Sendable () -> Void)? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.capacity = capacity
        self.readerThreadStart = readerThreadStart
    }

    /// Stops the reader when the consumer drops it (the reader's continuation would otherwise keep
    /// the stream, and so itself, alive).
    public struct Iterator: AsyncIteratorProtocol {
        var events: AsyncStream<SensorStreamEvent>.Iterator
        let owner: ReaderOwner

        public mutating func next() async -> SensorStreamEvent? {
            let event = await events.next()
            if let event { owner.gate.taken(event) }
            return event
        }
        public mutating func next(isolation actor: isolated (any Actor)?) async -> SensorStreamEvent? {
            let event = await events.next(isolation: actor)
            if let event { owner.gate.taken(event) }
            return event
        }
    }

    final class ReaderOwner: Sendable {
        let stop: StopSignal?
        let gate: EventGate
        init(_ stop: StopSignal?, gate: EventGate) {
            self.stop = stop
            self.gate = gate
        }
        deinit { stop?.raise() }
    }

    public func makeAsyncIterator() -> Iterator {
        // Unbounded underneath; `EventGate` bounds what waits (see the type's comment).
        let (stream, continuation) = AsyncStream.makeStream(of: SensorStreamEvent.self, bufferingPolicy: .unbounded)
        let gate = EventGate(capacity: capacity)
        var owner = ReaderOwner(nil, gate: gate)
        do {
            let stop = try StopSignal()
            owner = ReaderOwner(stop, gate: gate)
            let reader = DeviceReader(
                configuration: configuration, logger: logger, stop: stop, continuation: continuation, gate: gate, clock: clock)
            continuation.onTermination = { _ in stop.raise() }
            let readerThreadStart = readerThreadStart
            DedicatedThread.detach(name: "sensor \(configuration.devicePath)") {
                readerThreadStart?()
                reader.run()
            }
        } catch {
            continuation.yield(.unavailable(reason: "\(error)"))
            continuation.finish()
        }
        return Iterator(events: stream.makeAsyncIterator(), owner: owner)
    }
}

/// Counts the events waiting for the consumer. Rare state events (connects, counters) always pass:
/// they are few, and a loss must be reported even when the queue is full.
final class EventGate: Sendable {
    let capacity: Int
    private let waiting = Atomic<Int>(0)

    init(capacity: Int) { self.capacity = capacity }

    static func isGated(_ event: SensorStreamEvent) -> Bool {
        switch event {
        case .beat, .leadsOff, .formatDetected, .sampleRate: true
        case .connected, .disconnected, .unavailable, .counters: false
        }
    }

    /// Claims a place for `event`; false when the queue is full.
    func claim() -> Bool {
        let after = waiting.add(1, ordering: .acquiringAndReleasing).newValue
        if after <= capacity { return true }
        waiting.subtract(1, ordering: .acquiringAndReleasing)
        return false
    }

    func taken(_ event: SensorStreamEvent) {
        if Self.isGated(event) { waiting.subtract(1, ordering: .acquiringAndReleasing) }
    }
}

/// Wakes the reader thread out of poll(2) when the consumer goes away.
final class StopSignal: Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32
    private let raised = Atomic<Bool>(false)
    /// Signals alive, each owning two descriptors: a reader that never ended would show here.
    static let liveCount = Atomic<Int>(0)

    init() throws(SystemCallError) {
        var fds: [Int32] = [0, 0]
        try retryingInterrupts("pipe", "stop signal") { pipe(&fds) }
        do {
            for fd in fds {
                try retryingInterrupts("fcntl(F_SETFD)", "stop signal") { fcntl(fd, F_SETFD, FD_CLOEXEC) }
                try retryingInterrupts("fcntl(F_SETFL)", "stop signal") { fcntl(fd, F_SETFL, O_NONBLOCK) }
            }
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        readEnd = fds[0]
        writeEnd = fds[1]
        Self.liveCount.add(1, ordering: .relaxed)
    }

    deinit {
        close(readEnd)
        close(writeEnd)
        Self.liveCount.subtract(1, ordering: .relaxed)
    }

    var isRaised: Bool { raised.load(ordering: .acquiring) }
    var pollDescriptor: Int32 { readEnd }

    func raise() {
        guard !raised.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Sleeps up to `seconds`; returns false if stopped meanwhile.
    func sleep(seconds: Double) -> Bool {
        var fd = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        _ = poll(&fd, 1, Int32(seconds * 1000))
        return !isRaised
    }
}

/// The loop of one stream's thread: open, read until the device goes, wait, open again.
private struct DeviceReader: Sendable {
    let configuration: SensorConfiguration
    let logger: Logger
    let stop: StopSignal
    let continuation: AsyncStream<SensorStreamEvent>.Continuation
    let gate: EventGate
    let clock: ArrivalClock

    private static let identityCheckMilliseconds: Int32 = 250

    /// Hands `event` to the consumer. A file or a FIFO waits for room (back-pressure: a FIFO's
    /// writer then blocks, as `cat recording > fifo` expects); a live device (a serial line, a
    /// pseudo-terminal) cannot, so its event is dropped and counted. Returns false when the event
    /// was dropped.
    private func deliver(_ event: SensorStreamEvent, waiting: Bool) -> Bool {
        guard EventGate.isGated(event) else {
            continuation.yield(event)
            return true
        }
        while !gate.claim() {
            guard waiting, stop.sleep(seconds: 0.005) else { return false }
        }
        continuation.yield(event)
        return true
    }

    func run() {
        var delay = configuration.retryDelaySeconds.lowerBound
        var lastFailure: String?
        var totals = RejectedInputCounters()
        while !stop.isRaised {
            let port: SerialPort
            do {
                port = try SerialPort(path: configuration.devicePath, baudRate: configuration.baudRate)
            } catch {
                let reason = "\(error.message) (errno \(error.errno))"
                if reason != lastFailure {
                    logger.notice("sensor unavailable", metadata: ["device": "\(configuration.devicePath)", "reason": "\(error)"])
                    continuation.yield(.unavailable(reason: reason))
                    lastFailure = reason
                }
                guard stop.sleep(seconds: delay) else { break }
                delay = min(delay * 2, configuration.retryDelaySeconds.upperBound)
                continue
            }
            lastFailure = nil
            delay = configuration.retryDelaySeconds.lowerBound
            logger.info("sensor connected", metadata: ["device": "\(configuration.devicePath)"])
            _ = deliver(.connected(path: configuration.devicePath), waiting: false)
            let (reason, counters) = read(port, reportedSoFar: totals)
            totals = counters
            guard let reason else { break }
            logger.notice("sensor disconnected", metadata: ["device": "\(configuration.devicePath)", "reason": "\(reason)"])
            let replayFinished = port.kind == .regularFile && reason == "end of file"
            continuation.yield(.disconnected(reason: reason, willRetry: !replayFinished))
            if replayFinished { break }
            guard stop.sleep(seconds: delay) else { break }
        }
        continuation.finish()
    }

    /// Reads until the device goes (returns why) or the stream stops (returns nil).
    private func read(_ port: SerialPort, reportedSoFar: RejectedInputCounters) -> (String?, RejectedInputCounters) {
        var decoder = SensorDecoder(format: configuration.format, sampleRateHz: configuration.sampleRateHz)
        var reported = reportedSoFar
        var dropped = RejectedInputCounters()
        let isFile = port.kind == .regularFile
        let waitsForRoom = isFile || port.kind == .fifo
        var lastReport = ContinuousClock.now
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        // A device's path is followed by inotify where it can be; else checked on every timeout.
        let pathWatch = isFile ? nil : PathChangeWatch(path: configuration.devicePath)
        var fds = [
            pollfd(fd: port.fileDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stop.pollDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: pathWatch?.fileDescriptor ?? -1, events: Int16(POLLIN), revents: 0),
        ]
        // The path may have moved between the open and the watch: the watch sees only what follows.
        if pathWatch != nil, !port.pathStillLeadsHere { return ("device path gone", current()) }
        func current() -> RejectedInputCounters { reportedSoFar.adding(decoder.rejected).adding(dropped) }
        func reportCounters(force: Bool) {
            let now = ContinuousClock.now
            let counters = current()
            guard counters != reported, force || now - lastReport >= .seconds(1) else { return }
            continuation.yield(.counters(counters))
            reported = counters
            lastReport = now
        }
        /// How long poll may sleep: without a timer (-1) when nothing is due, so a quiet line costs
        /// no wake-ups; a timer while the format is being detected (the decoder decides after a
        /// quiet spell), while counters wait to be reported, or when the path has no inotify watch.
        // Bytes arrived while the format is undecided: the decoder may decide after a quiet spell
        // (SensorDecoder.idle, 0.5 s); once it has been asked after one, asking again without new
        // bytes changes nothing.
        var quietDecisionDue = false
        var lastBytesSeconds = 0.0
        func timeoutMilliseconds() -> Int32 {
            if pathWatch == nil || (!isFile && decoder.format == nil && quietDecisionDue) { return Self.identityCheckMilliseconds }
            if current() != reported { return 1000 }
            return -1
        }
        // The timer runs from the last wake-up other than the path watch's: the watched directory
        // can change all the time (/dev/pts with every terminal anyone opens), and restarting the
        // timer at each change put off the quiet-spell decision for as long as terminals came and
        // went (a test saw a format decided 113 s late beside a process opening terminals).
        var timerStart = ContinuousClock.now
        while !stop.isRaised {
            fds[0].revents = 0
            fds[1].revents = 0
            fds[2].revents = 0
            let timeout = timeoutMilliseconds()
            let left = timeout < 0 ? timeout : Int32(max(0, Double(timeout) - (ContinuousClock.now - timerStart) / .milliseconds(1)))
            let ready = poll(&fds, 3, left)
            if ready < 0 && errno != EINTR { return ("poll: \(String(cString: strerror(errno)))", current()) }
            if stop.isRaised { break }
            if fds[2].revents != 0 {
                pathWatch?.drain()
                if !port.pathStillLeadsHere { return ("device path gone", current()) }
                let timerDue = timeout >= 0 && ContinuousClock.now - timerStart >= .milliseconds(timeout)
                if fds[0].revents == 0 && !timerDue { continue }
            }
            timerStart = ContinuousClock.now
            if ready == 0 || (ready > 0 && fds[0].revents == 0) {
                if !isFile {
                    let nowSeconds = clock.secondsNow()
                    if nowSeconds - lastBytesSeconds > 0.6 { quietDecisionDue = false }
                    decoder.idle(nowSeconds: nowSeconds) { output in
                        let event: SensorStreamEvent
                        switch output {
                        case .beat(let beat): event = .beat(beat)
                        case .formatDetected(let format): event = .formatDetected(format)
                        case .leadsOff: event = .leadsOff
                        case .sampleRate(let hz, let estimated): event = .sampleRate(hz: hz, estimated: estimated)
                        }
                        if !deliver(event, waiting: false) { dropped.droppedEvents += 1 }
                    }
                }
                reportCounters(force: true)
                // A USB adapter unplugged and replugged can come back under the same name as a
                // new device while the old descriptor stays silent: follow the path.
                if port.kind != .regularFile, !port.pathStillLeadsHere { return ("device path gone", current()) }
                continue
            }
            guard fds[0].revents != 0 else { continue }
            do {
                switch try port.read(into: buffer) {
                case .bytes(let n):
                    let arrival = isFile ? nil : clock.secondsNow()
                    if let arrival {
                        lastBytesSeconds = arrival
                        quietDecisionDue = true
                    }
                    decoder.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), arrivalSeconds: arrival) { output in
                        let event: SensorStreamEvent
                        switch output {
                        case .beat(let beat): event = .beat(beat)
                        case .formatDetected(let format): event = .formatDetected(format)
                        case .leadsOff: event = .leadsOff
                        case .sampleRate(let hz, let estimated): event = .sampleRate(hz: hz, estimated: estimated)
                        }
                        if !deliver(event, waiting: waitsForRoom) {
                            if dropped.droppedEvents == 0 && reportedSoFar.droppedEvents == 0 {
                                logger.warning(
                                    "sensor events dropped: the consumer fell behind; counted in status (dropped_events)",
                                    metadata: ["device": "\(configuration.devicePath)"])
                            }
                            dropped.droppedEvents += 1
                        }
                    }
                    reportCounters(force: false)
                case .wouldBlock:
                    // POLLHUP with nothing to read: the other side is gone.
                    if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return ("hang-up", current()) }
                case .endOfFile:
                    reportCounters(force: true)
                    return ("end of file", current())
                }
            } catch {
                return ("\(error.message) (errno \(error.errno))", current())
            }
        }
        return (nil, current())
    }
}

extension RejectedInputCounters {
    func adding(_ other: RejectedInputCounters) -> RejectedInputCounters {
        var sum = self
        for (kind, n) in other.counts { sum.counts[kind, default: 0] += n }
        sum.leadsOffSamples += other.leadsOffSamples
        sum.chatterLines += other.chatterLines
        sum.droppedEvents += other.droppedEvents
        return sum
    }
}
