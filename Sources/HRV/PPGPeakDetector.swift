/// Streaming systolic-peak detector for photoplethysmograms: Elgendi et al. 2013 (PLoS ONE 8(10):
/// e76585, "Systolic peak detection in acceleration photoplethysmograms"), as NeuroKit2's
/// `ppg_findpeaks(method="elgendi")` implements it, made causal, behind a signal-quality gate.
///
/// - Band-pass 0.5-8 Hz (second-order Butterworth sections; NeuroKit2 runs its filter forwards and
///   backwards, which a stream cannot, so peaks sit 0-20 ms later than NeuroKit2's).
/// - Keep the positive part, squared. Moving averages of it over W1 = 111 ms (the systolic peak)
///   and W2 = 667 ms (the beat), both centred on the same sample as NeuroKit2's are: the decision
///   for a sample is taken (W2 - 1) / 2 samples (333 ms) after it.
/// - Blocks of interest: where the W1 average exceeds the W2 average plus β = 0.02 times the mean
///   of the squared signal (over the last ~10 s here; NeuroKit2 takes the whole record). A block
///   shorter than W1 is noise. The peak is the block's most prominent local maximum of the
///   filtered signal (`scipy.signal.find_peaks` prominence within the block), kept if more than
///   300 ms after the previous peak.
/// - Quality gate (not in the paper): no peak when the last 2 s of the raw signal are flat (a range
///   of at most 3 quantization steps: no finger, only the converter's flicker) or clipped (5 % or
///   more of the samples at the window's maximum: the sensor saturated and cut the systolic peaks
///   off, so their place is unknown). Clean recordings have at most 2.5 % there. A floor is no
///   clipping of the peaks: a signal resting at exactly 0 between pulses (as the simulator's, or
///   firmware that subtracts its baseline) keeps its beats.
///
/// - Warm-up: NeuroKit2's β term is the mean over the whole record, pulses included; a stream's
///   first seconds know only what came so far, and before the first pulse that is noise, whose
///   own ripples then pass for blocks (a phantom first beat, one RR off, whether the settling
///   ended a sample before or after one). So the peaks of a segment's first 2 s are held and
///   judged again against the mean at 2 s (a heart at 30 bpm or faster has beaten by then): a
///   block stays when W1 of its samples still exceed it.
///
/// A peak is reported when its block closes plus 333 ms: about 0.45 s after it on the reference
/// recordings; at most 2.4 s (a block longer than 2 s is no pulse and is dropped); the peaks of a
/// segment's first 2 s at its 2.3rd s. The first 0.5 s of every segment settle the filters.
public struct PPGPeakDetector: WaveformBeatDetector {
    public let sampleRateHz: Double

    /// The quality gate's window, seconds.
    public static let qualityWindowSeconds = 2.0
    /// A window whose range is at most this many quantization steps is flat.
    public static let flatSteps = 3.0
    /// A window with at least this share of its samples at its maximum is clipped.
    public static let clippedShare = 0.05

    private var highPass: Biquad
    private var lowPass: Biquad
    private let shortSamples: Int, longSamples: Int
    /// How far the centre of both averages lies behind the newest sample: (W2 - 1) / 2.
    private let centreLag: Int
    private var squared: RingBuffer<Double>
    private var shortSum = 0.0, longSum = 0.0
    private var filtered: RingBuffer<Double>
    private var raw: RingBuffer<Double>
    private var previousRaw: Double?
    /// Smallest change between successive samples seen: the converter's step.
    private var quantum = Double.infinity
    private var meanSquare = 0.0
    private var meanSquareCount = 0
    private let meanSquareWeight: Double
    private let settlingSamples: Int
    private let minimumDelaySamples: Int
    private let maximumBlockSamples: Int
    /// Centres after a segment's start whose peaks are held until the mean energy has seen a pulse.
    private let warmUpSamples: Int
    /// Held peaks of the warm-up, each with its block's strength (see `blockStrength`).
    private var provisional: [(peak: Int, strength: Double)] = []
    /// Peaks confirmed and not yet returned (the held ones come out one per sample).
    private var ready: [Int] = []
    /// The short average's excess over the long one, per centre: what decides a block.
    private var excess: RingBuffer<Double>
    private var index = -1
    private var offset: Double?
    private var segmentStart = 0
    private var wasInBlock = false
    private var blockBegin: Int?
    private var lastPeak: Int?
    /// Work space for the prominence search, allocated once.
    private var block: [Double]

