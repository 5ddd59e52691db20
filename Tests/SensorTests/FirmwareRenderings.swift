import Foundation

@testable import Sensor

/// What a firmware or tool writes, rendered from a known RR series exactly as its print
/// statements do (line endings, pace, baud, its own chatter), with the beats it carries.
struct FirmwareRendering: Sendable {
    /// Lines (with their line ending) and the sensor time, in seconds, at which each is written.
    var lines: [(seconds: Double, text: String)] = []
    /// The beats the output carries: RR in ms (from the rate for heart-rate-only output).
    var truth: [Double] = []
    var truthIsLowPrecision = false
    /// How close a decoded RR must be to count as that beat.
    var toleranceMilliseconds = 1.0
    /// What the mean |decoded - truth| of matched beats may reach (detection jitter, a sample or two).
    var meanErrorBoundMilliseconds = 6.0
    var baud = 115200

    mutating func add(_ text: String, at seconds: Double) { lines.append((seconds, text)) }
    var bytes: [UInt8] { Array(lines.map(\.text).joined().utf8) }
    var durationSeconds: Double { lines.last?.seconds ?? 0 }
}

/// A real RR series (the NSR recording of the shared data), with a few equal neighbours forced
/// in, which firmware that repeats its last interval cannot show as a change.
func truthRR(count: Int) throws -> [Double] {
    var rr = Array(RRText.parse(try SharedData.text("rr/nsr_5min.txt")).rrMilliseconds.prefix(count))
    for i in stride(from: 10, to: rr.count, by: 17) { rr[i] = rr[i - 1] }
    return rr
}

/// Bluetooth HRM notifications as a strap sends them: about once a second, with the RR (1/1024 s)
/// of the beats that ended since the last one (0-3), and the rate averaged.
func notifications(_ rr: [Double]) -> [(seconds: Double, heartRate: Int, rr1024: [UInt16])] {
    var out: [(Double, Int, [UInt16])] = []
    var t = 0.0
    var beatTimes: [(Double, Double)] = []
    for r in rr { t += r / 1000; beatTimes.append((t, r)) }
    var next = 1.0
    var i = 0
    var recent: [Double] = []
    while next <= t + 1 {
        var batch: [UInt16] = []
        while i < beatTimes.count, beatTimes[i].0 <= next {
            batch.append(UInt16((beatTimes[i].1 * 1.024).rounded()))
            recent.append(beatTimes[i].1)
            i += 1
        }
        recent = Array(recent.suffix(5))
        let hr = recent.isEmpty ? 0 : Int((60000 / (recent.reduce(0, +) / Double(recent.count))).rounded())
        out.append((next, hr, batch))
        next += 1
    }
    return out
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
}

enum Firmware {
    /// SparkFun AD8232 Heart_Rate_Display_Arduino.ino: `Serial.begin(9600)`, per loop
    /// `Serial.println(analogRead(A0))` or `Serial.println('!')` (leads off), `delay(1)`. The
    /// 64-byte transmit buffer fills, so the pace is the baud rate: 10 bits a byte.
    static func ad8232(_ rr: [Double]) -> FirmwareRendering {
        var r = FirmwareRendering(toleranceMilliseconds: 25, baud: 9600)
        let rate = 9600.0 / 10 / 5
        var t = 0.0
        func emit(_ s: String) {
            t += Double(s.utf8.count) * 10 / 9600
            r.add(s, at: t)
        }
        for _ in 0..<Int(rate) { emit("!\r\n") }  // electrodes being attached
        var wave = SyntheticWaveform(format: .ecg, sampleRateHz: rate)
        for x in rr {
            for v in wave.samples(nextBeatAfterMilliseconds: x) {
                emit("\(max(0, min(1023, Int(330 + v * 280))))\r\n")
            }
        }
        r.truth = Array(rr.dropFirst())
        return r
    }

    /// PulseSensor.cpp's bookkeeping on beats detected every 2 ms: the first beat after a start
    /// or a reset is discarded, BPM = 60000 / (mean of the last 10 IBI), 2.5 s without a beat
    /// resets BPM to 0 and IBI to 600. Returns, per 2 ms sample time, (BPM, IBI) and per beat
    /// whether it is reported (QS).
    struct PulseSensorState {
        var bpm = 0, ibi = 750, lastBeat = 0, firstBeat = true, secondBeat = false
        var rate = [Int](repeating: 0, count: 10)

