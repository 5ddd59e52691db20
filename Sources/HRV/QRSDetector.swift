/// Streaming QRS detector of the Pan-Tompkins family (Pan & Tompkins 1985, IEEE TBME 32(3)).
///
/// Band-pass 5-15 Hz, five-point derivative, squaring, 150 ms moving-window integration, then
/// adaptive signal/noise peak levels with a 200 ms refractory period and search-back at 1.66 times
/// the mean RR. A beat is confirmed 200 ms after its integrated peak (no larger peak followed), and
/// placed at the largest band-passed deflection of the QRS, so it is reported about 0.3 s after the
/// R wave; a search-back beat at most 0.5 s after it (older candidates are given up). The first
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
                if isPeak, peakIndex - segmentStart >= settlingSamples, learningPeaks.count < 32 {
                    learningPeaks.append((peakIndex, peakValue))
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
        let rPeak = largestDeflection(before: peak.index)
        if let last = lastQRS { recentRR.append(rPeak - last) }
        lastQRS = rPeak
        lastIntegratedPeak = peak.index
        confirmed.append(rPeak)
    }

    /// The R wave lies inside the integration window that ends at the integrated peak.
    private func largestDeflection(before peakIndex: Int) -> Int {
        let oldest = index - bandPassed.count + 1
        let from = max(oldest, peakIndex - window.capacity - Int(0.05 * sampleRateHz))
        let to = min(index, peakIndex)
        guard from <= to else { return peakIndex }
        var best = to, bestValue = -1.0
        for i in from...to {
            let v = abs(bandPassed[i - oldest])
            if v > bestValue { bestValue = v; best = i }
        }
        return best
    }
}
