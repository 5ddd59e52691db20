/// Streaming QRS detector of the Pan-Tompkins family (Pan & Tompkins 1985, IEEE TBME 32(3)).
///
/// Band-pass 5-15 Hz, five-point derivative, squaring, 150 ms moving-window integration, then
/// adaptive signal/noise peak levels with a 200 ms refractory period and search-back at 1.66 times
/// the mean RR. A beat is confirmed 200 ms after its integrated peak (no larger peak followed), and
/// placed on the R wave (see `rWave(before:)`), so it is reported about 0.3 s after the R wave; a
/// search-back beat at most 0.5 s after it (older candidates are given up). The first
/// 2 s of every segment learn the levels; the peaks seen while learning are then judged, so no beat
/// is lost, but those are reported up to 2 s late, once.
public struct QRSDetector: WaveformBeatDetector {
    public let sampleRateHz: Double

    private var highPass: Biquad
    private var lowPass: Biquad
    private var derivativeInput = (0.0, 0.0, 0.0, 0.0)
    private var window: RingBuffer<Double>
    private var windowSum = 0.0
    private var bandPassed: RingBuffer<Double>
    /// The input less its first sample, for placing the beat on the R wave of the signal itself.
    private var raw: RingBuffer<Double>
    /// Half-width of the smoothing applied before the R wave is looked for (see `rWave(before:)`).
    private let smoothingSamples: Int
    /// Running vote on the QRS polarity: positive when the R wave points up.
    private var polarityVote = 0.0
    /// Work space of `rWave(before:)`, allocated once.
    private var scratch: [Double], smoothed: [Double], median: [Double]
    private var integrated = (previous: 0.0, beforePrevious: 0.0)

    private let refractorySamples: Int
    private let learningSamples: Int
    private let settlingSamples: Int
    private let searchBackAgeSamples: Int
    private var index = -1
    private var offset: Double?
    private var segmentStart = 0
    private var learnedMaximum = 0.0
    private var learnedSum = 0.0
    private var learnedCount = 0
    private var learning = true
    private var learningPeaks: [(index: Int, value: Double)] = []

    private var signalLevel = 0.0
    private var noiseLevel = 0.0
    private var tentative: (index: Int, value: Double)?
    private var searchBack: (index: Int, value: Double)?
    private var lastQRS: Int?
    private var lastIntegratedPeak: Int?
    private var recentRR: RingBuffer<Int>
    private var confirmed: RingBuffer<Int>

    public init(sampleRateHz: Double) {
        precondition(sampleRateHz >= 50, "QRS detection needs at least 50 samples per second")
        self.sampleRateHz = sampleRateHz
        highPass = Biquad(.highPass, cornerHz: 5, sampleRateHz: sampleRateHz)
        lowPass = Biquad(.lowPass, cornerHz: 15, sampleRateHz: sampleRateHz)
        window = RingBuffer(capacity: max(1, Int((0.15 * sampleRateHz).rounded())), filler: 0)
        bandPassed = RingBuffer(capacity: Int(2.5 * sampleRateHz), filler: 0)
        raw = RingBuffer(capacity: Int(2.5 * sampleRateHz), filler: 0)
        smoothingSamples = max(1, Int((sampleRateHz / 50).rounded()))
        // The search span (integration window + 50 ms) and the smoothing's reach either side.
        let spanCapacity = Int((0.15 * sampleRateHz).rounded()) + Int(0.05 * sampleRateHz) + 4 * smoothingSamples + 4
        scratch = [Double](repeating: 0, count: spanCapacity)
        smoothed = scratch
        median = scratch
        refractorySamples = Int((0.2 * sampleRateHz).rounded())
        learningSamples = Int(2 * sampleRateHz)
        settlingSamples = Int(0.25 * sampleRateHz)
        searchBackAgeSamples = Int(0.38 * sampleRateHz)
        recentRR = RingBuffer(capacity: 8, filler: 0)
        confirmed = RingBuffer(capacity: 16, filler: 0)
        learningPeaks.reserveCapacity(32)
    }

