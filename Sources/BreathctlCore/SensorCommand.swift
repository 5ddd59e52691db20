import ArgumentParser
import Bluetooth
import BreathProtocol
import Foundation
import HRV
import Logging
import Sensor

struct SensorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensor",
        abstract: "Read a heart-rate sensor and print each beat as it arrives.",
        discussion: """
            Opens DEVICE (a serial port, /dev/serial/by-id link, pseudo-terminal, FIFO or file), \
            detects its format unless --format is given, and prints every beat with its RR interval \
            and whether it is a normal (NN) beat or an artifact, the counts of rejected input, and \
            unplug/reconnect events. Runs until interrupted. DEVICE bluetooth:AA:BB:CC:DD:EE:FF reads \
            a Bluetooth LE heart-rate strap through bluetoothd. `breathctl sensor scan [--seconds N] \
            [--json]` lists nearby straps offering the Heart Rate service (to read a file named scan, give ./scan).
            """
    )

    @Argument(help: "The device to read, bluetooth:ADDRESS, or scan.")
    var device: String

    @Option(help: "Input format: auto, \(SensorFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = "auto"

    @Option(help: ArgumentHelp("Baud rate of a serial port: a standard rate from 1200 to 921600.", valueName: "rate"))
    var baud: Int = SerialPort.defaultBaudRate

    @Option(help: ArgumentHelp("Samples per second of ecg/ppg input, 20-10000 (default: measured from how fast lines arrive).", valueName: "hz"))
    var sampleRate: Double?

    @Flag(help: "One JSON object per line.")
    var json = false

    @Option(help: "Exit after this many beats.")
    var count: Int?

    @Option(help: ArgumentHelp("With scan: seconds to scan for Bluetooth heart-rate straps (1 to 120).", valueName: "seconds"))
    var seconds: Double = 10

    func validate() throws {
        guard SensorFormatSetting(rawValue: format) != nil else { throw ValidationError("unknown --format \(format).") }
        guard SerialPort.supportedBaudRates[baud] != nil else {
            throw ValidationError("--baud must be one of \(SerialPort.supportedBaudRates.keys.sorted().map(String.init).joined(separator: ", ")).")
        }
        if let sampleRate { try ArgumentCheck.waveformSampleRate(sampleRate) }
        guard (1...120).contains(seconds) else { throw ValidationError("--seconds must be between 1 and 120.") }
    }

    func run() async throws {
        if device == "scan" {
            try SensorScan(seconds: seconds, json: json).run()
            return
        }
        var logger = Logger(label: "breathctl.sensor")
        logger.logLevel = .critical  // the events are printed below
        var engine = HRVEngine()
        var beats = 0
        // Each beat is printed once the classifier's look-ahead has decided it; its precision waits with it.
        var heldPrecision: [Bool] = []
        // Returns false once --count beats were printed.
        func show(_ event: SensorStreamEvent) -> Bool {
            switch event {
            case .beat(let beat):
                let intake = engine.add(rrMilliseconds: beat.rrMilliseconds)
                guard intake != .rejected else { return true }
                heldPrecision.append(beat.isLowPrecision)
                guard let update = intake.update else { return true }
                let isLowPrecision = heldPrecision.removeFirst()
                beats += 1
                if json {
                    var o = JSONObject()
                    o.set("t", update.timeSeconds, decimals: FigureRounding.Decimals.seconds)
                    o.set("rr_ms", update.rrMilliseconds, decimals: FigureRounding.Decimals.rrMilliseconds)
                    o.set("nn", update.isNN)
                    if let artifact = update.artifact { o.set("artifact", artifact.rawValue) }
                    if isLowPrecision { o.set("low_precision", true) }
                    print(o.rendered())
                } else {
                    print("beat \(update.beatIndex)  t \(fixed(update.timeSeconds, 3)) s  rr \(fixed(update.rrMilliseconds, 1)) ms  \(update.artifact.map { "artifact (\($0.rawValue))" } ?? "NN")"
                        + (isLowPrecision ? "  (from heart rate: low precision)" : ""))
                }
            case .connected(let path): say("connected", ["path": path], "connected to \(path)")
            case .disconnected(let reason, let willRetry):
                say("disconnected", ["reason": reason], "disconnected: \(reason)" + (willRetry ? "; waiting for the device to come back" : ""))
            case .unavailable(let reason): say("unavailable", ["reason": reason], "\(device): \(reason); retrying")
            case .formatDetected(let f): say("format", ["format": f.rawValue], "format \(f.rawValue)")
            case .leadsOff: say("leads_off", [:], "leads off")
            case .sampleRate(let hz, let estimated):
                say("sample_rate", ["hz": fixed(hz, 1), "estimated": "\(estimated)"], "sample rate \(fixed(hz, 1)) Hz" + (estimated ? " (measured from arrival times)" : ""))
            case .counters(let c):
                if json {
                    var o = JSONObject()
                    o.set("event", "counters")
                    for kind in RejectedInputCounters.Kind.allCases { o.set(kind.rawValue.replacingOccurrences(of: "-", with: "_"), c[kind]) }
                    o.set("leads_off_samples", c.leadsOffSamples)
                    o.set("chatter_lines", c.chatterLines)
                    o.set("dropped_events", c.droppedEvents)
                    print(o.rendered())
                } else {
                    print("rejected input: " + RejectedInputCounters.Kind.allCases.map { "\($0.rawValue) \(c[$0])" }.joined(separator: ", "))
                }
            }
            fflush(nil)  // all streams: stdout is not concurrency-safe to name
            if let count, beats >= count { return false }
            return true
        }
        if let address = try BluetoothAddress.fromSensorDevice(device) {
            for await event in BluetoothHeartRateStream(configuration: BluetoothSensorConfiguration(address: address), logger: logger) {
                guard show(event) else { break }
            }
            return
        }
        let settings = SensorConfiguration(devicePath: device, format: SensorFormatSetting(rawValue: format)?.format, baudRate: baud, sampleRateHz: sampleRate)
        for await event in SensorStream(configuration: settings, logger: logger) {
            guard show(event) else { break }
        }
    }

    private func say(_ event: String, _ fields: KeyValuePairs<String, String>, _ text: String) {
        if json {
            var o = JSONObject()
            o.set("event", event)
            for (k, v) in fields { o.set(k, v) }
            print(o.rendered())
        } else {
            print(text)
        }
    }
}

