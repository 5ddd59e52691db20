/// `pulsesensor`: PulseSensor Playground output (PulseSensorSerialOutput.cpp, 115200 baud,
/// `println`: CRLF).
/// - PROCESSING_VISUALIZER, one sensor: `S<signal>` every sample, `B<bpm>` and `Q<ibi>` per beat.
///   Two or more sensors: `a<signal>`, `b<signal>`… and per beat `A<bpm>`/`M<ibi>` (sensor 0),
///   `B<bpm>`/`N<ibi>` (sensor 1)…; sensor 0 is read, the others are not this person's beats.
/// - SERIAL_PLOTTER: `BPM,IBI,Signal` every ~20 ms (the sketch's `delay(20)`), the last IBI
///   repeated. PulseSensor.cpp: BPM is 0 until the second beat (the first IBI is discarded) and
///   after 2.5 s without a beat (IBI then resets to 600): no beat then. A beat is a change of IBI
///   or of BPM (a 10-beat average); a beat whose IBI and BPM both equal the last one's shows no
///   change, and is recovered from the line count (`RepeatedValueBeats`).
struct PulseSensorLine: Sendable {
    private var lastCSV: (bpm: Double, ibi: Double)?
    private var repeats = RepeatedValueBeats()

    mutating func read(_ line: Substring) -> LineReading {
        if let letter = line.first, Self.letters.contains(letter), !line.contains(",") {
            guard let value = LineText.number(line.dropFirst()) else { return .rejected(.unparseable) }
            switch letter {
            case "Q", "M": return PlausibleRange.beat(rrMilliseconds: value)
            case "A", "B": return PlausibleRange.heartRateBPM.contains(value) || value == 0 ? .ignored : .rejected(.outOfRange)
            default: return .ignored  // samples (S, a, b…), other sensors' intervals (N…)
            }
        }
        let fields = LineText.fields(line)
        guard fields.count == 3 else { return .rejected(.unparseable) }
        let numbers = fields.compactMap(LineText.number)
        guard numbers.count == 3 else {
            return fields.allSatisfy({ $0.first?.isLetter ?? false }) ? .ignored : .rejected(.unparseable)
        }
        let (bpm, ibi) = (numbers[0], numbers[1])
        repeats.countLine()
        defer { lastCSV = (bpm, ibi) }
        guard let last = lastCSV else { return .ignored }
        if bpm == 0 {
            // Waiting for the second beat after a start or a reset: a changed IBI marks the first
            // beat, whose interval the sensor itself discards; timing restarts there.
            if ibi != last.ibi || last.bpm != 0 { repeats.restart() }
            return .ignored
        }
        guard bpm != last.bpm || ibi != last.ibi else { return .ignored }
        if last.bpm == 0 { repeats.restart() }
        guard PlausibleRange.rrMilliseconds.contains(ibi) else { return .rejected(.outOfRange) }
        return .beats(repeats.beat(rrMilliseconds: ibi).map { SensorBeat(rrMilliseconds: $0) })
    }

    static let letters: Set<Character> = ["S", "B", "Q", "a", "b", "c", "d", "A", "M", "N", "C", "O", "D", "P"]

    static func isLetterLine(_ line: Substring) -> Bool {
        guard let letter = line.first, letters.contains(letter) else { return false }
        return LineText.number(line.dropFirst()) != nil
    }

    static func isCSVLine(_ line: Substring) -> Bool {
        let fields = LineText.fields(line)
        return fields.count == 3 && fields.allSatisfy { LineText.number($0) != nil }
    }
}

/// Firmware that prints its last interval (or rate) on every sample line shows a beat as a change
/// of that value; a beat with the very same interval as the one before shows none. Lines come at
/// the sketch's loop rate, so the line count since the last beat measures time: calibrated on
/// the beats seen (milliseconds per line), a gap that holds the new interval plus k whole copies
/// of the previous one had k unseen beats of that interval.
struct RepeatedValueBeats: Sendable {
    static let calibrationBeats = 16
    private var linesSinceBeat = 0
    private var lastRR: Double?
    private var history: [(lines: Int, rrMilliseconds: Double)] = []

    mutating func countLine() { linesSinceBeat += 1 }

    /// The sensor lost the pulse or restarted: no interval spans this point.
    mutating func restart() {
        linesSinceBeat = 0
        lastRR = nil
    }

    /// A change seen on the current line: the new interval, preceded by any unseen repeats.
    mutating func beat(rrMilliseconds rr: Double) -> [Double] {
        defer {
            linesSinceBeat = 0
            lastRR = rr
        }
        guard let previous = lastRR, linesSinceBeat > 0 else { return [rr] }
        if let msPerLine = msPerLineEstimate, history.count >= 4 {
            let elapsed = Double(linesSinceBeat) * msPerLine
            let k = ((elapsed - rr) / previous).rounded()
            if k >= 1, abs(elapsed - rr - k * previous) < 0.3 * previous {
                return Array(repeating: previous, count: Int(k)) + [rr]
            }
            // Only gaps that agree with the estimate refine it.
            guard abs(elapsed - rr) < 0.3 * rr else { return [rr] }
        }
        history.append((linesSinceBeat, rr))
        if history.count > Self.calibrationBeats { history.removeFirst() }
        return [rr]
    }

    private var msPerLineEstimate: Double? {
        guard !history.isEmpty else { return nil }
        return history.reduce(0) { $0 + $1.rrMilliseconds } / Double(history.reduce(0) { $0 + $1.lines })
    }
}
