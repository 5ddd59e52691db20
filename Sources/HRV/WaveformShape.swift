/// Tells an ECG from a PPG by how the signal changes, for sensors whose raw samples arrive without
/// saying what they are.
///
/// An ECG changes little except in its QRS complexes, so its changes over 10 ms are heavy-tailed;
/// a pulse wave rises and falls smoothly. The kurtosis of those changes over 4 s windows of the
/// reference recordings: ECG 8.7-44 (MIT-BIH 100 at 360 Hz, BioSPPy at 1000 Hz, NeuroKit2 at
/// 100 Hz), PPG 2.6-4.4 (BioSPPy at 1000 Hz, NeuroKit2 at 100 Hz), also with the signal quantized
/// to 64 levels. The threshold sits between the two. Pure computation: no allocation after `init`.
public struct WaveformShapeClassifier: Sendable {
    public enum Shape: Sendable, Equatable {
        case ecg
        case ppg
    }

    /// Seconds of signal (of changes) one decision is made from.
    public static let windowSeconds = 4.0
    /// The change is taken over this span, so that quantization at high sample rates (a slow pulse
    /// wave moving by 0 or 1 count per sample) does not look spiky.
    static let changeSpanSeconds = 0.010
    /// Kurtosis at or above this is an ECG.
    static let ecgKurtosis = 6.5

    private var recent: RingBuffer<Double>
    private let changesPerWindow: Int
    /// Power sums of the changes in the current window: count, Σd, Σd², Σd³, Σd⁴.
    private var n = 0
    private var sum1 = 0.0, sum2 = 0.0, sum3 = 0.0, sum4 = 0.0

    public init(sampleRateHz: Double) {
        let span = max(1, Int((sampleRateHz * Self.changeSpanSeconds).rounded()))
        recent = RingBuffer(capacity: span, filler: 0)
        changesPerWindow = max(16, Int(sampleRateHz * Self.windowSeconds))
    }

    /// Adds one sample; returns the shape once a window is complete. A flat window (no change at
    /// all) decides nothing, and the next window is tried.
    public mutating func add(_ sample: Double) -> Shape? {
        if recent.isFull, let earlier = recent.first {
            let change = sample - earlier
            let square = change * change
            n += 1
            sum1 += change
            sum2 += square
            sum3 += square * change
            sum4 += square * square
        }
        recent.append(sample)
        guard n >= changesPerWindow else { return nil }
        defer { restartWindow() }
        guard let kurtosis else { return nil }
        return kurtosis >= Self.ecgKurtosis ? .ecg : .ppg
    }

    /// The sensor reported a gap (leads off): no change is taken across it.
    public mutating func gap() {
        recent.removeAll()
    }

    /// Kurtosis (not excess: 3 for a normal distribution) of the changes so far; nil when flat.
    var kurtosis: Double? {
        guard n > 0 else { return nil }
        let count = Double(n)
        let mean = sum1 / count, m2raw = sum2 / count, m3raw = sum3 / count, m4raw = sum4 / count
        let variance = m2raw - mean * mean
        guard variance > 0, variance.isFinite else { return nil }
        let fourth = m4raw - 4 * mean * m3raw + 6 * mean * mean * m2raw - 3 * mean * mean * mean * mean
        return fourth / (variance * variance)
    }

    private mutating func restartWindow() {
        n = 0
        sum1 = 0
        sum2 = 0
        sum3 = 0
        sum4 = 0
    }
}
