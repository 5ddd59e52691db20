import Foundation

/// Writes beats as a sensor of the given format would, for the simulator and for tests. Waveform
/// formats are not written (the simulator sends beats, not samples).
public enum SensorLineEncoder {
    public static let encodableFormats: [SensorFormat] = [.rr, .hr, .json, .pulsesensor, .bleHRM, .hrRR, .openhrv]

    public static func line(rrMilliseconds rr: Double, format: SensorFormat) -> String? {
        let bpm = Int((60000 / rr).rounded())
        switch format {
        case .rr: return "\(Int(rr.rounded()))\r\n"
        case .hr: return "HR \(bpm)\r\n"
        case .json: return "{\"hr\":\(bpm),\"rr\":[\(Int(rr.rounded()))]}\n"
        case .pulsesensor: return "B\(bpm)\nQ\(Int(rr.rounded()))\n"
        case .bleHRM:
            let rr1024 = UInt16(min(65535, (rr * 1.024).rounded()))
            let m = BLEHeartRateMeasurement(heartRateBPM: bpm, sensorContact: .detected, rrIntervals1024: [rr1024])
            return m.bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined(separator: " ") + "\n"
        case .hrRR: return "HR: \(bpm) bpm | contact: yes | RR: \(String(format: "%.1f", rr)) ms\n"
        case .hrRR1024: return "HR     bpm: \(bpm) rrs: [\(Int((rr * 1.024).rounded()))] rrAvailable: true contactStatus: true contactStatusSupported: true\n"
        case .openhrv: return "InterBeatInterval,\(Int(rr.rounded())),2026-01-01T00:00:00\n"
        // Per-sample formats: the simulator sends beats, not samples.
        case .ecg, .ppg, .max3010x: return nil
        }
    }
}
