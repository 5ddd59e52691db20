import Foundation
import Logging
import Testing

@testable import Sensor
import SystemCalls

/// Decoded beats against the beats a stream carries: in order, each decoded beat matched to one
/// of the next truth beats within the tolerance; a decoded beat matching none is a phantom.
struct BeatComparison: CustomStringConvertible {
    var truthCount = 0
    var decodedCount = 0
    var matched = 0
    var phantoms = 0
    var lowPrecisionMismatch = 0
    var unmatched: [(index: Int, rrMilliseconds: Double)] = []
    /// Mean |decoded - truth| of the matched beats: a rate estimated a few % off stays within the
    /// matching tolerance, but not within this.
    var meanErrorMilliseconds = 0.0

    init(decoded: [SensorBeat], rendering: FirmwareRendering) {
        truthCount = rendering.truth.count
        decodedCount = decoded.count
        var next = 0
        for beat in decoded {
            if beat.isLowPrecision != rendering.truthIsLowPrecision { lowPrecisionMismatch += 1 }
            let window = next..<min(rendering.truth.count, next + 4)
            if let i = window.first(where: { abs(rendering.truth[$0] - beat.rrMilliseconds) <= rendering.toleranceMilliseconds }) {
                matched += 1
                meanErrorMilliseconds += (abs(rendering.truth[i] - beat.rrMilliseconds) - meanErrorMilliseconds) / Double(matched)
                next = i + 1
            } else {
                phantoms += 1
                unmatched.append((decoded.firstIndex(of: beat) ?? -1, beat.rrMilliseconds))
            }
        }
    }

