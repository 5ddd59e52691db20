/// Causal normal-to-normal (NN) classification of RR intervals (hrv-spec "Beats").
///
/// 1. An RR outside [300, 2000] ms (or not a finite number) is an artifact.
/// 2. With at least 3 earlier plausible RR values, the reference is the median of the last (up to)
///    11 of them; an RR more than 25 % away from the reference is an artifact. Rule-2 artifacts
///    still count as plausible, so the reference follows a genuine change of heart rate.
public struct NNClassifier: Sendable {
    public static let plausibleMilliseconds: ClosedRange<Double> = 300...2000
    public static let referenceBeats = 11
    public static let minimumReferenceBeats = 3
    public static let maximumDeviation = 0.25

    private var plausible = RingBuffer<Double>(capacity: NNClassifier.referenceBeats, filler: 0)
    private var sorted = [Double](repeating: 0, count: NNClassifier.referenceBeats)

    public init() {}

    /// Classifies one RR interval and updates the reference; `true` means NN.
    public mutating func classify(rrMilliseconds rr: Double) -> Bool {
        guard rr.isFinite, Self.plausibleMilliseconds.contains(rr) else { return false }
        defer { plausible.append(rr) }
        guard plausible.count >= Self.minimumReferenceBeats else { return true }
        let reference = medianOfPlausible()
        return abs(rr - reference) <= Self.maximumDeviation * reference
    }

    public mutating func reset() { plausible.removeAll() }

    /// Median as numpy computes it: the middle value, or the mean of the two middle values.
    private mutating func medianOfPlausible() -> Double {
        let n = plausible.count
        // Insertion sort: at most 11 values, and no allocation.
        for i in 0..<n {
            let value = plausible[i]
            var j = i
            while j > 0 && sorted[j - 1] > value {
                sorted[j] = sorted[j - 1]
                j -= 1
            }
            sorted[j] = value
        }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}
