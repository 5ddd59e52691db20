/// `max3010x`: SparkFun MAX3010x library, Example5_HeartRate (115200 baud, `println`: CRLF):
/// `IR=105705, BPM=63.16, Avg BPM=15` on every sample (~100 lines a second with the default
/// setup), ` No finger?` appended while IR < 50000. `beatsPerMinute = 60 / (delta / 1000.0)` with
/// `delta` in whole milliseconds, printed with 2 decimals, so a change of BPM is a beat and
/// 60000 / BPM rounded gives its interval to the millisecond (not low precision). A rate outside
/// 20-255 is the sketch's own first or spurious beat: no interval, timing restarts. Two beats
/// with the same `delta` print the same BPM and are recovered from the line count.
struct MAX3010xLine: Sendable {
    private var lastBPM: Double?
    private var repeats = RepeatedValueBeats()

    mutating func read(_ line: Substring) -> LineReading {
        guard line.hasPrefix("IR="), let bpm = LineText.number(after: "BPM=", in: line), LineText.number(after: "IR=", in: line) != nil
        else { return .rejected(.unparseable) }
        let noFinger = line.contains("No finger")
        repeats.countLine()
        defer { lastBPM = bpm }
        guard let last = lastBPM, bpm != last else { return noFinger ? .chatter : .ignored }
        guard !noFinger, bpm > 20, bpm < 255 else {
            repeats.restart()
            return noFinger ? .chatter : .ignored
        }
        let rr = (60000 / bpm).rounded()
        guard PlausibleRange.rrMilliseconds.contains(rr) else { return .rejected(.outOfRange) }
        return .beats(repeats.beat(rrMilliseconds: rr).map { SensorBeat(rrMilliseconds: $0) })
    }

    static func isDistinctive(_ line: Substring) -> Bool {
        line.hasPrefix("IR=") && line.contains("BPM=")
    }
}

/// `openhrv`: OpenHRV's recordings (openhrv/logger.py): a `event,value,timestamp` header, then
/// `InterBeatInterval,<ms>,<ISO time>` per beat among rows of other events (MeanHrv, PacerRate,
/// HrvTarget, Sensors), which carry no beat.
enum OpenHRVLine {
    static func read(_ line: Substring) -> LineReading {
        if line == "event,value,timestamp" { return .ignored }
        guard let comma = line.firstIndex(of: ",") else { return .rejected(.unparseable) }
        let event = line[..<comma]
        guard event == "InterBeatInterval" else {
            return event.allSatisfy({ $0.isLetter }) && !event.isEmpty ? .ignored : .rejected(.unparseable)
        }
        let rest = line[line.index(after: comma)...]
        guard let value = LineText.number(rest.prefix { $0 != "," }.trimmingWhitespace()) else { return .rejected(.unparseable) }
        return PlausibleRange.beat(rrMilliseconds: value)
    }

    static func isDistinctive(_ line: Substring) -> Bool {
        line == "event,value,timestamp" || line.hasPrefix("InterBeatInterval,")
    }
}
