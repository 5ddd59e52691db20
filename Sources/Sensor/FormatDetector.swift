/// Recognises the format from the first lines of input, using what a line says and, for bare
/// numbers from a live device, how fast lines arrive.
///
/// - Distinctive lines (JSON objects, PulseSensor and MAX3010x lines, labelled heart rates and RR
///   lists, hex notifications, OpenHRV rows) decide after 3 of the same kind.
/// - `!` (the AD8232's leads-off mark) is a waveform.
/// - Bare numbers from a live device: a waveform when lines come steadily at 10-5000 a second
///   for 2 s (the rate over the last 1 s and the last 2 s agree within 20 %); RR intervals (all
///   250-2500 ms or 0.25-2.5 s) or heart rates (all 30-220) when at most 5 lines a second came
///   over 3 s. Anything else is held: no decision, no beat.
/// - Bare numbers without arrival times (a file, or a burst faster than any serial line): after
///   8, RR if all lie in 250-2500 ms, else a waveform.
/// Lines matching no format do not vote.
struct FormatDetector: Sendable {
    static let distinctiveVotes = 3
    static let numericVotes = 8
    static let waveformLinesPerSecond: ClosedRange<Double> = 10...5000
    static let waveformDecisionSeconds = 2.0
    static let beatLinesPerSecond = 5.0
    static let beatDecisionSeconds = 3.0

    let waveformFormat: SensorFormat
    private var votes: [SensorFormat: Int] = [:]
    private var numbers = 0
    private var allRR = true
    private var allHeartRates = true

    init(waveformFormat: SensorFormat) { self.waveformFormat = waveformFormat }

    /// Votes with `line`; returns the format once decided. `timing`: arrivals of a live device.
    mutating func vote(_ line: Substring, timing: ArrivalRate?) -> SensorFormat? {
        if let distinctive = Self.distinctiveFormat(line) {
            votes[distinctive, default: 0] += 1
            return votes[distinctive]! >= Self.distinctiveVotes ? distinctive : nil
        }
        if line == "!" { return waveformFormat }
        var fields = LineText.fields(line)
        if fields.count == 1 { fields = fields[0].split(separator: " ") }  // Kubios-style columns
        guard let last = fields.last, fields.count <= 2, fields.allSatisfy({ LineText.number($0) != nil }),
            let value = LineText.number(last)
        else { return nil }
        numbers += 1
        let ms = value < 10 ? value * 1000 : value
        if !(250...2500).contains(ms) { allRR = false }
        if !(30...220).contains(value) { allHeartRates = false }
        if let timing, !timing.isBurst { return decideByRate(timing) }
        guard numbers >= Self.numericVotes else { return nil }
        return allRR ? .rr : waveformFormat
    }

    /// Lines that came in a burst and then stopped: no waveform pauses, so the content decides.
    func decideAfterQuiet() -> SensorFormat? {
        guard numbers >= Self.numericVotes else { return nil }
        return allRR ? .rr : waveformFormat
    }

    private func decideByRate(_ timing: ArrivalRate) -> SensorFormat? {
        if Self.waveformIsSteady(timing) { return waveformFormat }
        if timing.spanSeconds >= Self.beatDecisionSeconds, numbers >= 3,
            let rate = timing.linesPerSecond(overLast: Self.beatDecisionSeconds), rate <= Self.beatLinesPerSecond
        {
            if allRR { return .rr }
            if allHeartRates { return .hr }
        }
        return nil
    }

    /// Lines arrive at a waveform's pace, steadily enough to measure its sample rate.
    static func waveformIsSteady(_ timing: ArrivalRate) -> Bool {
        guard timing.spanSeconds >= waveformDecisionSeconds,
            let recent = timing.linesPerSecond(overLast: 1), let longer = timing.linesPerSecond(overLast: waveformDecisionSeconds),
            waveformLinesPerSecond.contains(recent), waveformLinesPerSecond.contains(longer)
        else { return false }
        return abs(recent - longer) <= 0.2 * longer
    }