        /// A beat at `ms`; returns true when the sensor reports it (QS).
        mutating func beat(at ms: Int) -> Bool {
            ibi = ms - lastBeat
            lastBeat = ms
            if secondBeat {
                secondBeat = false
                rate = Array(repeating: ibi, count: 10)
            }
            if firstBeat {
                firstBeat = false
                secondBeat = true
                return false
            }
            rate.removeFirst()
            rate.append(ibi)
            bpm = 60000 / (rate.reduce(0, +) / 10)
            return true
        }

        mutating func tick(at ms: Int) {
            if ms - lastBeat > 2500 {
                lastBeat = ms
                firstBeat = true
                secondBeat = false
                bpm = 0
                ibi = 600
            }
        }
    }

    /// Beat times in ms on the sensor's 2 ms grid, with a 4 s pause (finger lifted) after beat 30.
    static func pulseSensorBeats(_ rr: [Double]) -> [Int] {
        var t = 500.0
        var out: [Int] = []
        for (i, x) in rr.enumerated() {
            t += x + (i == 30 ? 4000 : 0)
            out.append(Int((t / 2).rounded()) * 2)
        }
        return out
    }

    /// PulseSensor Playground, PulseSensor_BPM.ino with SERIAL_PLOTTER: 115200 baud, `delay(20)`
    /// then `BPM,IBI,Signal` (print, print, println: CRLF).
    static func pulseSensorPlotter(_ rr: [Double]) -> FirmwareRendering {
        var r = FirmwareRendering()
        let beats = pulseSensorBeats(rr)
        var state = PulseSensorState()
        var wave = SyntheticWaveform(format: .ppg, sampleRateHz: 500)
        var signal: [Double] = []
        var previous = 0
        for b in beats {
            signal += wave.samples(nextBeatAfterMilliseconds: Double(b - previous))
            previous = b
        }
        var beatIndex = 0
        var ms = 0
        var nextLine = 21.0
        while ms < beats.last! + 3000 {
            ms += 2
            state.tick(at: ms)
            if beatIndex < beats.count, beats[beatIndex] == ms {
                if state.beat(at: ms) { r.truth.append(Double(state.ibi)) }
                beatIndex += 1
            }
            if Double(ms) >= nextLine {
                let v = signal.indices.contains(ms / 2) ? signal[ms / 2] : 0
                let line = "\(state.bpm),\(state.ibi),\(Int(512 + v * 300))\r\n"
                r.add(line, at: Double(ms) / 1000)
                // delay(20) plus the time the line takes at 115200 baud.
                nextLine += 20 + Double(line.utf8.count) * 10 / 115.2
            }
        }
        return r
    }

    /// TwoPulseSensors_On_OneArduino.ino with PROCESSING_VISUALIZER: 250000 baud, every 20 ms
    /// `a<signal>` and `b<signal>`; per beat of sensor 0 `A<bpm>` `M<ibi>`, of sensor 1 `B` `N`.
    static func pulseSensorTwoSensors(_ rr: [Double]) -> FirmwareRendering {
        var r = FirmwareRendering(baud: 250000)
        let beats0 = pulseSensorBeats(rr)
        let beats1 = pulseSensorBeats(rr.map { $0 * 0.9 })
        var s0 = PulseSensorState(), s1 = PulseSensorState()
        var i0 = 0, i1 = 0
        var ms = 0
        var nextLine = 20.0
        var pending0 = false, pending1 = false
        while ms < beats0.last! + 1000 {
            ms += 2
            s0.tick(at: ms)
            s1.tick(at: ms)
            if i0 < beats0.count, beats0[i0] == ms {
                if s0.beat(at: ms) { r.truth.append(Double(s0.ibi)); pending0 = true }
                i0 += 1
            }
            if i1 < beats1.count, beats1[i1] == ms {
                if s1.beat(at: ms) { pending1 = true }
                i1 += 1
            }
            if Double(ms) >= nextLine {
                var text = "a\(500 + ms % 37)\r\nb\(480 + ms % 23)\r\n"
                if pending0 { text += "A\(s0.bpm)\r\nM\(s0.ibi)\r\n"; pending0 = false }
                if pending1 { text += "B\(s1.bpm)\r\nN\(s1.ibi)\r\n"; pending1 = false }
                r.add(text, at: Double(ms) / 1000)
                nextLine += 20 + Double(text.utf8.count) * 10 / 250
            }
        }
        return r
    }

