import HRV

/// Bytes from a sensor to beats: line framing, format detection, the line parsers and, for
/// waveforms, the beat detectors of `HRV`. Pure and deterministic: the same bytes give the same
/// outputs however they are split into chunks.
public struct SensorDecoder: Sendable {
    public enum Output: Sendable, Equatable {
        case beat(SensorBeat)
        /// The format in use was decided (auto-detection) or changed (the input switched format).
        case formatDetected(SensorFormat)
        /// A waveform sensor reported its electrodes off (`!`); emitted once per episode.
        case leadsOff
    }

    /// Lines held while a format is being detected (at the start, or after the input switched);
    /// older ones are dropped, so memory stays bounded whatever arrives.
    static let maximumPendingLines = 32
    /// Seconds of waveform held for its shape to decide ECG or PPG before it is taken for an ECG
    /// (leads off or a flat line all along): three of the classifier's windows.
    static let maximumShapeSeconds = 3 * WaveformShapeClassifier.windowSeconds

    public let configuredFormat: SensorFormat?
    public let sampleRateHz: Double
    public private(set) var format: SensorFormat?
    public private(set) var rejected = RejectedInputCounters()
    public private(set) var acceptedLines = 0

    private var framer = LineFramer()
    private var detector: FormatDetector
    private var pending: [Substring] = []
    private var switchDetector: FormatDetector
    private var switchPending: [Substring] = []
    private var pulseSensor = PulseSensorLine()
    private var waveform: (any WaveformBeatDetector)?
    private var sampleIndex = 0
    private var waveformOrigin = 0
    private var lastBeatSample: Int?
    private var leadsOff = false
    /// Auto-detection found a waveform and holds it until its shape tells ECG from PPG.
    private var shapeClassification: ShapeClassification?

    /// `format` nil: detect it. `sampleRateHz`: of `ecg`/`ppg` input.
    public init(format: SensorFormat? = nil, sampleRateHz: Double = 250) {
        configuredFormat = format
        self.sampleRateHz = sampleRateHz
        let waveformGuess: SensorFormat = format == .ppg ? .ppg : .ecg
        detector = FormatDetector(waveformFormat: waveformGuess)
        switchDetector = detector
        if let format { use(format) }
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>, _ emit: (Output) -> Void) {
        var items: [LineFramer.Item] = []
        framer.feed(bytes) { items.append($0) }
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

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Output] {
        var out: [Output] = []
        feed(bytes) { out.append($0) }
        return out
    }

    private mutating func handle(_ line: Substring, _ emit: (Output) -> Void) {
        if shapeClassification != nil {
            classifyShape(line, emit)
            return
        }
        guard format != nil else {
            pending.append(line)
            if let decided = detector.vote(line) {
                let held = pending
                pending = []
                if decided.isWaveform {
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

    private mutating func read(_ line: Substring, _ emit: (Output) -> Void) {
        let reading = parse(line)
        if case .rejected(let kind) = reading {
            rejected.count(kind)
            if configuredFormat == nil { lookForNewFormat(line, emit) }
            return
        }
        apply(reading, emit)
    }

    private mutating func apply(_ reading: LineReading, _ emit: (Output) -> Void) {
        switchDetector = FormatDetector(waveformFormat: detector.waveformFormat)
        switchPending.removeAll()
        acceptedLines += 1
        switch reading {
        case .beats(let beats): for b in beats { emit(.beat(b)) }
        case .sample(let x): addSample(x, emit)
        case .leadsOff:
            rejected.leadsOffSamples += 1
            sampleIndex += 1
            waveform?.gap()
            lastBeatSample = nil
            if !leadsOff { leadsOff = true; emit(.leadsOff) }
        case .ignored, .rejected: break
        }
    }

    /// Rejected lines that agree on another format make an auto-detecting decoder switch to it;
    /// the lines that decided are replayed in the new format (they were counted once, as rejected).
    private mutating func lookForNewFormat(_ line: Substring, _ emit: (Output) -> Void) {
        switchPending.append(line)
        if switchPending.count > Self.maximumPendingLines { switchPending.removeFirst() }
        guard let decided = switchDetector.vote(line), decided != format else { return }
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
            let reading = parse(l)
            if case .rejected = reading { continue }
            apply(reading, emit)
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
        let decided: SensorFormat = shape == .ppg ? .ppg : .ecg
        use(decided)
        emit(.formatDetected(decided))
        replayCounted(classification.held.prefix(classification.alreadyCounted), emit)
        for l in classification.held.dropFirst(classification.alreadyCounted) { read(l, emit) }
    }

    private mutating func addSample(_ x: Double, _ emit: (Output) -> Void) {
        leadsOff = false
        defer { sampleIndex += 1 }
        guard var detector = waveform else { return }
        waveform = nil  // keeps the existential uniquely referenced while it mutates
        let beat = detector.add(x)
        waveform = detector
        guard let beat = beat.map({ $0 + waveformOrigin }) else { return }
        if let last = lastBeatSample {
            let rr = Double(beat - last) * 1000 / sampleRateHz
            if PlausibleRange.rrMilliseconds.contains(rr) {
                emit(.beat(SensorBeat(rrMilliseconds: rr, signalTimeSeconds: Double(beat) / sampleRateHz)))
            } else {
                rejected.count(.outOfRange)
            }
        }
        lastBeatSample = beat
    }

    private mutating func parse(_ line: Substring) -> LineReading {
        switch format {
        case .rr: RRLine.read(line)
        case .hr: HeartRateLine.read(line)
        case .json: JSONLine.read(line)
        case .pulsesensor: pulseSensor.read(line)
        case .bleHRM: BLEHexLine.read(line)
        case .ecg, .ppg: WaveformLine.read(line)
        case nil: .rejected(.unparseable)
        }
    }

    private mutating func use(_ newFormat: SensorFormat) {
        format = newFormat
        pulseSensor = PulseSensorLine()
        lastBeatSample = nil
        switch newFormat {
        case .ecg: waveform = QRSDetector(sampleRateHz: sampleRateHz)
        case .ppg: waveform = PPGPeakDetector(sampleRateHz: sampleRateHz)
        default: waveform = nil
        }
        // A detector numbers samples from its creation; the stream's numbering continues.
        waveformOrigin = sampleIndex
    }
}

/// The lines of a detected waveform, held while `WaveformShapeClassifier` looks at their samples.
private struct ShapeClassification: Sendable {
    var classifier: WaveformShapeClassifier
    var held: [Substring] = []
    let alreadyCounted: Int
    let maximumLines: Int

    init(sampleRateHz: Double, alreadyCounted: Int, maximumLines: Int) {
        classifier = WaveformShapeClassifier(sampleRateHz: sampleRateHz)
        self.alreadyCounted = alreadyCounted
        self.maximumLines = maximumLines
    }

    /// Holds `line`; the shape once decided, ECG when held lines reach the limit undecided.
    mutating func add(_ line: Substring) -> WaveformShapeClassifier.Shape? {
        held.append(line)
        var shape: WaveformShapeClassifier.Shape?
        switch WaveformLine.read(line) {
        case .sample(let x): shape = classifier.add(x)
        case .leadsOff: classifier.gap()
        default: break
        }
        return shape ?? (held.count >= maximumLines ? .ecg : nil)
    }
}
