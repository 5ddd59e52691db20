import Foundation

/// `rr`: one RR interval per line, in ms (`850`, `850.5`) or seconds (`0.850`), optionally
/// `RR 850`, `850 ms`, or CSV with RR in the last column.
enum RRLine {
    static func read(_ line: Substring) -> LineReading {
        if line.hasPrefix("#") { return .ignored }
        var text = line
        if LineText.hasPrefix(text, caseInsensitive: "rr") {
            text = text.dropFirst(2).drop { $0 == ":" || $0 == "=" || $0 == " " }
        }
        if LineText.hasPrefix(Substring(text.reversed()), caseInsensitive: "sm") { text = text.dropLast(2).trimmingWhitespace() }
        var fields = LineText.fields(text)
        // Kubios-style exports separate their columns (time, RR) with spaces.
        if fields.count == 1 { fields = fields[0].split(separator: " ").map { $0.trimmingWhitespace() } }
        let numbers = fields.compactMap(LineText.number)
        guard let value = numbers.last, numbers.count == fields.count, fields.count <= 4 else { return .rejected(.unparseable) }
        // Seconds when below 10: no heart beats 10 ms apart, no RR lasts 10 s.
        return PlausibleRange.beat(rrMilliseconds: value < 10 ? value * 1000 : value)
    }
}

/// `hr`: a heart rate per line, as sketches print it: `72`, `72 bpm`, `HR 72`, `HR: 72`,
/// `BPM: 72` (PulseSensor's Getting_BPM_to_Monitor), `Heart Rate: 63`, `... HR: 63` (ESP32 BLE
/// client sketches); RR is 60000 / HR, a low-precision beat. A rate of 0 means "not known yet".
enum HeartRateLine {
    static let labels = ["heart rate", "hr", "bpm", "pulse"]

    static func read(_ line: Substring) -> LineReading {
        if line.hasPrefix("#") { return .ignored }
        guard let bpm = value(line) else { return .rejected(.unparseable) }
        if bpm == 0 { return .ignored }
        return PlausibleRange.beat(heartRateBPM: bpm)
    }

    static func value(_ line: Substring) -> Double? {
        if let bare = LineText.number(line) { return bare }
        if line.lowercased().hasSuffix("bpm"), let n = LineText.number(line.dropLast(3).trimmingWhitespace()) { return n }
        for label in labels {
            if let n = labelledNumber(label, in: line) { return n }
        }
        return nil
    }

    /// The number right after `label` where the label is a word of its own.
    static func labelledNumber(_ label: String, in line: Substring) -> Double? {
        var searchFrom = line.startIndex
        while let range = line[searchFrom...].range(of: label, options: .caseInsensitive) {
            searchFrom = range.upperBound
            if range.lowerBound > line.startIndex, line[line.index(before: range.lowerBound)].isLetter { continue }
            if range.upperBound < line.endIndex, line[range.upperBound].isLetter { continue }
            let rest = line[range.upperBound...].drop { $0 == ":" || $0 == "=" || $0 == " " || $0 == "\t" }
            let token = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            if let n = LineText.number(token) { return n }
        }
        return nil
    }

    /// Says "heart rate" explicitly, as opposed to a bare number.
    static func isLabelled(_ line: Substring) -> Bool {
        LineText.number(line) == nil && value(line) != nil
    }
}

/// `ecg`, `ppg`: one sample per line (the last column of CSV); `!` is the AD8232's leads-off mark.
enum WaveformLine {
    static func read(_ line: Substring) -> LineReading {
        if line == "!" { return .leadsOff }
        if line.hasPrefix("#") { return .ignored }
        let fields = LineText.fields(line)
        guard let last = fields.last, let value = LineText.number(last) else { return .rejected(.unparseable) }
        return abs(value) <= PlausibleRange.sampleMagnitude ? .sample(value) : .rejected(.outOfRange)
    }
}