    public mutating func add(_ sample: Double) -> Int? {
        index += 1
        // Start the filters from the signal's level: a large DC offset (raw ADC counts) would
        // otherwise ring through the high-pass for seconds.
        if index == segmentStart || offset == nil { offset = sample }
        let filtered = lowPass.process(highPass.process(sample - offset!))
        bandPassed.append(filtered)
        raw.append(sample - offset!)
        let d = derivativeInput
        let slope = (2 * filtered + d.0 - d.2 - 2 * d.3) / 8
        derivativeInput = (filtered, d.0, d.1, d.2)
        if window.isFull { windowSum -= window.first! }
        window.append(slope * slope)
        windowSum += slope * slope
        let value = max(0, windowSum) / Double(window.count)

        let sinceStart = index - segmentStart
        let isPeak = integrated.previous > integrated.beforePrevious && integrated.previous >= value
        let peakIndex = index - 1, peakValue = integrated.previous
        integrated = (value, integrated.previous)

        if learning {
            if sinceStart >= settlingSamples {
                learnedMaximum = max(learnedMaximum, value)
                learnedSum += value
                learnedCount += 1
                if isPeak, peakIndex - segmentStart >= settlingSamples {
                    // Ripples of the integrated signal within a refractory period are one peak
                    // (at 1000 Hz they would fill the list before the second QRS).
                    if let last = learningPeaks.last, peakIndex - last.index < refractorySamples {
                        if peakValue > last.value { learningPeaks[learningPeaks.count - 1] = (peakIndex, peakValue) }
                    } else if learningPeaks.count < 32 {
                        learningPeaks.append((peakIndex, peakValue))
                    }
                }
            }
            if sinceStart >= learningSamples { finishLearning() }
        } else {
            confirmIfDue()
            if isPeak { judge(peakIndex, peakValue) }
            searchBackIfDue()
        }
        return confirmed.isEmpty ? nil : takeConfirmed()
    }

    public mutating func gap() {
        let next = index + 1
        self = QRSDetector(sampleRateHz: sampleRateHz)
        index = next
        segmentStart = next + 1
    }

    private mutating func takeConfirmed() -> Int {
        let beat = confirmed.first!
        confirmed.removeFirst()
        return beat
    }

    private var threshold: Double { noiseLevel + 0.25 * (signalLevel - noiseLevel) }

    private mutating func finishLearning() {
        learning = false
        signalLevel = learnedMaximum / 3
        noiseLevel = learnedCount > 0 ? learnedSum / Double(learnedCount) / 2 : 0
        let peaks = learningPeaks
        learningPeaks.removeAll()
        for peak in peaks {
            if let t = tentative, peak.index - t.index >= refractorySamples { confirm(t, weight: 0.125) }
            judge(peak.index, peak.value)
        }
    }

    private mutating func judge(_ peakIndex: Int, _ value: Double) {
        if let t = tentative, peakIndex - t.index < refractorySamples {
            if value > t.value { tentative = (peakIndex, value) }
            return
        }
        if let last = lastIntegratedPeak, peakIndex - last < refractorySamples {
            noiseLevel = 0.125 * value + 0.875 * noiseLevel
            return
        }
        if value > threshold {
            tentative = (peakIndex, value)
        } else {
            noiseLevel = 0.125 * value + 0.875 * noiseLevel
            if value > threshold / 2, value > (searchBack?.value ?? 0) { searchBack = (peakIndex, value) }
        }
    }

    private mutating func confirmIfDue() {
        guard let t = tentative, index - t.index >= refractorySamples else { return }
        confirm(t, weight: 0.125)
    }

    private mutating func searchBackIfDue() {
        guard tentative == nil, let last = lastIntegratedPeak, recentRR.count >= 2, let candidate = searchBack else { return }
        var sum = 0
        for i in 0..<recentRR.count { sum += recentRR[i] }
        let meanRR = Double(sum) / Double(recentRR.count)
        guard Double(index - last) > 1.66 * meanRR else { return }
        // Older candidates would be reported more than 0.5 s after their R wave: let them go.
        guard index - candidate.index <= searchBackAgeSamples else {
            searchBack = nil
            return
        }
        confirm(candidate, weight: 0.25)
    }

