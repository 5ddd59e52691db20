import HRV

/// Bytes from a sensor to beats: line framing, format detection, the line parsers and, for
/// waveforms, the beat detectors of `HRV`. Pure and deterministic: the same bytes (and arrival
/// times) give the same outputs however they are split into chunks. Arrival times are given by
/// the caller (seconds on any monotonic clock); without them (files) only content decides.
public struct SensorDecoder: Sendable {
    public enum Output: Sendable, Equatable {
        case beat(SensorBeat)
        /// The format in use was decided (auto-detection) or changed (the input switched format).
        case formatDetected(SensorFormat)
        /// A waveform sensor reported its electrodes off (`!`); emitted once per episode.
        case leadsOff
        /// Samples per second of the waveform: configured, or estimated from arrival times (sent
        /// again when the estimate moves by more than 2 %).
        case sampleRate(hz: Double, estimated: Bool)
    }

    /// Lines held while a format is being detected (at the start, or after the input switched);
    /// older ones are dropped and counted, so memory stays bounded whatever arrives. Enough for
    /// 2 s of a fast waveform.
    static let maximumPendingLines = 8192
    static let maximumSwitchLines = 32
    /// Seconds of waveform held for its shape to decide ECG or PPG before it is taken for an ECG
    /// (leads off or a flat line all along): three of the classifier's windows.
    static let maximumShapeSeconds = 3 * WaveformShapeClassifier.windowSeconds
    /// Used when no rate is configured and none can be estimated (a file).
    public static let defaultSampleRateHz = 250.0
    /// What a measured rate is held to (a waveform slower than 10 Hz has no beat shape to find).
    static let measurableSampleRatesHz: ClosedRange<Double> = 10...5000
    /// A PPG slower than this is interpolated (Catmull-Rom) to at least this for the detector:
    /// Elgendi's band-pass and windows need it, and the peak is placed between the samples. The
    /// SparkFun MAX3010x Example4 plotter prints 12.5 samples a second (100 per second averaged by 8:
    /// `getIR()` waits for the next FIFO sample).
    static let minimumPPGDetectorRateHz = 50.0
    /// A waveform slower than this is a PPG: a QRS complex (80-120 ms) is not resolved below it,
    /// and its shape cannot be judged.
    static let slowestECGRateHz = 50.0

    public let configuredFormat: SensorFormat?
    /// nil: estimated from arrival times.
    public let configuredSampleRateHz: Double?
    public private(set) var sampleRateHz: Double
    public private(set) var sampleRateIsEstimated = false
    public private(set) var format: SensorFormat?
    public private(set) var rejected = RejectedInputCounters()
    public private(set) var acceptedLines = 0

    private var framer = LineFramer()
    private var detector: FormatDetector
    private var pending: [Substring] = []
    private var switchDetector: FormatDetector
    private var switchPending: [Substring] = []
    private var arrivals = ArrivalRate()
    private var samples = SampleRateEstimator()
    private var timed = false
    private var pulseSensor = PulseSensorLine()
    private var max3010x = MAX3010xLine()
    private var heartRateRR = HeartRateRRLine()
    private var bleHex = BLEHexLine()
    private var waveform: (any WaveformBeatDetector)?
    private var sampleIndex = 0
    /// The stream's sample index where the detector's numbering starts (its creation or a restart).
    private var waveformOrigin = 0
    /// The last beat, in samples of the stream (fractional when the detector runs on interpolated samples).
    private var lastBeatPosition: Double?
    /// Detector samples per stream sample: a PPG slower than `minimumPPGDetectorRateHz` is
    /// interpolated for the detector.
    private var upsampling = 1
    /// The last four samples since the detector's start (Catmull-Rom needs them).
    private var interpolationHistory: [Double] = []
    private var reportedSampleRateHz: Double?
    private var lastSampleValue: Double?
    private var repeatedSamples = 0
    private var leadsOff = false
    /// Auto-detection found a waveform and holds it until its shape tells ECG from PPG.
    private var shapeClassification: ShapeClassification?
    /// A waveform format whose sample rate is still being measured: its lines are held.
    private var awaitingRate: SensorFormat?

