import Bluetooth
import BreathTestSupport
import Foundation
import Logging
import Sensor
import Testing

/// The Bluetooth source against the stand-in bluetoothd on a real private dbus-daemon, with
/// notifications rebuilt from a real Polar H10 recording (docs/bluetooth.md).
@Suite(.serialized) struct BlueZStandInTests {
    let address = BluetoothAddress(StandIn.strapAddress)!

    private func configuration(_ bus: PrivateBus) -> BluetoothSensorConfiguration {
        var c = BluetoothSensorConfiguration(address: address, busAddress: bus.address)
        c.retryDelaySeconds = 0.05...0.5
        return c
    }

    /// Events until `done` says so; the watchdog only guards against a hang, it decides nothing.
    private func collect(_ stream: BluetoothHeartRateStream, until done: @escaping @Sendable ([SensorStreamEvent]) -> Bool) async -> [SensorStreamEvent] {
        let collector = Task {
            var events: [SensorStreamEvent] = []
            for await event in stream {
                events.append(event)
                if done(events) { break }
            }
            return events
        }
        let watchdog = Task {
            try await Task.sleep(for: .seconds(240))
            collector.cancel()
        }
        let events = await collector.value
        watchdog.cancel()
        return events
    }

    private static func beats(_ events: [SensorStreamEvent]) -> [SensorBeat] {
        events.compactMap { if case .beat(let b) = $0 { b } else { nil } }
    }

    @Test func recordingThroughBlueZWithADisconnectAndReconnect() async throws {
        let bus = try PrivateBus()
        // The link drops at notification 150 (about 150 s into the recording, where an H10 drops on
        // some Linux machines); 5 notifications are lost, the first reconnection attempt fails.
        let standIn = try StandIn(bus: bus, arguments: [
            "--rr", StandIn.recording, "--disconnect-at", "150", "--gap", "5", "--failed-connects", "1", "--interval-ms", "5",
        ])
        let plan = try standIn.plan()
        #expect(plan.disconnects == 1)
        #expect(plan.bursts >= 5)
        #expect(plan.rr_less_notifications >= 1)
        let expected = plan.delivered
        let events = await collect(BluetoothHeartRateStream(configuration: configuration(bus), logger: Logger(label: "test"))) { events in
            // The stand-in leaves the bus after its last notification: bluetoothd "stopped".
            if case .disconnected(let reason, _)? = events.last, reason == "bluetoothd stopped" { return true }
            return false
        }
        let beats = Self.beats(events)
        #expect(beats.count == expected.count, "beats \(beats.count) of \(expected.count) delivered, \(plan.rr_ms.count) recorded")
        let mismatched = zip(beats, expected).filter { abs($0.rrMilliseconds - $1) > 0.5 }
        #expect(mismatched.isEmpty, "\(mismatched.prefix(5))")
        #expect(plan.rr_ms.count - beats.count == plan.lost_rr_rows.count)
        // Beat times are the summed RR.
        let sum = beats.reduce(0) { $0 + $1.rrMilliseconds } / 1000
        #expect(abs((beats.last?.signalTimeSeconds ?? 0) - sum) < 1e-6)
        #expect(beats.allSatisfy { !$0.isLowPrecision })

        let connects = events.filter { if case .connected = $0 { true } else { false } }
        #expect(connects == [.connected(path: "bluetooth:\(StandIn.strapAddress)"), .connected(path: "bluetooth:\(StandIn.strapAddress)")])
        #expect(events.contains(.disconnected(reason: "\(StandIn.strapAddress) disconnected", willRetry: true)))
        #expect(events.contains { if case .unavailable(let r) = $0 { r.contains("le-connection-abort-by-local") } else { false } })
        #expect(events.contains(.formatDetected(.bleHRM)))
        print("RESULT bluetooth_standin beats_delivered=\(beats.count) beats_recorded=\(plan.rr_ms.count) lost_in_gap=\(plan.lost_rr_rows.count) reconnects=\(connects.count - 1) bursts=\(plan.bursts) rr_less_notifications=\(plan.rr_less_notifications)")
    }

    @Test func poweredOffAdapterIsAClearStateUntilPoweredOn() async throws {
        let bus = try PrivateBus()
        let standIn = try StandIn(bus: bus, arguments: ["--rr", StandIn.recording, "--limit", "40", "--powered", "off"])
        let expected = try standIn.plan().delivered
        let events = await collect(BluetoothHeartRateStream(configuration: configuration(bus), logger: Logger(label: "test"))) { events in
            if case .unavailable(let reason)? = events.last, reason.contains("powered off") {
                // What `bluetoothctl power on` does.
                try? bus.send(["--dest=org.bluez", "/org/bluez/hci0", "org.freedesktop.DBus.Properties.Set", "string:org.bluez.Adapter1", "string:Powered", "variant:boolean:true"])
            }
            return Self.beats(events).count == expected.count
        }
        #expect(events.first == .unavailable(reason: "Bluetooth adapter hci0 is powered off"))
        #expect(Self.beats(events).count == expected.count)
    }

