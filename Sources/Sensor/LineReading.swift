import Foundation

/// What one line of sensor input says, in the format it is read as.
enum LineReading: Equatable, Sendable {
    case beats([SensorBeat])
    case sample(Double)
    case leadsOff
    /// Well-formed but carries no beat (comments, headers, PulseSensor `S` and `B` lines).
    case ignored
    /// The firmware's own text (boot and scan logs, "No finger?", "♥  A HeartBeat Happened !"):
    /// counted, never a beat.
    case chatter
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

/// Printable text of a line, or nil for binary noise.
enum LineText {
    /// Valid UTF-8 without control characters (tabs allowed) after ANSI escape sequences are
    /// removed: firmware prints `♥` and `—`, and bluetoothctl colours its `[CHG]` lines.
    static func decode(_ bytes: [UInt8]) -> Substring? {
        var clean: [UInt8] = []
        clean.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x1B, i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "[") {
                // CSI: ESC [ parameters… final byte 0x40-0x7E.
                var j = i + 2
                while j < bytes.count, !(0x40...0x7E).contains(bytes[j]) { j += 1 }
                i = j + 1
                continue
            }
            if b < 0x20 && b != 0x09 || b == 0x7F { return nil }
            clean.append(b)
            i += 1
        }
        guard let text = String(validating: clean, as: UTF8.self) else { return nil }
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

    /// The first number after `label` (case-insensitive), skipping `:`, `=` and spaces.
    static func number(after label: String, in line: Substring) -> Double? {
        guard let range = line.range(of: label, options: .caseInsensitive) else { return nil }
        let rest = line[range.upperBound...].drop { $0 == ":" || $0 == "=" || $0 == " " || $0 == "\t" }
        let token = rest.prefix { $0.isNumber || $0 == "." || $0 == "-" }
        return number(token)
    }

    /// The numbers in `text`, split at anything that is not part of a number.
    static func numbers(in text: Substring) -> [Double] {
        text.split(whereSeparator: { !($0.isASCII && ($0.isNumber || $0 == "." || $0 == "-")) }).compactMap { number($0) }
    }

    /// Fields separated by `,`, `;` or tabs, trimmed; empty fields dropped.
    static func fields(_ s: Substring) -> [Substring] {
        s.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\t" }).map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    static func hasPrefix(_ s: Substring, caseInsensitive prefix: String) -> Bool {
        s.count >= prefix.count && s.prefix(prefix.count).lowercased() == prefix
    }
}