    public init(sampleRateHz: Double) {
        precondition(sampleRateHz >= 20, "PPG peak detection needs at least 20 samples per second")
        self.sampleRateHz = sampleRateHz
        highPass = Biquad(.highPass, cornerHz: 0.5, sampleRateHz: sampleRateHz)
        lowPass = Biquad(.lowPass, cornerHz: 8, sampleRateHz: sampleRateHz)
        shortSamples = max(1, Int((0.111 * sampleRateHz).rounded()))
        longSamples = max(3, Int((0.667 * sampleRateHz).rounded()))
        centreLag = (longSamples - 1) / 2
        squared = RingBuffer(capacity: longSamples, filler: 0)
        maximumBlockSamples = Int(2 * sampleRateHz)
        filtered = RingBuffer(capacity: maximumBlockSamples + centreLag + 4, filler: 0)
        raw = RingBuffer(capacity: max(2, Int(Self.qualityWindowSeconds * sampleRateHz)), filler: 0)
        meanSquareWeight = 1 / (10 * sampleRateHz)
        settlingSamples = Int(0.5 * sampleRateHz)
        minimumDelaySamples = Int((0.3 * sampleRateHz).rounded())
        warmUpSamples = Int((2 * sampleRateHz).rounded())
        excess = RingBuffer(capacity: maximumBlockSamples + 2, filler: 0)
        block = [Double](repeating: 0, count: maximumBlockSamples + 1)
    }

    public mutating func add(_ sample: Double) -> Int? {
        if let peak = detect(sample) { ready.append(peak) }
        return ready.isEmpty ? nil : ready.removeFirst()
    }

    private mutating func detect(_ sample: Double) -> Int? {
        index += 1
        // Start the filters from the signal's level: a large DC offset (raw ADC counts) would
        // otherwise ring through the high-pass for seconds.
        if index == segmentStart || offset == nil { offset = sample }
        if let previousRaw, sample != previousRaw { quantum = min(quantum, abs(sample - previousRaw)) }
        previousRaw = sample
        raw.append(sample)
        let y = lowPass.process(highPass.process(sample - offset!))
        filtered.append(y)
        let energy = y > 0 ? y * y : 0
        // Long average: the W2 samples ending now. Short average: the W1 samples centred on the
        // same sample, W2's centre (scipy's `uniform_filter1d` places a window of n on
        // [c - n/2, c + (n-1)/2]); it enters `squared` before leaving it, as W1 < W2 / 2.
        if squared.isFull { longSum -= squared.first! }
        squared.append(energy)
        longSum += energy
        let sinceStart = index - segmentStart
        guard sinceStart >= longSamples - 1 else { return nil }
        let shortEnd = squared.count - 1 - centreLag + (shortSamples - 1) / 2
        if sinceStart == longSamples - 1 {
            shortSum = 0
            for i in (shortEnd - shortSamples + 1)...shortEnd { shortSum += squared[i] }
        } else {
            shortSum += squared[shortEnd] - squared[shortEnd - shortSamples]
        }
        // β times the mean energy: a plain mean until 10 s are known, then over about 10 s.
        meanSquareCount += 1
        meanSquare += (energy - meanSquare) * max(meanSquareWeight, 1 / Double(meanSquareCount))

        let centre = index - centreLag
        let blockExcess = shortSum / Double(shortSamples) - longSum / Double(longSamples)
        excess.append(blockExcess)
        let inBlock = blockExcess > 0.02 * meanSquare
        defer { wasInBlock = inBlock }
        if centre - segmentStart == warmUpSamples { confirmWarmUpPeaks() }
        guard centre - segmentStart >= settlingSamples else { return nil }
        if inBlock, !wasInBlock {
            // NeuroKit2's block starts at the last sample outside it, and ends at its last sample inside.
            blockBegin = centre - 1
            return nil
        }
        guard !inBlock, wasInBlock, let begin = blockBegin else { return nil }
        blockBegin = nil
        let end = centre - 1
        guard end - begin >= shortSamples, end - begin <= maximumBlockSamples else { return nil }
        guard let peak = mostProminentPeak(from: begin, to: end) else { return nil }
        if let lastPeak, peak - lastPeak <= minimumDelaySamples { return nil }
        guard signalIsUsable() else { return nil }
        lastPeak = peak
        if centre - segmentStart < warmUpSamples {
            provisional.append((peak, blockStrength(from: begin, to: end)))
            return nil
        }
        return peak
    }

