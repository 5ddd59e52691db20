/// What one line of sensor input says, in the format it is read as.
enum LineReading: Equatable, Sendable {
    case beats([SensorBeat])
    case sample(Double)
    case leadsOff
    /// Well-formed but carries no beat (comments, headers, PulseSensor `S` and `B` lines).
    case ignored
    case rejected(RejectedInputCounters.Kind)
}

/// Physiological limits: anything outside is a sensor or transmission error, not a heart.
public enum PlausibleRange {
    public static let rrMilliseconds: ClosedRange<Double> = 200...3000
    public static let heartRateBPM: ClosedRange<Double> = 20...300
    static let sampleMagnitude = 1e7

    static func beat(rrMilliseconds rr: Double) -> LineReading {
        rrMilliseconds.contains(rr) ? .beats([SensorBeat(rrMilliseconds: rr)]) : .rejected(.outOfRange)
    }

    static func beat(heartRateBPM bpm: Double) -> LineReading {
        heartRateBPM.contains(bpm) ? .beats([SensorBeat(rrMilliseconds: 60000 / bpm, isLowPrecision: true)]) : .rejected(.outOfRange)
    }
}

/// Printable-ASCII text of a line, or nil for binary noise.
enum LineText {
    static func decode(_ bytes: [UInt8]) -> Substring? {
        for b in bytes where !(b >= 0x20 && b < 0x7F) && b != 0x09 { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        return text[...].trimmingWhitespace()
    }

    /// A plain decimal number (no `inf`, `nan` or hex floats, which `Double(_:)` would accept).
    static func number(_ s: Substring) -> Double? {
        guard !s.isEmpty, s.count <= 40 else { return nil }
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"),
                UInt8(ascii: "e"), UInt8(ascii: "E"):
                continue
            default: return nil
            }
        }
        guard let v = Double(s), v.isFinite else { return nil }
        return v
    }

    /// Fields separated by `,`, `;` or tabs, trimmed; empty fields dropped.
    static func fields(_ s: Substring) -> [Substring] {
        s.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\t" }).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    static func hasPrefix(_ s: Substring, caseInsensitive prefix: String) -> Bool {
        s.count >= prefix.count && s.prefix(prefix.count).lowercased() == prefix
    }
}
