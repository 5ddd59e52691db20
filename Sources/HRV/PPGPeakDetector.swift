/// Streaming systolic-peak detector for photoplethysmograms, after Elgendi et al. 2013 (PLoS ONE
/// 8(10): e76585): band-pass 0.5-8 Hz, keep the positive part squared, and mark "blocks of
/// interest" where a 111 ms moving average exceeds a 667 ms one plus an offset; the peak is the
/// largest filtered sample of a block at least 111 ms long. Both averages are causal (trailing), so
/// a peak is reported when its block closes, about 0.2-0.3 s after it.
public struct PPGPeakDetector: WaveformBeatDetector {
    public let sampleRateHz: Double

    private var highPass: Biquad
    private var lowPass: Biquad
    private var shortWindow: RingBuffer<Double>
    private var longWindow: RingBuffer<Double>
    private var shortSum = 0.0, longSum = 0.0
    private var filtered: RingBuffer<Double>
    private var meanSquare = 0.0
    private let meanSquareWeight: Double
    private let settlingSamples: Int
    private let refractorySamples: Int
    private let maximumBlockSamples: Int
    private var index = -1
    private var offset: Double?
    private var segmentStart = 0
    private var blockStart: Int?
    private var lastPeak: Int?

    public init(sampleRateHz: Double) {
        precondition(sampleRateHz >= 20, "PPG peak detection needs at least 20 samples per second")
        self.sampleRateHz = sampleRateHz
        highPass = Biquad(.highPass, cornerHz: 0.5, sampleRateHz: sampleRateHz)
        lowPass = Biquad(.lowPass, cornerHz: 8, sampleRateHz: sampleRateHz)
        shortWindow = RingBuffer(capacity: max(1, Int((0.111 * sampleRateHz).rounded())), filler: 0)
        longWindow = RingBuffer(capacity: max(2, Int((0.667 * sampleRateHz).rounded())), filler: 0)
        filtered = RingBuffer(capacity: Int(2 * sampleRateHz), filler: 0)
        // The offset follows the signal energy over about 10 s instead of the whole record.
        meanSquareWeight = 1 / (10 * sampleRateHz)
        settlingSamples = Int(1 * sampleRateHz)
        refractorySamples = Int(0.3 * sampleRateHz)
        maximumBlockSamples = Int(1.5 * sampleRateHz)
    }

    public mutating func add(_ sample: Double) -> Int? {
        index += 1
        // Start the filters from the signal's level: a large DC offset (raw ADC counts) would
        // otherwise ring through the high-pass for seconds.
        if index == segmentStart || offset == nil { offset = sample }
        let y = lowPass.process(highPass.process(sample - offset!))
        filtered.append(y)
        let squared = y > 0 ? y * y : 0
        if shortWindow.isFull { shortSum -= shortWindow.first! }
        shortWindow.append(squared)
        shortSum += squared
        if longWindow.isFull { longSum -= longWindow.first! }
        longWindow.append(squared)
        longSum += squared
        let sinceStart = index - segmentStart
        // Learn the energy level after the filters' first second, as a plain mean until it is known.
        if sinceStart >= settlingSamples / 2 {
            let learned = sinceStart - settlingSamples / 2 + 1
            meanSquare += (squared - meanSquare) * max(meanSquareWeight, 1 / Double(learned))
        }
        guard sinceStart >= settlingSamples else { return nil }

        let inBlock = shortSum / Double(shortWindow.count) > longSum / Double(longWindow.count) + 0.02 * meanSquare
        if inBlock {
            if blockStart == nil { blockStart = index }
            if index - blockStart! > maximumBlockSamples { blockStart = nil }
            return nil
        }
        guard let start = blockStart else { return nil }
        blockStart = nil
        guard index - start >= shortWindow.capacity else { return nil }
        let peak = largestSample(from: start - shortWindow.capacity, to: index)
        if let last = lastPeak, peak - last < refractorySamples { return nil }
        lastPeak = peak
        return peak
    }

    public mutating func gap() {
        let next = index + 1
        self = PPGPeakDetector(sampleRateHz: sampleRateHz)
        index = next
        segmentStart = next + 1
    }

    private func largestSample(from: Int, to: Int) -> Int {
        let oldest = index - filtered.count + 1
        var best = to, bestValue = -Double.infinity
        for i in max(from, oldest)...to where filtered[i - oldest] > bestValue {
            bestValue = filtered[i - oldest]
            best = i
        }
        return best
    }
}
