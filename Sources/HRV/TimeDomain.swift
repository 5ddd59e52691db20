/// Time-domain HRV over a set of consecutive beats (hrv-spec "Time domain").
///
/// Values are `nil` where the spec has no data ("not enough data"), never NaN.
public struct TimeDomainMetrics: Sendable, Equatable {
    public var nnCount: Int
    public var artifactCount: Int
    public var meanNNMilliseconds: Double?
    public var meanHeartRateBPM: Double?
    /// Sample standard deviation (ddof 1) of the NN intervals.
    public var sdnnMilliseconds: Double?
    /// Root mean square of successive differences between two consecutive NN beats.
    public var rmssdMilliseconds: Double?
    /// Share of those successive differences larger than 50 ms.
    public var pnn50Percent: Double?

    public static let empty = TimeDomainMetrics(nnCount: 0, artifactCount: 0)

    public init(
        nnCount: Int, artifactCount: Int, meanNNMilliseconds: Double? = nil, meanHeartRateBPM: Double? = nil,
        sdnnMilliseconds: Double? = nil, rmssdMilliseconds: Double? = nil, pnn50Percent: Double? = nil
    ) {
        self.nnCount = nnCount
        self.artifactCount = artifactCount
        self.meanNNMilliseconds = meanNNMilliseconds
        self.meanHeartRateBPM = meanHeartRateBPM
        self.sdnnMilliseconds = sdnnMilliseconds
        self.rmssdMilliseconds = rmssdMilliseconds
        self.pnn50Percent = pnn50Percent
    }

    /// Computes the metrics over `rr[i]`, `isNN[i]` for i in 0..<count, in beat order.
    public init(rrMilliseconds rr: UnsafeBufferPointer<Double>, isNN: UnsafeBufferPointer<Bool>) {
        precondition(rr.count == isNN.count, "every RR interval needs its NN flag")
        var nn = 0
        var sum = 0.0
        var squaredDifferences = 0.0
        var differences = 0
        var over50 = 0
        for i in 0..<rr.count where isNN[i] {
            nn += 1
            sum += rr[i]
            if i > 0 && isNN[i - 1] {
                let d = rr[i] - rr[i - 1]
                squaredDifferences += d * d
                differences += 1
                if abs(d) > 50 { over50 += 1 }
            }
        }
        self.init(nnCount: nn, artifactCount: rr.count - nn)
        guard nn > 0 else { return }
        let mean = sum / Double(nn)
        meanNNMilliseconds = mean
        meanHeartRateBPM = 60000 / mean
        if nn > 1 {
            // Two passes, as numpy does: accurate even for the 21-hour recording.
            var squares = 0.0
            for i in 0..<rr.count where isNN[i] {
                let d = rr[i] - mean
                squares += d * d
            }
            sdnnMilliseconds = (squares / Double(nn - 1)).squareRoot()
        }
        if differences > 0 {
            rmssdMilliseconds = (squaredDifferences / Double(differences)).squareRoot()
            pnn50Percent = 100 * (Double(over50) / Double(differences))
        }
    }

    public init(rrMilliseconds rr: [Double], isNN: [Bool]) {
        self = rr.withUnsafeBufferPointer { r in
            isNN.withUnsafeBufferPointer { n in TimeDomainMetrics(rrMilliseconds: r, isNN: n) }
        }
    }
}

/// The time-domain metrics of a series that is too long to keep (an 8-hour session has ~30,000
/// beats): one beat at a time in constant memory, with the batch's definitions (NN pairs for
/// RMSSD and pNN50; sample SD). The SD uses Welford's update instead of the batch's two passes;
/// over 21 hours of beats the two agree to about 1e-12 relative.
public struct RunningTimeDomain: Sendable, Equatable, BitwiseCopyable {
    private var nnCount = 0
    private var artifactCount = 0
    private var sum = 0.0
    /// Welford's running mean and sum of squared deviations of the NN intervals.
    private var mean = 0.0
    private var squaredDeviations = 0.0
    private var squaredDifferences = 0.0
    private var differences = 0
    private var over50 = 0
    /// The previous beat, when it was NN (successive differences are between NN pairs only).
    private var previousNN: Double?

    public init() {}

    public mutating func add(rrMilliseconds rr: Double, isNN: Bool) {
        guard isNN else {
            artifactCount += 1
            previousNN = nil
            return
        }
        nnCount += 1
        sum += rr
        let deviation = rr - mean
        mean += deviation / Double(nnCount)
        squaredDeviations += deviation * (rr - mean)
        if let previous = previousNN {
            let d = rr - previous
            squaredDifferences += d * d
            differences += 1
            if abs(d) > 50 { over50 += 1 }
        }
        previousNN = rr
    }

    public var metrics: TimeDomainMetrics {
        var metrics = TimeDomainMetrics(nnCount: nnCount, artifactCount: artifactCount)
        guard nnCount > 0 else { return metrics }
        let meanNN = sum / Double(nnCount)
        metrics.meanNNMilliseconds = meanNN
        metrics.meanHeartRateBPM = 60000 / meanNN
        if nnCount > 1 { metrics.sdnnMilliseconds = (squaredDeviations / Double(nnCount - 1)).squareRoot() }
        if differences > 0 {
            metrics.rmssdMilliseconds = (squaredDifferences / Double(differences)).squareRoot()
            metrics.pnn50Percent = 100 * (Double(over50) / Double(differences))
        }
        return metrics
    }
}
