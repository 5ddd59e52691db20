/// VLF/LF/HF figures of a whole recording or session (hrv-spec "Frequency domain"): natural cubic
/// spline at 4 Hz over the NN beats, linear detrend, Welch with 256-sample periodic Hann segments
/// and 50 % overlap, density scaling; band powers are sums of bins in [lo, hi) times the bin width.
public struct FrequencyDomainMetrics: Sendable, Equatable {
    public var vlfMs2: Double
    public var lfMs2: Double
    public var hfMs2: Double
    /// `nil` when there is no HF power.
    public var lfHFRatio: Double?
    /// 100 LF / (LF + HF); `nil` when both are zero.
    public var lfNormalizedUnits: Double?
    /// Frequency of the largest LF bin; `nil` when no bin falls in the LF band.
    public var lfPeakHz: Double?

    public static let sampleRateHz = 4.0
    public static let segmentLength = 256
    public static let vlfBandHz = 0.0033..<0.04
    public static let lfBandHz = 0.04..<0.15
    public static let hfBandHz = 0.15..<0.4

    /// Computes the figures from beat times (seconds, ascending), RR (ms) and NN flags of every
    /// beat. `nil` with fewer than 4 NN beats.
    public init?(timesSeconds t: [Double], rrMilliseconds rr: [Double], isNN: [Bool]) {
        guard let (frequencies, density) = Self.spectrum(timesSeconds: t, rrMilliseconds: rr, isNN: isNN) else { return nil }
        let binWidth = frequencies.count > 1 ? frequencies[1] - frequencies[0] : 0
        func bandPower(_ band: Range<Double>) -> Double {
            var sum = 0.0
            for k in frequencies.indices where band.contains(frequencies[k]) { sum += density[k] }
            return sum * binWidth
        }
        vlfMs2 = bandPower(Self.vlfBandHz)
        lfMs2 = bandPower(Self.lfBandHz)
        hfMs2 = bandPower(Self.hfBandHz)
        lfHFRatio = hfMs2 > 0 ? lfMs2 / hfMs2 : nil
        lfNormalizedUnits = lfMs2 + hfMs2 > 0 ? 100 * lfMs2 / (lfMs2 + hfMs2) : nil
        var peak: Int?
        for k in frequencies.indices where Self.lfBandHz.contains(frequencies[k]) {
            if peak == nil || density[k] > density[peak!] { peak = k }
        }
        lfPeakHz = peak.map { frequencies[$0] }
    }

    /// The Welch spectrum (Hz, ms^2/Hz) of the detrended 4 Hz tachogram of the NN beats, as the
    /// band powers use it; `nil` with fewer than 4 NN beats. The resonance assessment reads the
    /// power at the pacer frequency from it.
    static func spectrum(
        timesSeconds t: [Double], rrMilliseconds rr: [Double], isNN: [Bool]
    ) -> (frequencies: [Double], density: [Double])? {
        var knotTimes: [Double] = []
        var knotValues: [Double] = []
        for i in t.indices where isNN[i] {
            knotTimes.append(t[i])
            knotValues.append(rr[i])
        }
        guard knotTimes.count >= 4, let first = knotTimes.first, let last = knotTimes.last else { return nil }
        // np.arange(first, last + 1e-9, 0.25): its length, and its values start + i * (second - start).
        let step = 1 / Self.sampleRateHz
        let count = Int(((last + 1e-9 - first) / step).rounded(.up))
        let delta = (first + step) - first
        var grid = [Double](repeating: first, count: count)
        for i in 1..<max(count, 1) { grid[i] = i == 1 ? first + step : first + Double(i) * delta }
        var resampler = TachogramResampler(capacity: knotTimes.count)
        // Fewer than 4 samples make no Hann segment worth the name.
        guard count >= 4, var series = resampler.resample(x: knotTimes, y: knotValues, grid: grid) else { return nil }
        series.withUnsafeMutableBufferPointer { removeLinearTrend($0) }

        return welch(series)
    }

    /// Welch's averaged periodogram as `scipy.signal.welch(..., window="hann", nperseg=min(256, n),
    /// noverlap=nperseg // 2, detrend=False, scaling="density")`.
    static func welch(_ x: [Double]) -> (frequencies: [Double], density: [Double]) {
        let segment = min(Self.segmentLength, x.count)
        let stride = segment - segment / 2
        let window = periodicHannWindow(length: segment)
        let scale = 1 / (Self.sampleRateHz * window.reduce(0) { $0 + $1 * $1 })
        var transform = PowerSpectrum(length: segment)
        let bins = transform.binCount
        var density = [Double](repeating: 0, count: bins)
        var power = [Double](repeating: 0, count: bins)
        var windowed = [Double](repeating: 0, count: segment)
        let segments = (x.count - segment) / stride + 1
        for s in 0..<segments {
            for j in 0..<segment { windowed[j] = x[s * stride + j] * window[j] }
            windowed.withUnsafeBufferPointer { w in
                power.withUnsafeMutableBufferPointer { p in transform.powerSpectrum(of: w, into: p) }
            }
            for k in 0..<bins { density[k] += power[k] }
        }
        // One-sided: every bin doubled but DC and, for an even length, Nyquist.
        let lastDoubled = segment % 2 == 0 ? bins - 2 : bins - 1
        for k in 0..<bins {
            density[k] = density[k] * scale / Double(segments)
            if k >= 1 && k <= lastDoubled { density[k] *= 2 }
        }
        let resolution = 1 / (Double(segment) * (1 / Self.sampleRateHz))
        return ((0..<bins).map { Double($0) * resolution }, density)
    }
}
