import Logging
import Sensor
import Systemd
import Synchronization
import SystemCalls

#if canImport(Glibc)
import Glibc
#endif

/// Where and how to reach a Bluetooth LE heart-rate strap.
public struct BluetoothSensorConfiguration: Sendable, Equatable {
    public var address: BluetoothAddress
    /// The bus bluetoothd is on; nil: the system bus (`DBUS_SYSTEM_BUS_ADDRESS`, else
    /// /run/dbus/system_bus_socket). Tests give a private bus here.
    public var busAddress: String?
    /// Between attempts; doubles after each failed one, back to the lower bound once streaming.
    public var retryDelaySeconds: ClosedRange<Double> = 0.5...8
    /// How long a `Connect` may take before it counts as failed (bluetoothd's own LE timeout is shorter).
    public var connectTimeoutSeconds = 60.0
    /// How long a connected strap may take to have its GATT services resolved.
    public var servicesTimeoutSeconds = 30.0

    public init(address: BluetoothAddress, busAddress: String? = nil) {
        self.address = address
        self.busAddress = busAddress
    }

    /// What `.connected(path:)` names: the configured device string.
    public var devicePath: String { BluetoothAddress.devicePrefix + address.text }
}

/// Sensor events from a Bluetooth LE heart-rate strap through bluetoothd, for as long as the
/// consumer iterates: connects, beats, connection losses, reconnects. The same events as a serial
/// `SensorStream`, so the daemon and `breathctl sensor` treat both alike.
///
/// The strap is connected with `org.bluez.Device1.Connect`, its Heart Rate Measurement
/// characteristic is found under the device by UUID and `StartNotify`'d, and each notification is
/// the `Value` in a `PropertiesChanged` signal. Connection loss is normal (the strap sleeps, walks
/// out of range, or drops after ~150 s as an H10 does on some Linux machines): the stream
/// reconnects on its own. A missing bluetoothd, a powered-off adapter or an unknown address is an
/// `.unavailable` event with the reason, retried, never an end.
///
/// The bus is read on a dedicated thread (poll(2)), never blocking the concurrency pool.
public struct BluetoothHeartRateStream: AsyncSequence, Sendable {
    public typealias Element = SensorStreamEvent

    public let configuration: BluetoothSensorConfiguration
    private let logger: Logger

    public init(configuration: BluetoothSensorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public struct Iterator: AsyncIteratorProtocol {
        var events: AsyncStream<SensorStreamEvent>.Iterator
        let owner: WakeupOwner

        public mutating func next() async -> SensorStreamEvent? { await events.next() }
        public mutating func next(isolation actor: isolated (any Actor)?) async -> SensorStreamEvent? { await events.next(isolation: actor) }
    }

    /// Stops the link thread when the consumer drops the iterator.
    final class WakeupOwner: Sendable {
        let wakeup: Wakeup?
        init(_ wakeup: Wakeup?) { self.wakeup = wakeup }
        deinit { wakeup?.raise() }
    }

    public func makeAsyncIterator() -> Iterator {
        let (stream, continuation) = AsyncStream.makeStream(of: SensorStreamEvent.self, bufferingPolicy: .bufferingNewest(8192))
        guard let wakeup = Wakeup() else {
            continuation.yield(.unavailable(reason: "pipe: \(String(cString: strerror(errno)))"))
            continuation.finish()
            return Iterator(events: stream.makeAsyncIterator(), owner: WakeupOwner(nil))
        }
        continuation.onTermination = { _ in wakeup.raise() }
        let configuration = configuration
        let logger = logger
        DedicatedThread.detach(name: "bluetooth \(configuration.address)") {
            StrapLink(configuration: configuration, logger: logger, wakeup: wakeup, continuation: continuation).run()
        }
        return Iterator(events: stream.makeAsyncIterator(), owner: WakeupOwner(wakeup))
    }
}

/// A pipe that wakes the link thread out of poll(2).
final class Wakeup: Sendable {
    let descriptor: Int32
    private let writeEnd: Int32
    private let raised = Atomic<Bool>(false)