    @Test func missingBluetoothdIsAClearStateUntilItStarts() async throws {
        let bus = try PrivateBus()
        let started = StartOnce()
        let events = await collect(BluetoothHeartRateStream(configuration: configuration(bus), logger: Logger(label: "test"))) { events in
            if case .unavailable(let reason)? = events.last, reason.contains("bluetoothd is not running") {
                started.run { try? StandIn(bus: bus, arguments: ["--rr", StandIn.recording, "--limit", "20"]) }
            }
            return Self.beats(events).count >= 10
        }
        #expect(events.first == .unavailable(reason: "bluetoothd is not running (nobody owns org.bluez on the system bus)"))
        #expect(events.contains(.connected(path: "bluetooth:\(StandIn.strapAddress)")))
        #expect(Self.beats(events).count >= 10)
    }

    /// The bus policy refuses the calls (BlueZ's upstream bluetooth.conf denies `org.bluez` to
    /// users outside its rules; or only `StartNotify`): a clear state saying what was refused and
    /// what to do, retried with back-off, and streaming once the policy allows it (reloaded).
    @Test(arguments: [
        ("<deny send_destination=\"org.bluez\"/>", "asking bluetoothd for its devices"),
        ("<deny send_destination=\"org.bluez\" send_interface=\"org.bluez.GattCharacteristic1\" send_member=\"StartNotify\"/>", "StartNotify on \(StandIn.strapAddress)"),
    ])
    func accessDeniedByTheBusPolicyIsAClearStateUntilAllowed(deny: String, refused: String) async throws {
        let bus = try PrivateBus(deny: deny)
        let standIn = try StandIn(bus: bus, arguments: ["--rr", StandIn.recording, "--limit", "20"])
        _ = standIn
        let reason = "the system bus policy denies \(refused) (AccessDenied): the user needs the bluetooth group"
            + " (breathd.service: the SupplementaryGroups=bluetooth drop-in; docs/bluetooth.md)"
        let events = await collect(BluetoothHeartRateStream(configuration: configuration(bus), logger: Logger(label: "test"))) { events in
            if case .unavailable(let r)? = events.last, r == reason {
                // What installing the policy does. Nothing tells the stream: only its retry finds it.
                try? bus.changePolicy(deny: "")
            }
            return Self.beats(events).count >= 10
        }
        #expect(events.first == .unavailable(reason: reason))
        // Reported once, not once per retry.
        #expect(events.filter { $0 == .unavailable(reason: reason) }.count == 1)
        #expect(events.contains(.connected(path: "bluetooth:\(StandIn.strapAddress)")))
        #expect(Self.beats(events).count >= 10)
    }

    /// `breathctl sensor scan` under BlueZ's upstream policy: the same advice, no crash.
    @Test func scanDeniedByTheBusPolicySaysWhatToDo() throws {
        let bus = try PrivateBus(deny: "<deny send_destination=\"org.bluez\"/>")
        let standIn = try StandIn(bus: bus, arguments: ["--rr", StandIn.recording, "--limit", "20"])
        _ = standIn
        #expect {
            try HeartRateScanner.scan(durationSeconds: 0.2, busAddress: bus.address)
        } throws: { error in
            "\(error)" == "the system bus policy denies scanning through bluetoothd (AccessDenied): the user needs the bluetooth group"
                + " (breathd.service: the SupplementaryGroups=bluetooth drop-in; docs/bluetooth.md)"
        }
    }

    @Test func unknownAddressSaysToPairFirst() async throws {
        let bus = try PrivateBus()
        let standIn = try StandIn(bus: bus, arguments: ["--rr", StandIn.recording, "--limit", "20"])
        _ = standIn
        var c = configuration(bus)
        c.address = BluetoothAddress("00:11:22:33:44:55")!
        let events = await collect(BluetoothHeartRateStream(configuration: c, logger: Logger(label: "test"))) { !$0.isEmpty }
        #expect(events == [.unavailable(reason: "00:11:22:33:44:55 is not known to bluetoothd: pair it once with bluetoothctl (docs/bluetooth.md)")])
    }

    @Test func scanListsHeartRateDevicesSeenAdvertising() throws {
        let bus = try PrivateBus()
        let standIn = try StandIn(bus: bus, arguments: ["--rr", StandIn.recording, "--limit", "20"])
        _ = standIn
        let found = try HeartRateScanner.scan(durationSeconds: 1.5, busAddress: bus.address)
        // The paired H10 in range and a TICKR never seen before; not the paired headphones out of
        // range, not the band without the Heart Rate service.
        #expect(found.map(\.address.text) == ["A0:9E:1A:C2:44:10", "C8:5E:2B:01:02:03"])
        #expect(found.map(\.name) == ["Polar H10 C24410", "TICKR 1A2B"])
        #expect(found.map(\.rssiDBm) == [-58, -71])
        #expect(found.map(\.paired) == [true, false])
    }

    @Test func scanWithAdapterOffSaysSo() throws {
        let bus = try PrivateBus()
        let standIn = try StandIn(bus: bus, arguments: ["--rr", StandIn.recording, "--limit", "20", "--powered", "off"])
        _ = standIn
        #expect(throws: ScanError.self) { try HeartRateScanner.scan(durationSeconds: 0.2, busAddress: bus.address) }
        do {
            _ = try HeartRateScanner.scan(durationSeconds: 0.2, busAddress: bus.address)
        } catch {
            #expect(error.description == "Bluetooth adapter hci0 is powered off (bluetoothctl power on)")
        }
    }
}

/// Runs a closure once and keeps what it returned alive (the stand-in started mid-test).
final class StartOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: Any?
    private var done = false

    func run(_ body: () -> Any?) {
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        done = true
        kept = body()
    }
}
