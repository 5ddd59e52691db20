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
        let fields = LineText.fields(text)
        let numbers = fields.compactMap(LineText.number)
        guard let value = numbers.last, numbers.count == fields.count, fields.count <= 4 else { return .rejected(.unparseable) }
        // Seconds when below 10: no heart beats 10 ms apart, no RR lasts 10 s.
        return PlausibleRange.beat(rrMilliseconds: value < 10 ? value * 1000 : value)
    }
}

/// `hr`: a heart rate per line (`HR 72`, `72 bpm`, `HR: 72`, `72`); RR is 60000 / HR.
enum HeartRateLine {
    static func read(_ line: Substring) -> LineReading {
        if line.hasPrefix("#") { return .ignored }
        var text = line
        if LineText.hasPrefix(text, caseInsensitive: "hr") {
            text = text.dropFirst(2).drop { $0 == ":" || $0 == "=" || $0 == " " }
        }
        if LineText.hasPrefix(Substring(text.reversed()), caseInsensitive: "mpb") { text = text.dropLast(3).trimmingWhitespace() }
        guard let bpm = LineText.number(text) else { return .rejected(.unparseable) }
        return PlausibleRange.beat(heartRateBPM: bpm)
    }

    /// Says "heart rate" explicitly, as opposed to a bare number.
    static func isLabelled(_ line: Substring) -> Bool {
        (LineText.hasPrefix(line, caseInsensitive: "hr") || line.lowercased().hasSuffix("bpm")) && read(line) != .rejected(.unparseable)
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