    /// Getting_BPM_to_Monitor.ino: 115200 baud, at start "We created a pulseSensor Object !", per
    /// reported beat `♥  A HeartBeat Happened ! ` then `BPM: <bpm>` (println: CRLF).
    static func pulseSensorGettingStarted(_ rr: [Double]) -> FirmwareRendering {
        var r = FirmwareRendering()
        r.truthIsLowPrecision = true
        r.add("We created a pulseSensor Object !\r\n", at: 0.2)
        var state = PulseSensorState()
        for b in pulseSensorBeats(rr) {
            state.tick(at: b - 2)
            state.tick(at: b)
            guard state.beat(at: b) else { continue }
            r.add("♥  A HeartBeat Happened ! \r\nBPM: \(state.bpm)\r\n", at: Double(b) / 1000 + 0.02)
            r.truth.append(60000 / Double(state.bpm))
        }
        r.toleranceMilliseconds = 0.01
        return r
    }

    /// SparkFun MAX3010x Example5_HeartRate: 115200 baud, "Initializing...", "Place your index
    /// finger on the sensor with steady pressure.", then per sample (100 a second with the default
    /// setup) `IR=<ir>, BPM=<bpm with 2 decimals>, Avg BPM=<avg>`, ` No finger?` while IR < 50000.
    /// checkForBeat fires on the sample of a beat; delta is `millis()` since the last one.
    static func max3010xHeartRate(_ rr: [Double]) -> FirmwareRendering {
        var r = FirmwareRendering()
        r.add("Initializing...\r\n", at: 0.05)
        r.add("Place your index finger on the sensor with steady pressure.\r\n", at: 0.1)
        let noFingerSeconds = 2.0
        var beatTimesMs: [Int] = []
        var t = noFingerSeconds * 1000 + 300
        for x in rr { t += x; beatTimesMs.append(Int((t / 10).rounded()) * 10) }
        var bpm: Float = 0
        var rates = [Int](repeating: 0, count: 4), spot = 0, avg = 0
        var lastBeat = 0
        var beat = 0
        var ms = 100
        while ms <= beatTimesMs.last! + 500 {
            ms += 10
            let finger = Double(ms) / 1000 > noFingerSeconds
            let ir = finger ? 105_000 + (ms / 10 % 50) * 20 : 3_000 + ms % 7
            if beat < beatTimesMs.count, beatTimesMs[beat] == ms {
                let delta = ms - lastBeat
                lastBeat = ms
                bpm = 60 / (Float(delta) / 1000)
                if bpm < 255 && bpm > 20 {
                    rates[spot] = Int(bpm)
                    spot = (spot + 1) % 4
                    avg = rates.reduce(0, +) / 4
                    if beat > 0 { r.truth.append(Double(delta)) }
                }
                beat += 1
            }
            r.add("IR=\(ir), BPM=\(String(format: "%.2f", bpm)), Avg BPM=\(avg)\(finger ? "" : " No finger?")\r\n", at: Double(ms) / 1000)
        }
        return r
    }

    /// SparkFun MAX3010x Example4_HeartBeat_Plotter: 115200 baud, "Initializing...", 500 lines of
    /// the average IR at once (to settle the plotter's scale), then `getIR()` per sample. `getIR()`
    /// waits for the next FIFO sample (`safeCheck`), so lines come at the FIFO's rate: the sketch's
    /// `sampleRate = 100` averaged by `sampleAverage = 8`, 12.5 a second (the library's issue #2
    /// measured 100/4 → 25, 100/2 → 50); 100 with `sampleAverage = 1`.
    static func max3010xPlotter(_ rr: [Double], sampleRateHz: Double = 12.5) -> FirmwareRendering {
        // 80 ms between samples: the peak is interpolated between them.
        var r = FirmwareRendering(toleranceMilliseconds: sampleRateHz < 50 ? 40 : 30)
        r.meanErrorBoundMilliseconds = sampleRateHz < 50 ? 12 : 6
        r.add("Initializing...\r\n", at: 0.05)
        var t = 0.3
        for _ in 0..<500 {
            t += 8 * 10 / 115200
            r.add("104812\r\n", at: t)
        }
        var wave = SyntheticWaveform(format: .ppg, sampleRateHz: sampleRateHz)
        var i = 0
        for x in rr {
            for v in wave.samples(nextBeatAfterMilliseconds: x) {
                r.add("\(Int(104_800 + v * 900))\r\n", at: t + Double(i) / sampleRateHz)
                i += 1
            }
        }
        r.truth = Array(rr.dropFirst())
        return r
    }