    static func distinctiveFormat(_ line: Substring) -> SensorFormat? {
        if line.first == "{" { return .json }
        if OpenHRVLine.isDistinctive(line) { return .openhrv }
        if MAX3010xLine.isDistinctive(line) { return .max3010x }
        if HeartRateRRLine.isDistinctive(line) { return .hrRR }
        if PulseSensorLine.isLetterLine(line) || PulseSensorLine.isCSVLine(line) { return .pulsesensor }
        if BLEHexLine.isDistinctive(line) { return .bleHRM }
        if HeartRateLine.isLabelled(line) { return .hr }
        return nil
    }
}

/// How fast lines arrive, from the arrival time of each chunk read: the rate over a recent
/// window, so that a burst (a backlog, a sketch's start-up lines) is forgotten.
struct ArrivalRate: Sendable {
    static let windowSeconds = 16.0
    /// Faster than any serial line carries: a file or pipe replayed at once.
    static let burstLinesPerSecond = 20_000.0

    private var marks: [(seconds: Double, lines: Int)] = []
    private var totalLines = 0
    private var firstSeconds: Double?

    mutating func add(lines: Int, at seconds: Double) {
        guard lines > 0 else { return }
        if firstSeconds == nil { firstSeconds = seconds }
        totalLines += lines
        if let last = marks.last, last.seconds == seconds {
            marks[marks.count - 1].lines = totalLines
        } else {
            marks.append((seconds, totalLines))
        }
        if let first = marks.first, seconds - first.seconds > Self.windowSeconds * 2 {
            marks.removeFirst(marks.count / 2)
        }
    }

    var spanSeconds: Double {
        guard let first = firstSeconds, let last = marks.last else { return 0 }
        return last.seconds - first
    }

    /// Lines per second over the last `seconds` (lines of the chunk at the window's start excluded).
    func linesPerSecond(overLast seconds: Double) -> Double? {
        guard let last = marks.last else { return nil }
        guard let start = marks.last(where: { $0.seconds <= last.seconds - seconds }) ?? marks.first,
            last.seconds > start.seconds
        else { return nil }
        return Double(last.lines - start.lines) / (last.seconds - start.seconds)
    }

    /// The sample rate of a steady waveform: lines per second over the window.
    var sampleRateHz: Double? { linesPerSecond(overLast: Self.windowSeconds) }

    /// Many lines at once: arrival times say nothing about the source's pace.
    var isBurst: Bool {
        if totalLines >= 256, spanSeconds < 0.05 { return true }
        guard spanSeconds > 0 else { return false }
        return Double(totalLines) / spanSeconds > Self.burstLinesPerSecond
    }
}

/// The sample rate of a waveform from the arrival times of its sample lines. Counting restarts
/// at a gap (leads off: `!` lines come at their own pace).
///
/// Arrival times are the source's times plus a delay that is never negative: a busy machine
/// stalls the writer or the reader for a few hundred ms, then the lines come at once (a stall
/// that catches up), or reads slower than the source for a while before catching up. So the rate
/// is taken between the least delayed arrivals near the two ends of a long stretch (the lower
/// envelope of arrival time against sample count), never from a count over a short window
/// ending anywhere: one that ends inside a stall read 88 Hz for 100. A start-up burst (a sketch
/// printing 500 lines at once) sits above that envelope (its lines are counted ahead of their
/// time), so it is left out without a rule of its own.
///
/// A different pace replaces the rate only once it has held: a faster one for `fasterSeconds`
/// (delays cannot make lines come early), a slower one for `slowerSeconds` (a stalled reader
/// makes lines come late for a while: only a pace that long and steady is believed).
struct SampleRateEstimator: Sendable {
    static let windowSeconds = 30.0
    /// Seconds of arrivals before the first estimate is used (the decoder holds lines until then).
    static let firstEstimateSeconds = 4.0
    static let fasterSeconds = 5.0
    static let slowerSeconds = 10.0
    /// A pace differing by more than this from the one before is a change.
    static let agreement = 0.03
    /// The halves of a stretch of one pace agree within this.
    static let steadiness = 0.01