    /// `format` nil: detect it. `sampleRateHz` of `ecg`/`ppg` input; nil: estimated from arrival
    /// times (the default rate for input without them).
    public init(format: SensorFormat? = nil, sampleRateHz: Double? = nil) {
        configuredFormat = format
        configuredSampleRateHz = sampleRateHz
        self.sampleRateHz = sampleRateHz ?? Self.defaultSampleRateHz
        let waveformGuess: SensorFormat = format == .ppg ? .ppg : .ecg
        detector = FormatDetector(waveformFormat: waveformGuess)
        switchDetector = detector
        if let format {
            if format.isWaveform && sampleRateHz == nil {
                awaitingRate = format
            } else {
                use(format)
            }
        }
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>, arrivalSeconds: Double? = nil, _ emit: (Output) -> Void) {
        var items: [LineFramer.Item] = []
        framer.feed(bytes) { items.append($0) }
        if let arrivalSeconds {
            timed = true
            lastArrivalSeconds = arrivalSeconds
            arrivals.add(lines: items.count, at: arrivalSeconds)
            if format == nil || format?.isWaveform == true { countSamples(items, at: arrivalSeconds) }
        }
        for item in items {
            switch item {
            case .overlong: rejected.count(.overlongLine)
            case .line(let bytes):
                guard let text = LineText.decode(bytes) else { rejected.count(.binary); continue }
                if text.isEmpty { continue }
                handle(text, emit)
            }
        }
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>, arrivalSeconds: Double? = nil) -> [Output] {
        var out: [Output] = []
        feed(bytes, arrivalSeconds: arrivalSeconds) { out.append($0) }
        return out
    }

    private var timing: ArrivalRate? { timed ? arrivals : nil }
    private var lastArrivalSeconds: Double?

    /// Called when no bytes came for a while: numbers that arrived in a burst and then stopped
    /// (a backlog, a test writing at once) are no waveform, so after 0.5 s of quiet the content
    /// decides as for a file.
    public mutating func idle(nowSeconds: Double, _ emit: (Output) -> Void) {
        if awaitingRate != nil, let last = lastArrivalSeconds, nowSeconds - last >= 0.5, timing?.isBurst == true {
            stopAwaitingRate(emit)
            return
        }
        guard format == nil, shapeClassification == nil, awaitingRate == nil, let last = lastArrivalSeconds, nowSeconds - last >= 0.5,
            let decided = detector.decideAfterQuiet()
        else { return }
        let held = pending
        pending = []
        if decided.isWaveform {
            startClassifyingShape(held, alreadyCounted: 0, emit)
            return
        }
        use(decided)
        emit(.formatDetected(decided))
        for l in held { read(l, emit) }
    }

    /// Sample lines (and gaps) as they arrive, for the sample rate, whatever is being held.
    private mutating func countSamples(_ items: [LineFramer.Item], at seconds: Double) {
        var n = 0
        for case .line(let bytes) in items {
            guard let text = LineText.decode(bytes) else { continue }
            switch WaveformLine.read(text) {
            case .sample: n += 1
            case .leadsOff:
                n = 0
                samples.restart()
            default: continue
            }
        }
        samples.add(samples: n, at: seconds)
    }

    private mutating func handle(_ line: Substring, _ emit: (Output) -> Void) {
        if shapeClassification != nil {
            classifyShape(line, emit)
            return
        }
        if awaitingRate != nil {
            pending.append(line)
            // A burst keeps the lines held too: a live device's first read after the reader was
            // held up (a busy machine) brings seconds of lines at once, and the pace follows; a
            // file written at once goes quiet instead, and `idle` decides.
            if let timing, timing.isBurst || samples.spanSeconds < SampleRateEstimator.firstEstimateSeconds || samples.sampleRateHz == nil,
                pending.count <= Self.maximumPendingLines
            { return }
            stopAwaitingRate(emit)
            return
        }
        guard format != nil else {
            pending.append(line)
            if let decided = detector.vote(line, timing: timing) {
                let held = pending
                pending = []
                if decided.isWaveform {
                    measureSampleRate()
                    startClassifyingShape(held, alreadyCounted: 0, emit)
                    return
                }
                use(decided)
                emit(.formatDetected(decided))
                for l in held { read(l, emit) }
            } else if pending.count > Self.maximumPendingLines {
                pending.removeFirst()
                rejected.count(.unparseable)
            }
            return
        }
        read(line, emit)
    }