    /// gatttool `--char-write-req --handle=0x000f --value=0100 --listen`: stdout lines (LF).
    static func gatttool(_ rr: [Double]) -> FirmwareRendering {
        var r = FirmwareRendering()
        r.add("Characteristic value was written successfully\n", at: 0.3)
        for n in notifications(rr) {
            let m = BLEHeartRateMeasurement(heartRateBPM: n.heartRate, sensorContact: .detected, rrIntervals1024: n.rr1024)
            r.add("Notification handle = 0x000e value: \(hex(m.bytes)) \n", at: n.seconds)
            r.truth += n.rr1024.map { Double($0) * 1000 / 1024 }
        }
        return r
    }

    /// bluetoothctl `gatt.select-attribute .../char000f` + `gatt.notify on`: a coloured `[CHG]`
    /// header, then the bluez hexdump (16 bytes a line, the printable column from column 49).
    static func bluetoothctl(_ rr: [Double]) -> FirmwareRendering {
        var r = FirmwareRendering()
        r.add("[\u{1B}[0;93mCHG\u{1B}[0m] Attribute /org/bluez/hci0/dev_C6_XX/service000e/char000f Notifying: yes\n", at: 0.2)
        r.add("Notify started\n", at: 0.25)
        for (k, n) in notifications(rr).enumerated() {
            let m = BLEHeartRateMeasurement(heartRateBPM: n.heartRate, sensorContact: .detected, rrIntervals1024: n.rr1024)
            var text = "[\u{1B}[0;93mCHG\u{1B}[0m] Attribute /org/bluez/hci0/dev_C6_XX/service000e/char000f Value:\n"
            for chunk in stride(from: 0, to: m.bytes.count, by: 16) {
                let bytes = Array(m.bytes[chunk..<min(m.bytes.count, chunk + 16)])
                let hexPart = bytes.map { String(format: "%02x ", $0) }.joined()
                let printable = String(bytes.map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "." })
                text += "  " + hexPart.padding(toLength: 49, withPad: " ", startingAt: 0) + printable + "\n"
            }
            if k % 7 == 3 { text += "[\u{1B}[0;93mCHG\u{1B}[0m] Device C6:XX:XX:XX:XX:XX RSSI: -6\(k % 10)\n" }
            r.add(text, at: n.seconds)
            r.truth += n.rr1024.map { Double($0) * 1000 / 1024 }
        }
        return r
    }

    /// nRF Connect SDK samples/bluetooth/central_hr_coded: printk with `\n`, which Zephyr's UART
    /// console sends as CRLF, 115200 baud; boot and scan lines, then a block per notification.
    static func nrfCentralHR(_ rr: [Double]) -> FirmwareRendering {
        var r = FirmwareRendering()
        for (i, s) in [
            "*** Booting nRF Connect SDK v2.6.0 ***", "Starting Bluetooth Central HR coded sample", "Bluetooth initialized",
            "Scanning successfully started",
            "Filters matched. Address: D6:90:A8:08:F0:E4 (random) connectable: yes Primary PHY: LE Coded Secondary PHY LE Coded",
            "Connection pending", "Connected: D6:90:A8:08:F0:E4 (random), tx_phy LE Coded, rx_phy LE Coded",
            "The discovery procedure succeeded", "[SUBSCRIBED]",
        ].enumerated() {
            r.add(s + "\r\n", at: 0.05 * Double(i + 1))
        }
        for n in notifications(rr) {
            var text = "Heart Rate Measurement notification received:\r\n\r\n"
            text += "\tHeart Rate Measurement Value Format: 8 - bit\r\n\tSensor Contact detected: 1\r\n\tSensor Contact supported: 1\r\n"
            text += "\tEnergy Expended present: 0\r\n\tRR-Intervals present: \(n.rr1024.isEmpty ? 0 : 1)\r\n"
            text += "\r\n\tHeart Rate Measurement Value: \(n.heartRate) bpm\r\n"
            if !n.rr1024.isEmpty { text += "\t RR-intervals: " + n.rr1024.map { "\($0) " }.joined() }
            text += "\r\n"
            r.add(text, at: n.seconds)
            r.truth += n.rr1024.map { Double($0) * 1000 / 1024 }
        }
        return r
    }

    /// The Polar BLE SDK example app's HR log through `adb logcat`: `HR     bpm: <hr> rrs: [<rrsMs>]
    /// rrAvailable: ... contactStatus: ... contactStatusSupported: ...` (`raw1024`: the SDK
    /// versions that logged the raw `rrs`, 1/1024 s).
    static func polarSDK(_ rr: [Double], raw1024: Bool = false) -> FirmwareRendering {
        var r = FirmwareRendering(toleranceMilliseconds: raw1024 ? 1 : 0.6)
        let prefix = "11-26 13:02:11.123  4242  4242 D MainActivity: "
        r.add(prefix + "version: 5.5.0\n", at: 0.1)
        r.add(prefix + "CONNECTED: 8C4CAD2D\n", at: 0.4)
        r.add(prefix + "BATTERY LEVEL: 90\n", at: 0.5)
        for n in notifications(rr) {
            let values = n.rr1024.map { raw1024 ? Int($0) : Int((Double($0) / 1024 * 1000).rounded()) }
            r.add(prefix + "HR     bpm: \(n.heartRate) rrs: [\(values.map(String.init).joined(separator: ", "))] rrAvailable: \(!values.isEmpty) contactStatus: true contactStatusSupported: true\n", at: n.seconds)
            r.truth += n.rr1024.map { Double($0) * 1000 / 1024 }
        }
        return r
    }

    /// kennycason/pulse_stream (bleak): `print(f"HR: {hr:3d} bpm | contact: {contact} | RR: {rr_str}")`,
    /// rr_str `926.8 ms, 955.1 ms` or `—`, after its start-up lines.
    static func pythonLogger(_ rr: [Double]) -> FirmwareRendering {
        var r = FirmwareRendering(toleranceMilliseconds: 0.06)
        for (i, s) in [
            "Starting heart rate monitor with visualization...", "📊 Logging heart rate data to: data/hr_2026-11-26 13-00-00.csv",
            "Pygame visualizer started on main thread", "Press ESC or close window to exit", "Scanning for Polar H10…",
            "Found: Polar H10 E9AF5A2F [16B4312B-162C-5F2B-4B50-9636ABA6A893]", "Subscribing to Heart Rate notifications…",
        ].enumerated() {
            r.add(s + "\n", at: 0.05 * Double(i + 1))
        }
        for n in notifications(rr) {
            let ms = n.rr1024.map { Double($0) * 1000 / 1024 }
            let rrText = ms.isEmpty ? "—" : ms.map { String(format: "%.1f ms", $0) }.joined(separator: ", ")
            r.add("HR: \(String(format: "%3d", n.heartRate)) bpm | contact: no/unknown | RR: \(rrText)\n", at: n.seconds)
            r.truth += ms
        }
        return r
    }

    /// ESP32 BLE client (Peter Dalmaris, 11.042 "Heart rate monitor as BLE client"): 115200
    /// baud, scan and connect messages, then per notification `Notify callback for characteristic
    ///  HR: <pData[1]>` (println: CRLF). The rate only: low-precision beats.
    static func esp32Bridge(_ rr: [Double]) -> FirmwareRendering {
        var r = FirmwareRendering()
        r.truthIsLowPrecision = true
        r.toleranceMilliseconds = 0.01
        for (i, s) in [
            "Starting Arduino BLE Client application...",
            "BLE Advertised Device found: Name: Polar H7 252D9F, Address: 00:22:d0:25:2d:9f, serviceUUID: 0000180d-0000-1000-8000-00805f9b34fb",
            "Forming a connection to 00:22:d0:25:2d:9f", " - Created client", " - Connected to server", " - Found our service",
            " - Found our characteristic", "We are now connected to the BLE Server.",
        ].enumerated() {
            r.add(s + "\r\n", at: 0.1 * Double(i + 1))
        }
        for n in notifications(rr) where n.heartRate > 0 {
            r.add("Notify callback for characteristic  HR: \(n.heartRate)\r\n", at: n.seconds)
            r.truth.append(60000 / Double(n.heartRate))
        }
        return r
    }

    /// OpenHRV's recording (openhrv/logger.py): header, then `event,value,timestamp` rows.
    static func openHRV(_ rr: [Double]) -> FirmwareRendering {
        var r = FirmwareRendering()
        r.add("event,value,timestamp\n", at: 0.1)
        r.add("PacerRate,6.0,2026-11-26T13:00:00.100000\n", at: 0.1)
        var t = 0.0
        for (i, x) in rr.enumerated() {
            t += x / 1000
            r.add("InterBeatInterval,\(Int(x)),2026-11-26T13:00:\(String(format: "%09.6f", t))\n", at: t)
            if i % 5 == 4 { r.add("MeanHrv,\(40 + i % 7),2026-11-26T13:00:\(String(format: "%09.6f", t))\n", at: t) }
        }
        r.truth = rr.map { Double(Int($0)) }
        return r
    }
}
