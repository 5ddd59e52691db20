/// `json`: one object per line as BLE-to-serial bridges write them: `{"rr_ms":850}`,
/// `{"rr":[850,842]}` (ms, or seconds when below 10), `{"hr":72}` (RR derived, low precision).
/// Other keys are ignored; an object with none of these carries no beat.
enum JSONLine {
    static func read(_ line: Substring) -> LineReading {
        var parser = MiniJSON(Array(line.utf8))
        guard case .object(let members)? = parser.parseDocument() else { return .rejected(.unparseable) }
        var rrValues: [Double] = []
        var heartRate: Double?
        var sawRR = false
        for (key, value) in members {
            switch key {
            case "rr_ms", "rr", "rri", "ibi", "ibi_ms":
                sawRR = true
                rrValues += value.numbers
            case "hr", "bpm", "heart_rate":
                heartRate = value.numbers.first
            default: continue
            }
        }
        if sawRR {
            guard !rrValues.isEmpty else { return .ignored }
            var beats: [SensorBeat] = []
            for v in rrValues {
                let ms = v < 10 ? v * 1000 : v
                guard PlausibleRange.rrMilliseconds.contains(ms) else { return .rejected(.outOfRange) }
                beats.append(SensorBeat(rrMilliseconds: ms))
            }
            return .beats(beats)
        }
        if let heartRate { return PlausibleRange.beat(heartRateBPM: heartRate) }
        return .ignored
    }
}

/// Just enough JSON for one sensor line: objects, arrays, numbers, strings, literals, nesting
/// limited to 8 levels so a hostile line cannot exhaust the stack.
struct MiniJSON {
    indirect enum Value {
        case object([(String, Value)])
        case array([Value])
        case number(Double)
        case other

        var numbers: [Double] {
            switch self {
            case .number(let v): [v]
            case .array(let items): items.compactMap { if case .number(let v) = $0 { v } else { nil } }
            default: []
            }
        }
    }

    private let bytes: [UInt8]
    private var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() -> Value? {
        guard let v = value(depth: 0) else { return nil }
        skipSpace()
        return i == bytes.count ? v : nil
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func value(depth: Int) -> Value? {
        guard depth < 8 else { return nil }
        skipSpace()
        guard i < bytes.count else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(String, Value)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                guard let v = value(depth: depth + 1) else { return nil }
                members.append((key, v))
                skipSpace()
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                return nil
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [Value] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
                skipSpace()
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                return nil
            }
        case UInt8(ascii: "\""):
            return string().map { _ in .other }
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default:
            let start = i
            while i < bytes.count, !",]} \t".utf8.contains(bytes[i]) { i += 1 }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            return LineText.number(text[...]).map { .number($0) }
        }
    }

    private mutating func literal(_ word: String) -> Value? {
        let w = Array(word.utf8)
        guard bytes.count - i >= w.count, Array(bytes[i..<i + w.count]) == w else { return nil }
        i += w.count
        return .other
    }

    /// A string; escapes are kept verbatim (keys of interest have none).
    private mutating func string() -> String? {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard i < bytes.count else { return nil }
        defer { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }
}