    private var marks: [(seconds: Double, samples: Int)] = []
    private var total = 0

    mutating func add(samples: Int, at seconds: Double) {
        guard samples > 0 else { return }
        total += samples
        if let last = marks.last, last.seconds == seconds {
            marks[marks.count - 1].samples = total
        } else {
            marks.append((seconds, total))
        }
        if let first = marks.first, seconds - first.seconds > Self.windowSeconds * 2 { marks.removeFirst(marks.count / 2) }
    }

    mutating func restart() {
        marks = []
        total = 0
    }

    var spanSeconds: Double {
        guard let first = marks.first, let last = marks.last else { return 0 }
        return last.seconds - first.seconds
    }

    /// Samples per second over the last 30 s, or since a pace change that has held.
    var sampleRateHz: Double? {
        guard let last = marks.last, spanSeconds >= 1 else { return nil }
        let end = marks.count - 1
        let start = marks.firstIndex(where: { $0.seconds >= last.seconds - Self.windowSeconds }) ?? 0
        guard let whole = envelopeRate(start, end) else { return nil }
        if isSteady(start, end, rate: whole) { return whole }
        // The pace changed where the part after is steady, differs from the part before, and has
        // held long enough for its direction; the oldest such point, so the stretch is longest.
        var c = marks[start].seconds + 2
        while c <= last.seconds - Self.fasterSeconds {
            defer { c += 1 }
            guard let split = marks.firstIndex(where: { $0.seconds >= c }), split < end,
                let recent = envelopeRate(split, end), let older = envelopeRate(start, split)
            else { continue }
            let faster = recent > older * (1 + Self.agreement)
            let slower = recent < older * (1 - Self.agreement)
            guard faster || (slower && last.seconds - marks[split].seconds >= Self.slowerSeconds), isSteady(split, end, rate: recent)
            else { continue }
            return recent
        }
        // A change not yet held (or arrivals that fell behind and have not caught up): the rate
        // before it stays.
        if let held = marks.lastIndex(where: { $0.seconds <= last.seconds - Self.fasterSeconds }),
            marks[held].seconds - marks[start].seconds >= 2, let before = envelopeRate(start, held)
        { return before }
        return whole
    }

    /// The two halves of marks[a...b] keep `rate` (within 1 %): one pace, not two.
    private func isSteady(_ a: Int, _ b: Int, rate: Double) -> Bool {
        let middle = (marks[a].seconds + marks[b].seconds) / 2
        guard let m = marks[a...b].firstIndex(where: { $0.seconds >= middle }),
            let first = envelopeRate(a, m), let second = envelopeRate(m, b)
        else { return false }
        return abs(first - rate) <= Self.steadiness * rate && abs(second - rate) <= Self.steadiness * rate
    }

    /// Samples per second between the least delayed marks of the first and last thirds of
    /// marks[a...b]: the mark whose arrival is earliest for its sample count at the rate, found
    /// again at the rate they give (count over elapsed time to start with).
    private func envelopeRate(_ a: Int, _ b: Int) -> Double? {
        guard b > a, marks[b].seconds > marks[a].seconds, marks[b].samples > marks[a].samples else { return nil }
        let third = (marks[b].seconds - marks[a].seconds) / 3
        var rate = Double(marks[b].samples - marks[a].samples) / (marks[b].seconds - marks[a].seconds)
        for _ in 0..<3 {
            var (head, tail) = (a, b)
            var (headLate, tailLate) = (Double.infinity, Double.infinity)
            for m in a...b {
                let late = marks[m].seconds - Double(marks[m].samples) / rate
                if marks[m].seconds <= marks[a].seconds + third, late < headLate { (head, headLate) = (m, late) }
                if marks[m].seconds >= marks[b].seconds - third, late < tailLate { (tail, tailLate) = (m, late) }
            }
            guard marks[tail].seconds > marks[head].seconds, marks[tail].samples > marks[head].samples else { break }
            let next = Double(marks[tail].samples - marks[head].samples) / (marks[tail].seconds - marks[head].seconds)
            if next == rate { break }
            rate = next
        }
        return rate
    }
}
