import BreathConfig
@testable import BreathDaemon
import BreathProtocol
import Foundation
import Sensor
import Testing

/// `[sensor] device = "bluetooth:..."`: the address is checked when the file is read, and the
/// status counts reconnects and says why the sensor is lost (docs/bluetooth.md).
@Suite struct BluetoothSensorConfigurationTests {
    private func parse(_ text: String) throws(ConfigurationError) -> Configuration {
        try ConfigurationParser.parse(text, file: "breathd.toml", environment: ["HOME": "/home/ada"])
    }

    @Test func bluetoothAddressIsAccepted() throws {
        #expect(try parse("[sensor]\ndevice = \"bluetooth:a0:9e:1a:c2:44:10\"").sensor.device == "bluetooth:a0:9e:1a:c2:44:10")
        #expect(try parse("[sensor]\ndevice = \"/dev/ttyUSB0\"").sensor.device == "/dev/ttyUSB0")
    }

    @Test func malformedBluetoothAddressIsRefusedWithTheForm() {
        for bad in ["bluetooth:", "bluetooth:A0:9E:1A:C2:44", "bluetooth:A0-9E-1A-C2-44-10", "bluetooth:G0:9E:1A:C2:44:10"] {
            do {
                _ = try parse("[sensor]\ndevice = \"\(bad)\"")
                Issue.record("\(bad) accepted")
            } catch {
                let rest = bad.dropFirst("bluetooth:".count)
                #expect(error.problems == [
                    "breathd.toml: sensor.device = \"\(bad)\": \"\(rest)\" is not a Bluetooth address: expected six hex pairs separated by colons, e.g. bluetooth:A0:9E:1A:12:34:56"
                ])
            }
        }
    }

    @Test func statusCountsReconnectsAndSaysWhyItIsLost() {
        var configuration = Configuration(environment: ["HOME": "/home/ada"]).sensor
        configuration.device = "bluetooth:A0:9E:1A:C2:44:10"
        var tracker = SensorTracker(configuration: configuration)
        let now = EngineClock(monotonic: ContinuousClock(), wallAtStart: Date()).now
        let path = "bluetooth:A0:9E:1A:C2:44:10"
        #expect(tracker.apply(.unavailable(reason: "Bluetooth adapter hci0 is powered off"))?.message == "Bluetooth adapter hci0 is powered off")
        #expect(tracker.status(now: now).problem == "Bluetooth adapter hci0 is powered off")
        #expect(tracker.status(now: now).reconnects == 0)
        #expect(tracker.apply(.connected(path: path))?.reconnects == nil)
        #expect(tracker.status(now: now).problem == nil)
        _ = tracker.apply(.disconnected(reason: "A0:9E:1A:C2:44:10 disconnected", willRetry: true))
        #expect(tracker.status(now: now).state == .lost)
        #expect(tracker.status(now: now).problem == "A0:9E:1A:C2:44:10 disconnected")
        let back = tracker.apply(.connected(path: path))
        #expect(back == BreathProtocol.SensorEvent(state: .detecting, device: path, format: "auto", message: "reconnected to \(path)", reconnects: 1))
        #expect(tracker.status(now: now).reconnects == 1)
    }
}