    private mutating func confirm(_ peak: (index: Int, value: Double), weight: Double) {
        tentative = nil
        searchBack = nil
        signalLevel = weight * peak.value + (1 - weight) * signalLevel
        let rPeak = rWave(before: peak.index)
        if let last = lastQRS { recentRR.append(rPeak - last) }
        lastQRS = rPeak
        lastIntegratedPeak = peak.index
        confirmed.append(rPeak)
    }

    /// The beat's place: the peak of the R wave in the signal itself, not in the band-passed one,
    /// whose steepest lobe is as often the S wave's downstroke (on MIT-BIH 100 that put a third of
    /// the beats 3-4 samples late and the RR error SD at 5.6 ms).
    ///
    /// The QRS lies inside the integration window that ends at the integrated peak (plus 50 ms for
    /// the band-pass delay). That span of the signal is smoothed by a 20 ms moving average run
    /// forwards and backwards (the zero-phase mains filter of NeuroKit2's `ecg_clean`): it removes
    /// mains hum and quantization ties, which otherwise move the peak by a sample from beat to beat.
    /// The deflection is measured from the span's median (the baseline: the QRS fills less than
    /// half of it). Its polarity is the one most beats have had (an inverted lead gives negative R
    /// waves), unless the other side is twice as large: a ventricular beat of opposite polarity.
    private mutating func rWave(before peakIndex: Int) -> Int {
        let oldest = index - raw.count + 1
        let from = max(oldest, peakIndex - window.capacity - Int(0.05 * sampleRateHz))
        let to = min(index, peakIndex)
        guard from < to else { return peakIndex }
        // The smoothing reaches 2n - 2 samples either side: take them from the signal where it has them.
        let spanFrom = max(oldest, from - 2 * smoothingSamples), spanTo = min(index, to + 2 * smoothingSamples)
        let count = spanTo - spanFrom + 1
        for i in 0..<count { scratch[i] = raw[spanFrom + i - oldest] }
        // An even width cannot be centred: the two passes lean opposite ways, as forwards-backwards does.
        Self.centredMovingAverage(&scratch, &smoothed, count: count, width: smoothingSamples, before: (smoothingSamples - 1) / 2)
        Self.centredMovingAverage(&smoothed, &scratch, count: count, width: smoothingSamples, before: smoothingSamples / 2)
        let first = from - spanFrom, last = to - spanFrom
        var up = first, down = first
        for i in first...last {
            median[i - first] = scratch[i]
            if scratch[i] > scratch[up] { up = i }
            if scratch[i] < scratch[down] { down = i }
        }
        let baseline = Self.select(&median, count: last - first + 1, rank: (last - first + 1) / 2)
        let rise = scratch[up] - baseline, fall = baseline - scratch[down]
        polarityVote = 0.9 * polarityVote + 0.1 * (rise >= fall ? 1 : -1)
        let pointsUp = polarityVote >= 0 ? fall <= 2 * rise : rise > 2 * fall
        return spanFrom + (pointsUp ? up : down)
    }

    /// `output[i]` = mean of `input[i - before ..< i - before + width]` (clipped at the ends).
    private static func centredMovingAverage(_ input: inout [Double], _ output: inout [Double], count: Int, width: Int, before: Int) {
        var sum = 0.0, lo = 0, hi = -1
        for i in 0..<count {
            let wantLo = max(0, i - before), wantHi = min(count - 1, i - before + width - 1)
            while hi < wantHi { hi += 1; sum += input[hi] }
            while lo < wantLo { sum -= input[lo]; lo += 1 }
            output[i] = sum / Double(hi - lo + 1)
        }
    }

    /// The element of rank `rank` among `values[0..<count]` (Hoare's selection; reorders them).
    private static func select(_ values: inout [Double], count: Int, rank: Int) -> Double {
        var lo = 0, hi = count - 1
        while lo < hi {
            let pivot = values[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j { values.swapAt(i, j); i += 1; j -= 1 }
            }
            if rank <= j { hi = j } else if rank >= i { lo = i } else { return values[rank] }
        }
        return values[rank]
    }
}