    var matchedPercent: Double { truthCount == 0 ? 0 : 100 * Double(matched) / Double(truthCount) }
    var description: String {
        "\(matched)/\(truthCount) matched (\(String(format: "%.1f", matchedPercent)) %), \(phantoms) phantom of \(decodedCount) decoded, mean error \(String(format: "%.1f", meanErrorMilliseconds)) ms"
            + (unmatched.isEmpty ? "" : " unmatched \(unmatched.prefix(5).map { "#\($0.index) \(Int($0.rrMilliseconds)) ms" })")
    }
}

/// Writes a rendering into a real pseudo-terminal at its own pace (scaled by `speed`, on an
/// absolute schedule so delays do not add up) and collects what a `SensorStream` reads; the
/// stream's arrival clock runs at the same scale, so it judges rates in the sensor's time.
func replayThroughPseudoTerminal(_ rendering: FirmwareRendering, format: SensorFormat?, speed: Double) async throws -> (beats: [SensorBeat], events: [SensorStreamEvent]) {
    let box = TerminalBox(try PseudoTerminal())
    let stream = SensorStream(
        configuration: SensorConfiguration(devicePath: box.terminal!.devicePath, format: format, baudRate: 115200),
        logger: Logger(label: "replay"), clock: .scaled(by: speed))
    var events = stream.makeAsyncIterator()
    guard case .connected? = await events.next(where: isConnected) else { throw CancellationError() }
    // The writer owns the terminal: when it has written everything and the stream has read it
    // (the device side's queue is empty), it closes the terminal, which the stream sees as a hang-up.
    // Its own thread, not a task: it sleeps between lines, and a sleeping task would hold one of
    // the few threads every other async test runs on (two on a two-core machine).
    let failure = WriteFailureBox()
    let writer = try DedicatedThread(name: "pty-writer") {
      do {
        let pty = box.terminal!
        defer { box.terminal = nil }
        let start = ArrivalClock.monotonic.secondsNow()
        for (seconds, text) in rendering.lines {
            let wait = start + seconds / speed - ArrivalClock.monotonic.secondsNow()
            if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
            var bytes = Array(text.utf8)
            while !bytes.isEmpty {
                let n = try pty.write(bytes)
                bytes.removeFirst(n)
                if !bytes.isEmpty { usleep(500) }  // the terminal's buffer is full: the reader drains it
            }
        }
        var pending: Int32 = 1
        while pending > 0 {
            _ = ioctl(pty.deviceFileDescriptor, UInt(FIONREAD), &pending)
            usleep(20_000)
        }
      } catch {
        failure.error = error
        box.terminal = nil
      }
    }
    var beats: [SensorBeat] = []
    var seen: [SensorStreamEvent] = []
    while let event = await events.next() {
        if case .beat(let b) = event { beats.append(b) } else { seen.append(event) }
        if case .disconnected = event { break }
    }
    // The writer has closed the terminal (the stream saw the hang-up): it is ending, if not gone.
    writer.join()
    if let error = failure.error { throw error }
    return (beats, seen)
}

final class WriteFailureBox: @unchecked Sendable {
    var error: (any Error)?
}

final class TerminalBox: @unchecked Sendable {
    var terminal: PseudoTerminal?
    init(_ terminal: PseudoTerminal) { self.terminal = terminal }
}

@Suite(.timeLimit(.minutes(10))) struct FirmwareReplayTests {
    struct Source: Sendable, CustomTestStringConvertible {
        let name: String
        let format: SensorFormat
        let speed: Double
        let render: @Sendable ([Double]) -> FirmwareRendering
        var testDescription: String { "\(name) (\(format.rawValue))" }
    }

    static let sources: [Source] = [
        Source(name: "SparkFun AD8232 Heart_Rate_Display", format: .ecg, speed: 1, render: Firmware.ad8232),
        Source(name: "PulseSensor plotter", format: .pulsesensor, speed: 4, render: Firmware.pulseSensorPlotter),
        Source(name: "PulseSensor two-sensor visualizer", format: .pulsesensor, speed: 4, render: Firmware.pulseSensorTwoSensors),
        Source(name: "PulseSensor Getting_BPM_to_Monitor", format: .hr, speed: 6, render: Firmware.pulseSensorGettingStarted),
        Source(name: "SparkFun MAX3010x Example5_HeartRate", format: .max3010x, speed: 3, render: Firmware.max3010xHeartRate),
        Source(name: "SparkFun MAX3010x Example4 plotter", format: .ppg, speed: 1, render: { Firmware.max3010xPlotter($0) }),
        Source(name: "SparkFun MAX3010x Example4 plotter, sampleAverage = 1", format: .ppg, speed: 1, render: { Firmware.max3010xPlotter($0, sampleRateHz: 100) }),
        Source(name: "gatttool --listen", format: .bleHRM, speed: 6, render: Firmware.gatttool),
        Source(name: "bluetoothctl notify", format: .bleHRM, speed: 6, render: Firmware.bluetoothctl),
        Source(name: "nRF Connect SDK central_hr_coded", format: .hrRR, speed: 6, render: Firmware.nrfCentralHR),
        Source(name: "Polar BLE SDK example log", format: .hrRR, speed: 6, render: { Firmware.polarSDK($0) }),
        Source(name: "Python bleak HR logger", format: .hrRR, speed: 6, render: Firmware.pythonLogger),
        Source(name: "ESP32 BLE client bridge", format: .hr, speed: 6, render: Firmware.esp32Bridge),
        Source(name: "OpenHRV recording", format: .openhrv, speed: 6, render: Firmware.openHRV),
    ]

    /// The same streams fed straight to the decoder with their exact arrival times (each line
    /// read as it is written), independent of how busy the machine is.
    @Test(arguments: sources, [false, true])
    func firmwareStreamWithExactArrivalTimes(source: Source, explicit: Bool) throws {
        let rendering = source.render(try truthRR(count: 70))
        var decoder = SensorDecoder(format: explicit ? source.format : nil)
        var beats: [SensorBeat] = []
        var others: [SensorDecoder.Output] = []
        for (seconds, text) in rendering.lines {
            decoder.feed(Array(text.utf8), arrivalSeconds: seconds) { if case .beat(let b) = $0 { beats.append(b) } else { others.append($0) } }
        }
        let comparison = BeatComparison(decoded: beats, rendering: rendering)
        print("RESULT decoder \"\(source.name)\" \(explicit ? source.format.rawValue : "auto"): \(comparison); \(others); first RR \(beats.prefix(6).map { Int($0.rrMilliseconds) }) truth \(rendering.truth.prefix(6).map { Int($0) })")
        #expect(comparison.phantoms == 0, "\(comparison)")
        #expect(comparison.matchedPercent >= 95, "\(comparison)")
        // A sample or two of detection jitter; a rate 2 % off (a burst counted as samples) is 17 ms.
        #expect(comparison.meanErrorMilliseconds <= rendering.meanErrorBoundMilliseconds, "\(comparison)")
        #expect(comparison.lowPrecisionMismatch == 0)
        if !explicit { #expect(decoder.format == source.format || (source.format.isWaveform && decoder.format?.isWaveform == true)) }
    }

    /// ≥ 95 % of the beats, no phantom, under `auto` and under the explicit format.
    @Test(arguments: sources, [false, true])
    func firmwareStreamThroughAPseudoTerminal(source: Source, explicit: Bool) async throws {
        let rendering = source.render(try truthRR(count: 70))
        let (beats, events) = try await replayThroughPseudoTerminal(rendering, format: explicit ? source.format : nil, speed: source.speed)
        let comparison = BeatComparison(decoded: beats, rendering: rendering)
        let detected = events.compactMap { if case .formatDetected(let f) = $0 { f } else { nil } }
        let rates = events.compactMap { if case .sampleRate(let hz, _) = $0 { Int(hz) } else { nil } }
        print("RESULT firmware \"\(source.name)\" \(explicit ? source.format.rawValue : "auto"): \(comparison); detected \(detected.map(\.rawValue)) rates \(rates)")
        #expect(comparison.phantoms == 0, "\(comparison)")
        #expect(comparison.matchedPercent >= 95, "\(comparison)")
        // Arrival jitter moves the measured rate a little; a burst counted as samples moves it 2 %.
        #expect(comparison.meanErrorMilliseconds <= rendering.meanErrorBoundMilliseconds + 2, "\(comparison)")
        #expect(comparison.lowPrecisionMismatch == 0)
        if !explicit { #expect(detected == [source.format] || (source.format.isWaveform && detected.allSatisfy(\.isWaveform))) }
    }
}
