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
    public var sampleRateHz: Double
    /// Retry delays after a failure double from the first to the second; the cap keeps reconnection
    /// within about a second of the device reappearing.
    public var retryDelaySeconds: ClosedRange<Double> = 0.05...0.8

    public init(devicePath: String, format: SensorFormat? = nil, baudRate: Int = SerialPort.defaultBaudRate, sampleRateHz: Double = 250) {
        self.devicePath = devicePath
        self.format = format
        self.baudRate = baudRate
        self.sampleRateHz = sampleRateHz
    }
}

/// Sensor events from a device, for as long as the consumer iterates: connects, beats, unplugs,
/// reconnects. Reading happens on a dedicated thread (poll(2), never blocking the concurrency
/// pool); it stops and closes the device when iteration ends or its task is cancelled. A regular
/// file is replayed once and then the sequence finishes.
public struct SensorStream: AsyncSequence, Sendable {
    public typealias Element = SensorStreamEvent

    public let configuration: SensorConfiguration
    private let logger: Logger

    public init(configuration: SensorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Stops the reader when the consumer drops it (the reader's continuation would otherwise keep
    /// the stream, and so itself, alive).
    public struct Iterator: AsyncIteratorProtocol {
        var events: AsyncStream<SensorStreamEvent>.Iterator
        let owner: ReaderOwner

        public mutating func next() async -> SensorStreamEvent? { await events.next() }
        public mutating func next(isolation actor: isolated (any Actor)?) async -> SensorStreamEvent? { await events.next(isolation: actor) }
    }

    final class ReaderOwner: Sendable {
        let stop: StopSignal?
        init(_ stop: StopSignal?) { self.stop = stop }
        deinit { stop?.raise() }
    }

    public func makeAsyncIterator() -> Iterator {
        // Bounded: a consumer stalled for minutes loses the oldest events, the reader never blocks.
        let (stream, continuation) = AsyncStream.makeStream(of: SensorStreamEvent.self, bufferingPolicy: .bufferingNewest(8192))
        var owner = ReaderOwner(nil)
        do {
            let stop = try StopSignal()
            owner = ReaderOwner(stop)
            let reader = DeviceReader(configuration: configuration, logger: logger, stop: stop, continuation: continuation)
            continuation.onTermination = { _ in stop.raise() }
            DedicatedThread.detach(name: "sensor \(configuration.devicePath)") { reader.run() }
        } catch {
            continuation.yield(.unavailable(reason: "\(error)"))
            continuation.finish()
        }
        return Iterator(events: stream.makeAsyncIterator(), owner: owner)
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

    private static let identityCheckMilliseconds: Int32 = 250

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
            continuation.yield(.connected(path: configuration.devicePath))
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
        var lastReport = ContinuousClock.now
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        var fds = [
            pollfd(fd: port.fileDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stop.pollDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        func current() -> RejectedInputCounters { reportedSoFar.adding(decoder.rejected) }
        func reportCounters(force: Bool) {
            let now = ContinuousClock.now
            let counters = current()
            guard counters != reported, force || now - lastReport >= .seconds(1) else { return }
            continuation.yield(.counters(counters))
            reported = counters
            lastReport = now
        }
        while !stop.isRaised {
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, Self.identityCheckMilliseconds)
            if ready < 0 && errno != EINTR { return ("poll: \(String(cString: strerror(errno)))", current()) }
            if stop.isRaised { break }
            if ready == 0 {
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
                    decoder.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) { output in
                        switch output {
                        case .beat(let beat): continuation.yield(.beat(beat))
                        case .formatDetected(let format): continuation.yield(.formatDetected(format))
                        case .leadsOff: continuation.yield(.leadsOff)
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
        return sum
    }
}