    /// The rate is measured (or, for lines without a pace, the default): the held lines are read.
    private mutating func stopAwaitingRate(_ emit: (Output) -> Void) {
        guard let waiting = awaitingRate else { return }
        awaitingRate = nil
        let held = pending
        pending = []
        measureSampleRate()
        use(waiting)
        emit(.sampleRate(hz: sampleRateHz, estimated: sampleRateIsEstimated))
        for l in held { read(l, emit) }
    }

    /// Takes the rate from arrival times when none is configured and lines came at a pace.
    private mutating func measureSampleRate() {
        guard configuredSampleRateHz == nil, let timing, !timing.isBurst, let rate = samples.sampleRateHz else { return }
        sampleRateHz = min(max(rate, Self.measurableSampleRatesHz.lowerBound), Self.measurableSampleRatesHz.upperBound)
        sampleRateIsEstimated = true
    }

    private mutating func read(_ line: Substring, _ emit: (Output) -> Void) {
        let readings = parse(line)
        if readings.count == 1, case .rejected(let kind) = readings[0] {
            if kind == .unparseable && Self.isText(line) {
                rejected.chatterLines += 1
            } else {
                rejected.count(kind)
            }
            if configuredFormat == nil { lookForNewFormat(line, emit) }
            return
        }
        for reading in readings {
            if case .rejected(let kind) = reading { rejected.count(kind); continue }
            apply(reading, emit)
        }
    }

    /// Words, not numbers: a firmware's own messages.
    static func isText(_ line: Substring) -> Bool {
        var run = 0
        for c in line {
            run = c.isLetter ? run + 1 : 0
            if run >= 3 { return true }
        }
        return false
    }

    private mutating func apply(_ reading: LineReading, _ emit: (Output) -> Void) {
        switchDetector = FormatDetector(waveformFormat: detector.waveformFormat)
        switchPending.removeAll()
        switch reading {
        case .beats(let beats):
            acceptedLines += 1
            for b in beats { emit(.beat(b)) }
        case .sample(let x):
            acceptedLines += 1
            addSample(x, emit)
        case .leadsOff:
            acceptedLines += 1
            rejected.leadsOffSamples += 1
            sampleIndex += 1
            restartDetection()
            if !leadsOff { leadsOff = true; emit(.leadsOff) }
        case .ignored: acceptedLines += 1
        case .chatter: rejected.chatterLines += 1
        case .rejected: break
        }
    }

    /// Rejected lines that agree on another format make an auto-detecting decoder switch to it;
    /// the lines that decided are replayed in the new format (they were counted once, as rejected).
    private mutating func lookForNewFormat(_ line: Substring, _ emit: (Output) -> Void) {
        switchPending.append(line)
        if switchPending.count > Self.maximumSwitchLines { switchPending.removeFirst() }
        // Arrival rates belong to the old format's lines: a switch is decided on content.
        guard let decided = switchDetector.vote(line, timing: nil), decided != format else { return }
        let held = switchPending
        switchPending = []
        switchDetector = FormatDetector(waveformFormat: detector.waveformFormat)
        if decided.isWaveform {
            startClassifyingShape(held, alreadyCounted: held.count, emit)
            return
        }
        use(decided)
        emit(.formatDetected(decided))
        replayCounted(held, emit)
    }

    /// Lines already counted as rejected once: only those the new format reads are applied.
    private mutating func replayCounted(_ lines: some Sequence<Substring>, _ emit: (Output) -> Void) {
        for l in lines {
            for reading in parse(l) {
                if case .rejected = reading { continue }
                if case .chatter = reading { continue }
                apply(reading, emit)
            }
        }
    }

