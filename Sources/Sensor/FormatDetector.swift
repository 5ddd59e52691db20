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
/// at a gap (leads off: `!` lines come at their own pace), and the estimate only spans the stretch
/// that keeps the recent pace, so a burst (a backlog, a sketch printing 500 lines at start-up)
/// is left out.
struct SampleRateEstimator: Sendable {
    static let windowSeconds = 30.0
    static let recentSeconds = 3.0
    static let agreement = 0.03

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

    private func rate(from start: (seconds: Double, samples: Int), to end: (seconds: Double, samples: Int)? = nil) -> Double? {
        guard let end = end ?? marks.last, end.seconds > start.seconds else { return nil }
        return Double(end.samples - start.samples) / (end.seconds - start.seconds)
    }

    /// The stretch starts where lines stop coming faster than twice `pace`: the tail of a burst
    /// (a sketch's start-up lines) just before an accepted start would otherwise count as samples
    /// of the stretch, and its rate would come out up to `agreement` high (102 Hz for 100 Hz).
    private func startAfterBurst(_ start: Int, pace: Double) -> (seconds: Double, samples: Int) {
        var i = start
        while i + 1 < marks.count, marks[i + 1].seconds <= marks[start].seconds + 1,
            let step = rate(from: marks[i], to: marks[i + 1]), step > 2 * pace
        { i += 1 }
        return marks[i]
    }

    /// Samples per second over the longest stretch (up to 30 s) whose part before the last 3 s
    /// kept the pace of the last 3 s (within 3 %): a burst before it is left out whole.
    var sampleRateHz: Double? {
        guard let last = marks.last, spanSeconds >= 1 else { return nil }
        // The recent stretch starts after a burst at its start too, judged at the pace of the
        // last second (12.5 Hz after a sketch's 500 start-up lines, not 70 or 200).
        let recentIndex = marks.lastIndex(where: { $0.seconds <= last.seconds - Self.recentSeconds }) ?? 0
        let paceStart = marks.last(where: { $0.seconds <= last.seconds - 1 }) ?? marks[0]
        guard let pace = rate(from: paceStart) else { return nil }
        let recentStart = startAfterBurst(recentIndex, pace: pace)
        guard let recent = rate(from: recentStart) else { return nil }
        for (i, mark) in marks.enumerated() where last.seconds - mark.seconds <= Self.windowSeconds && mark.seconds <= recentStart.seconds - 1 {
            // The second after the start keeps the pace too (within 25 %): no burst inside.
            guard let second = marks[i...].first(where: { $0.seconds >= mark.seconds + 1 }), let local = rate(from: mark, to: second),
                abs(local - recent) <= 0.25 * recent
            else { continue }
            if let older = rate(from: mark, to: recentStart), abs(older - recent) <= Self.agreement * recent {
                return rate(from: startAfterBurst(i, pace: recent))
            }
        }
        return recent
    }
}