    init?() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        descriptor = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        close(descriptor)
        close(writeEnd)
    }

    var isRaised: Bool { raised.load(ordering: .acquiring) }

    func raise() {
        guard !raised.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Sleeps up to `seconds`; false if raised meanwhile.
    func sleep(seconds: Double) -> Bool {
        var fd = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        _ = poll(&fd, 1, Int32(seconds * 1000))
        return !isRaised
    }
}

/// The link's state machine, on its own thread with its own bus connection.
private final class StrapLink {
    let configuration: BluetoothSensorConfiguration
    let logger: Logger
    let wakeup: Wakeup
    let continuation: AsyncStream<SensorStreamEvent>.Continuation

    private var bus: BusConnection?
    private var phase: Phase = .waiting(until: .now)
    private var delaySeconds: Double
    private var lastProblem: String?
    private var decoder = HeartRateNotificationDecoder()
    private var reportedRejected = RejectedInputCounters()
    private var formatReported = false

    private enum Phase {
        /// Nothing in progress; the next attempt is due then.
        case waiting(until: ContinuousClock.Instant)
        /// `Device1.Connect` sent; its reply has this cookie.
        case connecting(device: String, cookie: UInt64, deadline: ContinuousClock.Instant)
        /// Connected; waiting for `ServicesResolved`.
        case resolving(device: String, deadline: ContinuousClock.Instant)
        case streaming(device: String, characteristic: String, adapter: String)
    }

    init(configuration: BluetoothSensorConfiguration, logger: Logger, wakeup: Wakeup, continuation: AsyncStream<SensorStreamEvent>.Continuation) {
        self.configuration = configuration
        self.logger = logger
        self.wakeup = wakeup
        self.continuation = continuation
        delaySeconds = configuration.retryDelaySeconds.lowerBound
    }

    private var address: String { configuration.address.text }

    func run() {
        defer { continuation.finish() }
        while !wakeup.isRaised {
            guard let bus = bus ?? openBus() else {
                guard wakeup.sleep(seconds: delaySeconds) else { return }
                delaySeconds = min(delaySeconds * 2, configuration.retryDelaySeconds.upperBound)
                continue
            }
            do {
                try checkDeadlines(bus)
                while let message = try bus.next() {
                    try handle(message, on: bus)
                    if wakeup.isRaised { return }
                }
                wait(on: bus)
            } catch {
                busLost(error)
            }
        }
    }

    // MARK: The bus

    private func openBus() -> BusConnection? {
        do {
            let bus = try BusConnection(address: configuration.busAddress)
            for rule in BlueZ.matchRules { try bus.addMatch(rule) }
            self.bus = bus
            phase = .waiting(until: .now)
            return bus
        } catch {
            problem("cannot reach the system bus: \(error)")
            return nil
        }
    }

    private func busLost(_ error: BusError) {
        bus = nil
        if case .streaming = phase { lost("the system bus connection broke (\(error))") }
        problem("the system bus connection broke: \(error)")
    }

