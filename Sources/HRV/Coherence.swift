/// Low, medium or high coherence, by the thresholds of a `ChallengeLevel`.
public enum CoherenceLevel: String, Sendable, CaseIterable, Codable {
    case low, medium, high
}

/// HeartMath-style challenge levels 1-4: thresholds on the coherence score.
public enum ChallengeLevel: Int, Sendable, CaseIterable, Codable {
    case one = 1, two, three, four

    /// (low/medium, medium/high) thresholds on the score, as published for Inner Balance.
    public var thresholds: (medium: Double, high: Double) {
        switch self {
        case .one: (0.5, 1.8)
        case .two, .three: (0.6, 4.0)
        case .four: (2.1, 6.0)
        }
    }

    public func level(forScore score: Double) -> CoherenceLevel {
        let (medium, high) = thresholds
        return score < medium ? .low : (score < high ? .medium : .high)
    }
}

/// One coherence update (hrv-spec "Coherence").
public struct CoherenceMetrics: Sendable, Equatable {
    /// Peak power / (total - peak); `+infinity` when all power is in the peak (a perfectly regular
    /// synthetic tachogram), exactly as the reference does.
    public var ratio: Double
    /// The ratio capped at 16.
    public var score: Double
    public var level: CoherenceLevel
    public var peakFrequencyHz: Double
    public var peakPowerMs2: Double
    public var totalPowerMs2: Double
}

/// Coherence over the 64 s ending at a beat: spline at 2 Hz, detrend, periodic Hann, 256-point
/// zero-padded FFT, peak power around the highest bin in 0.04-0.26 Hz against total power in
/// 0.0033-0.4 Hz. All buffers are allocated in `init`; `analyze` allocates nothing.
public struct CoherenceAnalyzer: Sendable {
    public static let windowSeconds = 64.0
    /// Knots taken from this long before the window, so the spline is anchored at its left edge.
    public static let anchorSeconds = 2.0
    public static let sampleRateHz = 2.0
    public static let sampleCount = 128
    public static let fftLength = 256
    public static let peakBandHz = 0.04...0.26
    public static let peakHalfWidthBins = 2
    public static let totalBandHz = 0.0033...0.4
    public static let maximumScore = 16.0

    public var challengeLevel: ChallengeLevel
    private var resampler: TachogramResampler
    private var spectrum = PowerSpectrum(length: CoherenceAnalyzer.fftLength)
    private var grid = [Double](repeating: 0, count: CoherenceAnalyzer.sampleCount)
    private var samples = [Double](repeating: 0, count: CoherenceAnalyzer.sampleCount)
    private var power = [Double](repeating: 0, count: CoherenceAnalyzer.fftLength / 2 + 1)
    private let window: [Double]
    private let psdScale: Double
    private let binWidthHz: Double
    private let peakBins: ClosedRange<Int>
    private let totalBins: ClosedRange<Int>

    /// `capacity`: the largest number of NN knots a window can hold.
    public init(challengeLevel: ChallengeLevel = .one, capacity: Int = 512) {
        self.challengeLevel = challengeLevel
        resampler = TachogramResampler(capacity: capacity)
        let n = Self.sampleCount
        window = periodicHannWindow(length: n)
        psdScale = 1 / (Self.sampleRateHz * window.reduce(0) { $0 + $1 * $1 })
        binWidthHz = Self.sampleRateHz / Double(Self.fftLength)
        // Bands as numpy selects them: by comparing each bin's frequency with the band edges.
        let frequencies = (0...(Self.fftLength / 2)).map { Double($0) * (1 / (Double(Self.fftLength) / Self.sampleRateHz)) }
        let peak = frequencies.indices.filter { Self.peakBandHz.contains(frequencies[$0]) }
        let total = frequencies.indices.filter { Self.totalBandHz.contains(frequencies[$0]) }
        peakBins = peak.first!...peak.last!
        totalBins = total.first!...total.last!
    }

    /// Coherence over the window ending at `endSeconds`, from the NN knots (`timesSeconds`,
    /// `rrMilliseconds`) with time in (end - 66, end], ascending. `nil` with fewer than 2 knots.
    public mutating func analyze(
        timesSeconds: UnsafeBufferPointer<Double>, rrMilliseconds: UnsafeBufferPointer<Double>, endSeconds: Double
    ) -> CoherenceMetrics? {
        let start = endSeconds - Self.windowSeconds
        for k in 0..<Self.sampleCount { grid[k] = start + Double(k + 1) / Self.sampleRateHz }
        let resampled = grid.withUnsafeBufferPointer { g in
            samples.withUnsafeMutableBufferPointer { s in
                resampler.resample(x: timesSeconds, y: rrMilliseconds, grid: g, into: s)
            }
        }
        guard resampled else { return nil }
        samples.withUnsafeMutableBufferPointer { s in
            removeLinearTrend(s)
            for k in 0..<s.count { s[k] *= window[k] }
        }
        samples.withUnsafeBufferPointer { s in
            power.withUnsafeMutableBufferPointer { p in spectrum.powerSpectrum(of: s, into: p) }
        }
        return power.withUnsafeMutableBufferPointer { p in
            let nyquist = p.count - 1
            for k in 0...nyquist {
                p[k] *= (k == 0 || k == nyquist) ? psdScale : 2 * psdScale
            }
            var peakBin = peakBins.lowerBound
            for k in peakBins where p[k] > p[peakBin] { peakBin = k }
            var peak = 0.0
            for k in max(peakBin - Self.peakHalfWidthBins, 0)...min(peakBin + Self.peakHalfWidthBins, nyquist) {
                peak += p[k]
            }
            peak *= binWidthHz
            var total = 0.0
            for k in totalBins { total += p[k] }
            total *= binWidthHz
            let ratio = total > peak ? peak / (total - peak) : Double.infinity
            let score = min(ratio, Self.maximumScore)
            return CoherenceMetrics(
                ratio: ratio, score: score, level: challengeLevel.level(forScore: score),
                peakFrequencyHz: Double(peakBin) * binWidthHz, peakPowerMs2: peak, totalPowerMs2: total)
        }
    }
}