    /// The W1-th largest excess inside the block (centres `from + 1 ... to`): the block would
    /// still be one (W1 samples above the threshold) under any threshold below it.
    private mutating func blockStrength(from: Int, to: Int) -> Double {
        let oldest = index - centreLag - excess.count + 1
        let n = to - from
        for i in 0..<n { block[i] = excess[from + 1 + i - oldest] }
        block[0..<n].sort(by: >)
        return block[shortSamples - 1]
    }

    private mutating func confirmWarmUpPeaks() {
        let threshold = 0.02 * meanSquare
        let kept = provisional.filter { $0.strength > threshold }.map(\.peak)
        if provisional.last.map({ $0.strength <= threshold }) == true { lastPeak = kept.last }
        ready.append(contentsOf: kept)
        provisional.removeAll()
    }

    public mutating func gap() {
        let next = index + 1
        let confirmed = ready
        self = PPGPeakDetector(sampleRateHz: sampleRateHz)
        ready = confirmed
        index = next
        segmentStart = next + 1
    }

    /// The local maximum of the filtered signal in [from, to) with the largest prominence, as
    /// `scipy.signal.find_peaks(x[from:to], prominence=(None, None))` finds them: a plateau's peak
    /// is its middle sample (rounded down), the ends of the block are no peaks, and prominence is
    /// measured within the block.
    private mutating func mostProminentPeak(from: Int, to: Int) -> Int? {
        let oldest = index - filtered.count + 1
        guard from >= oldest else { return nil }
        let n = to - from
        for i in 0..<n { block[i] = filtered[from + i - oldest] }
        var best: Int?, bestProminence = -Double.infinity
        var i = 1
        while i < n - 1 {
            guard block[i - 1] < block[i] else { i += 1; continue }
            var ahead = i + 1
            while ahead < n - 1, block[ahead] == block[i] { ahead += 1 }
            guard block[ahead] < block[i] else { i = ahead; continue }
            let peak = (i + ahead - 1) / 2
            let prominence = prominenceInBlock(peak, count: n)
            if prominence > bestProminence {
                bestProminence = prominence
                best = peak
            }
            i = ahead
        }
        return best.map { from + $0 }
    }

    /// scipy's prominence: the peak's height over the higher of the lowest points on either side
    /// before the signal rises above the peak (or the block ends).
    private func prominenceInBlock(_ peak: Int, count: Int) -> Double {
        let height = block[peak]
        var leftMinimum = height
        var j = peak - 1
        while j >= 0, block[j] <= height {
            leftMinimum = min(leftMinimum, block[j])
            j -= 1
        }
        var rightMinimum = height
        j = peak + 1
        while j < count, block[j] <= height {
            rightMinimum = min(rightMinimum, block[j])
            j += 1
        }
        return height - max(leftMinimum, rightMinimum)
    }

    /// The quality gate: neither flat nor clipped over the last `qualityWindowSeconds`.
    private func signalIsUsable() -> Bool {
        var highest = -Double.infinity, lowest = Double.infinity
        for i in 0..<raw.count {
            highest = max(highest, raw[i])
            lowest = min(lowest, raw[i])
        }
        let range = highest - lowest
        if range == 0 || (quantum.isFinite && range <= Self.flatSteps * quantum) { return false }
        var atHighest = 0
        for i in 0..<raw.count where raw[i] == highest { atHighest += 1 }
        return Double(atHighest) < Self.clippedShare * Double(raw.count)
    }
}