    private func wait(on bus: BusConnection) {
        var fds = [bus.pollDescriptor, pollfd(fd: wakeup.descriptor, events: Int16(POLLIN), revents: 0)]
        var timeout = 250
        if let busTimeout = bus.timeoutMilliseconds { timeout = min(timeout, busTimeout) }
        if let due = nextDeadline {
            let left = ContinuousClock.now.duration(to: due)
            timeout = max(0, min(timeout, Int(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
        }
        _ = poll(&fds, 2, Int32(timeout))
    }

    private var nextDeadline: ContinuousClock.Instant? {
        switch phase {
        case .waiting(let until): until
        case .connecting(_, _, let deadline), .resolving(_, let deadline): deadline
        case .streaming: nil
        }
    }

    // MARK: Steps

    private func checkDeadlines(_ bus: BusConnection) throws(BusError) {
        let now = ContinuousClock.now
        switch phase {
        case .waiting(let until) where now >= until:
            try attempt(on: bus)
        case .connecting(_, _, let deadline) where now >= deadline:
            problem("connecting to \(address) timed out")
        case .resolving(let device, let deadline) where now >= deadline:
            try? call(bus, device, BlueZ.device, "Disconnect")
            problem("\(address) connected but its services were not resolved")
        default:
            break
        }
    }

    /// Looks at what bluetoothd knows and takes the next step towards notifications.
    private func attempt(on bus: BusConnection) throws(BusError) {
        let objects: BlueZObjects
        do {
            objects = try BlueZObjects.fetch(on: bus)
        } catch {
            try reportCallFailure(error, doing: "asking bluetoothd for its devices")
            return
        }
        guard let device = objects.device(address: configuration.address) else {
            let noAdapter = objects.adapters.isEmpty ? " (bluetoothd has no adapter)" : ""
            problem("\(address) is not known to bluetoothd\(noAdapter): pair it once with bluetoothctl (docs/bluetooth.md)")
            return
        }
        let adapterPath = device.properties["Adapter"]?.string ?? ""
        guard objects.adapter(path: adapterPath)?["Powered"]?.bool == true else {
            problem("Bluetooth adapter \(adapterPath.split(separator: "/").last.map(String.init) ?? "?") is powered off")
            return
        }
        let now = ContinuousClock.now
        if device.properties["Connected"]?.bool == true {
            if device.properties["ServicesResolved"]?.bool == true {
                try startNotifications(objects: objects, device: device.path, adapter: adapterPath, on: bus)
            } else {
                phase = .resolving(device: device.path, deadline: now + .seconds(configuration.servicesTimeoutSeconds))
            }
            return
        }
        logger.debug("connecting", metadata: ["address": "\(address)"])
        let connect = try bus.methodCall(destination: BlueZ.service, path: device.path, interface: BlueZ.device, member: "Connect")
        let cookie = try bus.send(connect)
        phase = .connecting(device: device.path, cookie: cookie, deadline: now + .seconds(configuration.connectTimeoutSeconds))
    }

    private func startNotifications(objects: BlueZObjects, device: String, adapter: String, on bus: BusConnection) throws(BusError) {
        guard let characteristic = objects.heartRateMeasurement(under: device) else {
            problem("\(address) offers no Heart Rate Measurement characteristic (0x2A37)")
            return
        }
        do {
            try call(bus, characteristic, BlueZ.characteristic, "StartNotify")
        } catch where error.errorName == "org.bluez.Error.InProgress" {
            // Already notifying for this connection of ours.
        } catch {
            try reportCallFailure(error, doing: "StartNotify on \(address)")
            return
        }
        phase = .streaming(device: device, characteristic: characteristic, adapter: adapter)
        lastProblem = nil
        delaySeconds = configuration.retryDelaySeconds.lowerBound
        decoder.connectionStarted()
        logger.info("heart-rate strap streaming", metadata: ["address": "\(address)", "characteristic": "\(characteristic)"])
        continuation.yield(.connected(path: configuration.devicePath))
        if !formatReported {
            formatReported = true
            continuation.yield(.formatDetected(.bleHRM))
        }
    }

    private func call(_ bus: BusConnection, _ path: String, _ interface: String, _ member: String) throws(BusError) {
        let message = try bus.methodCall(destination: BlueZ.service, path: path, interface: interface, member: member)
        _ = try bus.call(message)
    }

    /// A D-Bus error reply is a reason to wait and retry; a broken bus is thrown to `run`.
    private func reportCallFailure(_ error: BusError, doing what: String) throws(BusError) {
        guard error.errorName != nil || error.errno == ETIMEDOUT else { throw error }
        problem(BlueZ.failureReason(error, doing: what))
    }

    // MARK: Incoming messages

    private func handle(_ message: BusMessage, on bus: BusConnection) throws(BusError) {
        if let cookie = message.replyCookie, case .connecting(let device, let pending, _) = phase, cookie == pending {
            if let error = message.error {
                problem(BlueZ.failureReason(error, doing: "connecting to \(address)"))
            } else {
                phase = .resolving(device: device, deadline: .now + .seconds(configuration.servicesTimeoutSeconds))
                try attempt(on: bus)
            }
            return
        }
        guard message.isSignal, let member = message.member else { return }
        let path = message.path ?? ""
        switch member {
        case "PropertiesChanged":
            let args = try message.readAll()
            guard args.count >= 2, let interface = args[0].string, let changed = args[1].dictionary else { return }
            try propertiesChanged(path: path, interface: interface, changed: changed, on: bus)
        case "InterfacesRemoved":
            let removed = try message.readAll().first?.string ?? ""
            if case .streaming(let device, let characteristic, let adapter) = phase,
                [device, characteristic, adapter].contains(removed)
            {
                lost("\(address) disconnected")
            }
        case "InterfacesAdded":
            retrySoonIfWaiting()
        case "NameOwnerChanged":
            let args = try message.readAll()
            guard args.count == 3, args[0].string == BlueZ.service else { return }
            if args[2].string?.isEmpty ?? true {
                switch phase {
                case .streaming: lost("bluetoothd stopped")
                case .connecting, .resolving: problem("bluetoothd stopped")
                case .waiting: break
                }
            } else {
                retrySoonIfWaiting()
            }
        default:
            break
        }
    }

    private func propertiesChanged(path: String, interface: String, changed: [String: BusValue], on bus: BusConnection) throws(BusError) {
        switch (interface, phase) {
        case (BlueZ.characteristic, .streaming(_, let characteristic, _)) where path == characteristic:
            if let value = changed["Value"]?.bytes { received(value) }
        case (BlueZ.device, .streaming(let device, _, _)) where path == device:
            if changed["Connected"]?.bool == false || changed["ServicesResolved"]?.bool == false {
                lost("\(address) disconnected")
            }
        case (BlueZ.device, .resolving(let device, _)) where path == device:
            if changed["ServicesResolved"]?.bool == true { try attempt(on: bus) }
            if changed["Connected"]?.bool == false { problem("\(address) disconnected while its services were resolved") }
        case (BlueZ.adapter, .streaming(_, _, let adapter)) where path == adapter:
            if changed["Powered"]?.bool == false { lost("Bluetooth adapter powered off") }
        case (BlueZ.adapter, .waiting):
            if changed["Powered"]?.bool == true { retrySoonIfWaiting() }
        default:
            break
        }
    }

    private func received(_ value: [UInt8]) {
        switch decoder.decode(value) {
        case .beats(let beats):
            for beat in beats { continuation.yield(.beat(beat)) }
        case .contactLost:
            continuation.yield(.leadsOff)
        case .nothing:
            break
        }
        if decoder.rejected != reportedRejected {
            reportedRejected = decoder.rejected
            continuation.yield(.counters(reportedRejected))
        }
    }

    // MARK: Outcomes

    /// The streaming connection ended: reported, and the next attempt comes soon.
    private func lost(_ reason: String) {
        guard case .streaming = phase else { return }
        logger.notice("heart-rate strap disconnected", metadata: ["address": "\(address)", "reason": "\(reason)"])
        continuation.yield(.disconnected(reason: reason, willRetry: true))
        delaySeconds = configuration.retryDelaySeconds.lowerBound
        phase = .waiting(until: .now + .seconds(delaySeconds))
    }

    /// Not streaming, for this reason: reported once per distinct reason, retried with back-off.
    private func problem(_ reason: String) {
        if reason != lastProblem {
            logger.notice("heart-rate strap unavailable", metadata: ["address": "\(address)", "reason": "\(reason)"])
            continuation.yield(.unavailable(reason: reason))
            lastProblem = reason
        }
        phase = .waiting(until: .now + .seconds(delaySeconds))
        delaySeconds = min(delaySeconds * 2, configuration.retryDelaySeconds.upperBound)
    }

    private func retrySoonIfWaiting() {
        if case .waiting = phase { phase = .waiting(until: .now) }
    }
}