    /// A waveform was detected: its samples are held until their shape says ECG or PPG, then
    /// replayed in that format. `alreadyCounted` leading lines were counted as rejected once.
    private mutating func startClassifyingShape(_ held: [Substring], alreadyCounted: Int, _ emit: (Output) -> Void) {
        shapeClassification = ShapeClassification(
            sampleRateHz: sampleRateHz, alreadyCounted: alreadyCounted,
            maximumLines: Int(sampleRateHz * Self.maximumShapeSeconds))
        for line in held {
            if shapeClassification != nil { classifyShape(line, emit) } else { read(line, emit) }
        }
    }

    private mutating func classifyShape(_ line: Substring, _ emit: (Output) -> Void) {
        guard var classification = shapeClassification else { return }
        shapeClassification = nil  // keeps the held lines uniquely referenced while they grow
        guard let shape = classification.add(line) else {
            shapeClassification = classification
            return
        }
        measureSampleRate()
        let decided: SensorFormat = shape == .ppg || sampleRateHz < Self.slowestECGRateHz ? .ppg : .ecg
        use(decided)
        emit(.formatDetected(decided))
        emit(.sampleRate(hz: sampleRateHz, estimated: sampleRateIsEstimated))
        replayCounted(classification.held.prefix(classification.alreadyCounted), emit)
        for l in classification.held.dropFirst(classification.alreadyCounted) { read(l, emit) }
    }

    private mutating func addSample(_ x: Double, _ emit: (Output) -> Void) {
        leadsOff = false
        defer { sampleIndex += 1 }
        // Half a second of one repeated value is no signal (a sketch pre-filling a plotter, a
        // saturated input): detection restarts where the signal moves again, so the detector
        // does not learn its levels from a flat line.
        if x == lastSampleValue {
            repeatedSamples += 1
        } else {
            if Double(repeatedSamples) >= 0.5 * sampleRateHz { restartDetection() }
            repeatedSamples = 0
        }
        lastSampleValue = x
        guard var detector = waveform else { return }
        waveform = nil  // keeps the existential uniquely referenced while it mutates
        defer { waveform = detector }
        if upsampling == 1 {
            if let b = detector.add(x) { found(beatAt: Double(b), emit) }
            return
        }
        // Sample n completes the segment between n - 2 and n - 1 (the first ones padded with
        // the first value); detector sample j lies at stream position j / upsampling.
        if interpolationHistory.isEmpty { interpolationHistory = [x, x, x] }
        interpolationHistory.append(x)
        if interpolationHistory.count > 4 { interpolationHistory.removeFirst() }
        let n = sampleIndex - waveformOrigin
        guard n >= 2 else { return }
        let (p0, p1, p2, p3) = (interpolationHistory[0], interpolationHistory[1], interpolationHistory[2], interpolationHistory[3])
        for m in 0..<upsampling {
            let t = Double(m) / Double(upsampling)
            let y = 0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t + (3 * p1 - p0 - 3 * p2 + p3) * t * t * t)
            if let b = detector.add(y) { found(beatAt: Double(b) / Double(upsampling), emit) }
        }
    }

    /// A beat at `position` samples after the detector's start.
    private mutating func found(beatAt position: Double, _ emit: (Output) -> Void) {
        let beat = position + Double(waveformOrigin)
        if sampleRateIsEstimated { refineSampleRate(emit) }
        if let last = lastBeatPosition {
            let rr = (beat - last) * 1000 / sampleRateHz
            if PlausibleRange.rrMilliseconds.contains(rr) {
                emit(.beat(SensorBeat(rrMilliseconds: rr, signalTimeSeconds: beat / sampleRateHz)))
            } else {
                rejected.count(.outOfRange)
            }
        }
        lastBeatPosition = beat
    }

    /// Detection starts again at the current sample (after leads off, or where a flat run ends):
    /// no interval spans the break.
    private mutating func restartDetection() {
        waveform = makeDetector()
        waveformOrigin = sampleIndex
        interpolationHistory = []
        lastBeatPosition = nil
    }

    private func makeDetector() -> (any WaveformBeatDetector)? {
        switch format {
        // A measured rate below what a detector works at (a stalled line) must not stop the reader.
        case .ecg: QRSDetector(sampleRateHz: max(50, sampleRateHz))
        case .ppg: PPGPeakDetector(sampleRateHz: upsampling > 1 ? sampleRateHz * Double(upsampling) : max(20, sampleRateHz))
        default: nil
        }
    }

    /// An estimated rate keeps being measured: the longer the window, the closer it gets.
    private mutating func refineSampleRate(_ emit: (Output) -> Void) {
        guard let timing, !timing.isBurst, var rate = samples.sampleRateHz else { return }
        rate = min(max(rate, Self.measurableSampleRatesHz.lowerBound), Self.measurableSampleRatesHz.upperBound)
        sampleRateHz = rate
        if let reported = reportedSampleRateHz, abs(rate - reported) > 0.02 * reported {
            reportedSampleRateHz = rate
            emit(.sampleRate(hz: rate, estimated: true))
        }
    }

    private mutating func parse(_ line: Substring) -> [LineReading] {
        switch format {
        case .rr: [RRLine.read(line)]
        case .hr: [HeartRateLine.read(line)]
        case .json: [JSONLine.read(line)]
        case .pulsesensor: [pulseSensor.read(line)]
        case .bleHRM: bleHex.read(line)
        case .ecg, .ppg: [WaveformLine.read(line)]
        case .max3010x: [max3010x.read(line)]
        case .hrRR, .hrRR1024: [heartRateRR.read(line)]
        case .openhrv: [OpenHRVLine.read(line)]
        case nil: [.rejected(.unparseable)]
        }
    }

    private mutating func use(_ newFormat: SensorFormat) {
        format = newFormat
        pulseSensor = PulseSensorLine()
        max3010x = MAX3010xLine()
        heartRateRR = HeartRateRRLine(rrsListIn1024: newFormat == .hrRR1024)
        bleHex = BLEHexLine()
        upsampling = newFormat == .ppg && sampleRateHz < Self.minimumPPGDetectorRateHz
            ? Int((Self.minimumPPGDetectorRateHz / sampleRateHz).rounded(.up)) : 1
        if newFormat.isWaveform { reportedSampleRateHz = sampleRateHz }
        // A detector numbers samples from its creation; the stream's numbering continues.
        restartDetection()
    }
}