/// `breathctl sensor scan`: nearby Bluetooth LE devices offering the Heart Rate service.
///
/// A BlueZ discovery limited to the Heart Rate service (0x180D): each device seen advertising, with
/// address, name, signal strength and whether it is paired. The address goes into
/// `[sensor] device = "bluetooth:ADDRESS"`. Wear the strap: a dry strap sleeps.
struct SensorScan {
    let seconds: Double
    let json: Bool

    func run() throws {
        let devices: [ScannedHeartRateDevice]
        do {
            devices = try HeartRateScanner.scan(durationSeconds: seconds)
        } catch {
            throw CommandFailure(message: "scan failed: \(error.description)")
        }
        if json {
            for d in devices {
                var o = JSONObject()
                o.set("address", d.address.text)
                if let name = d.name { o.set("name", name) }
                if let rssi = d.rssiDBm { o.set("rssi_dbm", rssi) }
                o.set("paired", d.paired)
                print(o.rendered())
            }
            return
        }
        if devices.isEmpty {
            print("no heart-rate device seen in \(fixed(seconds, 0)) s (is the strap worn and awake?)")
            return
        }
        for d in devices {
            print("\(d.address.text)  \(d.rssiDBm.map { "\($0) dBm" } ?? "     ")  \(d.name ?? "(no name)")\(d.paired ? "  paired" : "")")
        }
    }
}
