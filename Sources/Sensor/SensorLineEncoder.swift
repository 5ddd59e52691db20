/// Writes beats as a sensor of the given format would, for the simulator and for tests. Waveform
/// formats are not written (the simulator sends beats, not samples).
public enum SensorLineEncoder {
    public static let encodableFormats: [SensorFormat] = [.rr, .hr, .json, .pulsesensor, .bleHRM]

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
        case .ecg, .ppg: return nil
        }
    }
}