/// The lines of a detected waveform, held while `WaveformShapeClassifier` looks at their samples.
private struct ShapeClassification: Sendable {
    var classifier: WaveformShapeClassifier
    var held: [Substring] = []
    let alreadyCounted: Int
    let maximumLines: Int
    let sampleRateHz: Double
    /// A value repeated for half a second is no signal (a sketch pre-filling a plotter, a sensor
    /// settling): its zero changes would pass for an ECG's flat baseline, so the shape is judged
    /// from where the signal starts moving.
    private var lastValue: Double?
    private var repeats = 0
    /// Lines since the signal last started moving: what the limit counts (a sketch's 500 flat
    /// start-up lines are 40 s of a 12.5 Hz plotter).
    private var linesSinceRestart = 0

    init(sampleRateHz: Double, alreadyCounted: Int, maximumLines: Int) {
        classifier = WaveformShapeClassifier(sampleRateHz: sampleRateHz)
        self.alreadyCounted = alreadyCounted
        self.maximumLines = maximumLines
        self.sampleRateHz = sampleRateHz
    }

    /// Holds `line`; the shape once decided, ECG when held lines reach the limit undecided.
    mutating func add(_ line: Substring) -> WaveformShapeClassifier.Shape? {
        held.append(line)
        linesSinceRestart += 1
        var shape: WaveformShapeClassifier.Shape?
        switch WaveformLine.read(line) {
        case .sample(let x):
            if x == lastValue {
                repeats += 1
            } else {
                if Double(repeats) >= 0.5 * sampleRateHz {
                    classifier = WaveformShapeClassifier(sampleRateHz: sampleRateHz)
                    linesSinceRestart = 1
                }
                repeats = 0
            }
            lastValue = x
            shape = classifier.add(x)
        case .leadsOff: classifier.gap()
        default: break
        }
        return shape ?? (linesSinceRestart >= maximumLines || held.count >= SensorDecoder.maximumPendingLines ? .ecg : nil)
    }
}
