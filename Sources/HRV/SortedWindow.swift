/// A multiset of at most `capacity` values kept sorted, for rolling quantiles and medians.
///
/// Insert and remove are a binary search and one shift of the storage: for the classifier's
/// 91-value windows that is a few hundred nanoseconds, and nothing is allocated after `init`.
struct SortedWindow: Sendable {
    private var values: [Double]
    private(set) var count = 0

    init(capacity: Int) { values = [Double](repeating: 0, count: capacity) }

    var capacity: Int { values.count }

    /// First position whose value is not below `value`.
    private func lowerBound(_ value: Double) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if values[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    mutating func insert(_ value: Double) {
        precondition(count < values.count, "sorted window is full")
        let at = lowerBound(value)
        var i = count
        while i > at {
            values[i] = values[i - 1]
            i -= 1
        }
        values[at] = value
        count += 1
    }

    /// Removes one copy of `value`, which must be present (the caller removes what it inserted).
    mutating func remove(_ value: Double) {
        // NaN sorts nowhere: look for it (only a one-beat series, as numpy's mean of nothing, makes one).
        let at = value.isNaN ? (values[0..<count].firstIndex { $0.isNaN } ?? count) : lowerBound(value)
        precondition(at < count && (values[at] == value || value.isNaN), "removing a value the window does not hold")
        for i in at..<(count - 1) { values[i] = values[i + 1] }
        count -= 1
    }

    mutating func removeAll() { count = 0 }

    /// The `p` quantile with linear interpolation, as pandas' rolling `quantile` computes it:
    /// position p(n-1); between two values, low + (high - low) * fraction.
    func quantile(_ p: Double) -> Double {
        precondition(count > 0, "quantile of an empty window")
        let position = p * Double(count - 1)
        let index = Int(position)
        let low = values[index]
        if position == Double(index) { return low }
        return low + (values[index + 1] - low) * (position - Double(index))
    }

    /// The median as pandas' rolling `median` and numpy compute it: the middle value, or the mean
    /// of the two middle values.
    var median: Double {
        precondition(count > 0, "median of an empty window")
        let mid = count / 2
        return count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2
    }
}
