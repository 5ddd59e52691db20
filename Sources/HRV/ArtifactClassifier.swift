/// Why a beat is not normal-to-normal (NN). The first five are the classes of Lipponen & Tarvainen
/// (2019); `implausible` is breathd's own range check, which no real heart fails.
public enum ArtifactKind: String, Sendable, CaseIterable, Codable {
    case ectopic, long, short, missed, extra
    /// RR outside `LipponenTarvainen.plausibleMilliseconds`.
    case implausible
}

/// The RR artifact classification of Lipponen & Tarvainen (2019, J Med Eng Technol 43:173), as
/// systole 0.3.1 `rr_artefacts` implements it (docs/hrv-classifier.md states every step).
///
/// `classify` is the offline form with systole's full centred windows; `ArtifactClassifier` is the
/// live form, which looks `ArtifactClassifier.lookaheadBeats` beats ahead.
public enum LipponenTarvainen {
    public static let c1 = 0.13
    public static let c2 = 0.17
    public static let alpha = 5.2
    /// Beats in the rolling quartile windows of |dRR| and |mRR| (centred offline).
    public static let quartileBeats = 91
    /// Beats in the rolling median medRR (centred offline).
    public static let medianBeats = 11
    /// breathd's extra rule: an RR outside this range is an artifact whatever its neighbours.
    public static let plausibleMilliseconds: ClosedRange<Double> = 300...2000

    /// Every beat's artifact kind (`nil`: NN), from the whole series at once.
    public static func classify(rrMilliseconds rr: [Double]) -> [ArtifactKind?] {
        let n = rr.count
        guard n > 0 else { return [] }
        // Subspace 1: successive differences; the first takes the mean of the others.
        var dRR = [Double](repeating: 0, count: n)
        for i in 1..<n { dRR[i] = rr[i] - rr[i - 1] }
        if n > 1 {
            var sum = 0.0
            for i in 1..<n { sum += dRR[i] }
            dRR[0] = sum / Double(n - 1)
        } else {
            dRR[0] = .nan  // numpy's mean of nothing
        }
        let th1 = centredQuartileDeviation(dRR.map { abs($0) })
        for i in 0..<n { dRR[i] /= th1[i] }

        let medRR = centredMedian(rr)
        var mRR = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let m = rr[i] - medRR[i]
            mRR[i] = m < 0 ? 2 * m : m
        }
        let th2 = centredQuartileDeviation(mRR.map { abs($0) })
        for i in 0..<n { mRR[i] /= th2[i] }

        let median = wholeMedian(rr)
        var kinds = [ArtifactKind?](repeating: nil, count: n)
        var followsExtra = [Bool](repeating: false, count: n)
        for i in 0..<n {
            let s12 = i > 0 && i < n - 1 ? subspace12(dRR[i], before: dRR[i - 1], after: dRR[i + 1]) : 0
            let s22 = i < n - 2 ? subspace22(dRR[i], next: dRR[i + 1], afterNext: dRR[i + 2]) : 0
            kinds[i] = decide(
                Inputs(
                    rr: rr[i], nextRR: i + 1 < n ? rr[i + 1] : 0, medRR: medRR[i], isLongerThanTypical: rr[i] > median,
                    s11: dRR[i], s12: s12, s22: s22, mRR: mRR[i], th2: th2[i],
                    ectopicPossible: i >= 2 && i < n - 2, longOrShortPossible: i > 0 && i < n - 1))
            if kinds[i] == nil && i > 0 && kinds[i - 1] == .extra && !followsExtra[i - 1] {
                kinds[i] = .extra
                followsExtra[i] = true
            }
        }
        return kinds
    }

    /// breathd's one addition to systole: the interval after an extra beat is the other half of the
    /// interval the extra detection split. systole flags only the first half (its correction then
    /// merges the two); breathd drops artifacts from the tachogram instead of correcting them, so
    /// the second half, as wrong as the first, is an artifact too (kind `extra`).
    public static let flagsBothHalvesOfAnExtraBeat = true

    // MARK: the decision, shared by the offline and the live form

    struct Inputs {
        var rr: Double
        /// The next RR, 0 after the last beat (as systole appends 0).
        var nextRR: Double
        var medRR: Double
        /// Whether a beat with |mRR| > 3 counts as long rather than short.
        var isLongerThanTypical: Bool
        var s11: Double
        var s12: Double
        var s22: Double
        /// Normalised mRR (negative deviations doubled, divided by th2).
        var mRR: Double
        var th2: Double
        /// systole never calls the first two or last two beats ectopic.
        var ectopicPossible: Bool
        /// ... nor the first or last beat long or short (missed and extra are decided before that rule).
        var longOrShortPossible: Bool
    }

    static func decide(_ x: Inputs) -> ArtifactKind? {
        let ectopic = x.ectopicPossible
            && ((x.s11 > 1 && x.s12 < -c1 * x.s11 - c2) || (x.s11 < -1 && x.s12 > -c1 * x.s11 + c2))
        let outlier = abs(x.mRR) > 3
        var long = (x.s11 > 1 && x.s22 < -1) || (outlier && x.isLongerThanTypical)
        var short = (x.s11 < -1 && x.s22 > 1) || (outlier && !x.isLongerThanTypical)
        if ectopic { long = false; short = false }
        let missed = long && abs(x.rr / 2 - x.medRR) < x.th2
        if missed { long = false }
        let extra = short && abs(x.rr + x.nextRR - x.medRR) < x.th2
        if extra { short = false }
        if !x.longOrShortPossible { long = false; short = false }
        if ectopic { return .ectopic }
        if missed { return .missed }
        if extra { return .extra }
        if long { return .long }
        if short { return .short }
        if !(x.rr >= plausibleMilliseconds.lowerBound && x.rr <= plausibleMilliseconds.upperBound) { return .implausible }
        return nil
    }

    /// s12: the larger neighbouring dRR where dRR >= 0 (or is NaN), the smaller where dRR < 0.
    static func subspace12(_ d: Double, before: Double, after: Double) -> Double {
        d < 0 ? numpyMin(before, after) : numpyMax(before, after)
    }

    /// s22: the smaller of the next two dRR where dRR >= 0, the larger otherwise (NaN included).
    static func subspace22(_ d: Double, next: Double, afterNext: Double) -> Double {
        d >= 0 ? numpyMin(next, afterNext) : numpyMax(next, afterNext)
    }

    /// `np.max` / `np.min` of two values: NaN wins.
    static func numpyMax(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
    static func numpyMin(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }

    /// alpha times the quartile deviation of a window, in systole's order of operations.
    static func threshold(_ window: SortedWindow) -> Double {
        alpha * ((window.quantile(0.75) - window.quantile(0.25)) / 2)
    }

    // MARK: offline windows (pandas `rolling(w, center=True, min_periods=1)`)

    private static func centredQuartileDeviation(_ x: [Double]) -> [Double] {
        centred(x, width: quartileBeats) { threshold($0) }
    }

    private static func centredMedian(_ x: [Double]) -> [Double] {
        centred(x, width: medianBeats) { $0.median }
    }

    private static func centred(_ x: [Double], width: Int, _ statistic: (SortedWindow) -> Double) -> [Double] {
        let half = width / 2
        var window = SortedWindow(capacity: width)
        var out = [Double](repeating: 0, count: x.count)
        var high = -1  // last index inside the window
        for i in x.indices {
            let low = i - half - 1
            if low >= 0 { window.remove(x[low]) }
            while high < min(x.count - 1, i + half) {
                high += 1
                window.insert(x[high])
            }
            out[i] = statistic(window)
        }
        return out
    }

    private static func wholeMedian(_ x: [Double]) -> Double {
        let sorted = x.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// The live form of `LipponenTarvainen`: beat i is decided when beat i + 3 arrives.
///
/// Same subspaces and decision as offline, with what three beats of look-ahead allow:
/// - medRR is the median of beats i-5 ... i+3 (systole's centred 11, cut at the newest beat);
/// - th1 is the quartile deviation of |dRR| over the 91 newest beats (i-87 ... i+3), and every dRR
///   in s11, s12, s22 is divided by that one th1;
/// - th2 is the quartile deviation of |mRR| over the 91 decided beats i-90 ... i;
/// - beats 0-4 (th1 would rest on fewer than 9 differences) are judged by the plausible range alone;
/// - dRR of the first beat is the mean of dRR 1 ... 3; a beat with |mRR| > 3 is long when RR > medRR
///   (offline: when RR exceeds the whole recording's median, which live cannot know).
/// `finish()` decides the last beats with the beats there are, with systole's end-of-series rules.
/// Per beat: two sorted-window updates of 91 values and one median of at most 9; no allocation.
public struct ArtifactClassifier: Sendable {
    public static let lookaheadBeats = 3
    static let medianBefore = 5
    /// A quartile deviation of fewer differences is no scale: the first beats of a stream (0-4,
    /// decided with 4-8 differences) are judged by the plausible range alone.
    static let minimumDifferences = 9

    public struct Decision: Sendable, Equatable {
        public var beatIndex: Int
        public var kind: ArtifactKind?
    }

    /// RR of beats newest-8 ... newest (the median window and the next RR of the decided beat).
    private var recentRR: RingBuffer<Double>
    /// dRR of beats newest-4 ... newest, raw (not normalised).
    private var recentDRR: RingBuffer<Double>
    /// |dRR| of the 91 newest beats, in arrival order for eviction, and sorted.
    private var absDRRFifo: RingBuffer<Double>
    private var absDRR: SortedWindow
    private var absMRRFifo: RingBuffer<Double>
    private var absMRR: SortedWindow
    private var medianScratch: SortedWindow
    /// Beats received; the next beat to decide.
    private var received = 0
    private var decided = 0
    /// The previous decided beat was an extra beat's first half (its second half is an artifact too).
    private var previousWasExtraStart = false

    public init() {
        let q = LipponenTarvainen.quartileBeats
        let span = Self.medianBefore + Self.lookaheadBeats + 1
        recentRR = RingBuffer(capacity: span, filler: 0)
        recentDRR = RingBuffer(capacity: Self.lookaheadBeats + 2, filler: 0)
        absDRRFifo = RingBuffer(capacity: q, filler: 0)
        absDRR = SortedWindow(capacity: q)
        absMRRFifo = RingBuffer(capacity: q, filler: 0)
        absMRR = SortedWindow(capacity: q)
        medianScratch = SortedWindow(capacity: span)
    }

    /// Beats received but not decided yet (at most `lookaheadBeats`).
    public var pendingCount: Int { received - decided }

    /// Takes the next RR interval; returns the decision on the beat `lookaheadBeats` back, if any.
    public mutating func add(rrMilliseconds rr: Double) -> Decision? {
        if let previous = recentRR.last { recentDRR.append(rr - previous) } else { recentDRR.append(0) }
        recentRR.append(rr)
        received += 1
        if received == Self.lookaheadBeats + 1 {
            // The first beat's dRR is the mean of the others known now; then all four enter th1.
            replaceFirstDRR()
            for k in 0..<recentDRR.count { pushAbsDRR(abs(recentDRR[k])) }
        } else if received > Self.lookaheadBeats + 1 {
            pushAbsDRR(abs(recentDRR[recentDRR.count - 1]))
        }
        guard received > Self.lookaheadBeats else { return nil }
        return decideNext(streamEnded: false)
    }

    /// The stream has ended: decides every beat still held, with systole's rules for the last beats.
    public mutating func finish() -> [Decision] {
        if received > 0 && received <= Self.lookaheadBeats {
            replaceFirstDRR()
            for k in 0..<recentDRR.count { pushAbsDRR(abs(recentDRR[k])) }
        }
        var out: [Decision] = []
        while decided < received { out.append(decideNext(streamEnded: true)) }
        return out
    }

    public mutating func reset() { self = ArtifactClassifier() }

    private mutating func replaceFirstDRR() {
        // recentDRR holds every dRR so far (received <= lookahead + 1): index 0 is the first beat's.
        let others = recentDRR.count - 1
        var sum = 0.0
        for k in 1..<recentDRR.count { sum += recentDRR[k] }
        let mean = others > 0 ? sum / Double(others) : .nan
        var copy = RingBuffer<Double>(capacity: recentDRR.capacity, filler: 0)
        copy.append(mean)
        for k in 1..<recentDRR.count { copy.append(recentDRR[k]) }
        recentDRR = copy
    }

    private mutating func pushAbsDRR(_ value: Double) {
        if absDRRFifo.isFull, let oldest = absDRRFifo.first { absDRR.remove(oldest) }
        absDRRFifo.append(value)
        absDRR.insert(value)
    }

    private mutating func pushAbsMRR(_ value: Double) {
        if absMRRFifo.isFull, let oldest = absMRRFifo.first { absMRR.remove(oldest) }
        absMRRFifo.append(value)
        absMRR.insert(value)
    }

    private mutating func decideNext(streamEnded: Bool) -> Decision {
        let i = decided
        let newest = received - 1
        // Positions of beat j in the rings (the newest is last).
        func rrOf(_ j: Int) -> Double { recentRR[recentRR.count - 1 - (newest - j)] }
        func dRROf(_ j: Int) -> Double { recentDRR[recentDRR.count - 1 - (newest - j)] }

        medianScratch.removeAll()
        for j in max(0, i - Self.medianBefore)...min(newest, i + Self.lookaheadBeats) { medianScratch.insert(rrOf(j)) }
        let medRR = medianScratch.median
        let rr = rrOf(i)
        let deviation = rr - medRR
        let m = deviation < 0 ? 2 * deviation : deviation
        pushAbsMRR(abs(m))
        let th1 = LipponenTarvainen.threshold(absDRR)
        let th2 = LipponenTarvainen.threshold(absMRR)

        let last = streamEnded ? newest : Int.max
        let s11 = dRROf(i) / th1
        let s12 = i > 0 && i < last
            ? LipponenTarvainen.subspace12(s11, before: dRROf(i - 1) / th1, after: dRROf(i + 1) / th1) : 0
        let s22 = i < last - 1
            ? LipponenTarvainen.subspace22(s11, next: dRROf(i + 1) / th1, afterNext: dRROf(i + 2) / th1) : 0
        var kind = absDRR.count < Self.minimumDifferences
            ? (LipponenTarvainen.plausibleMilliseconds.contains(rr) ? nil : .implausible)
            : LipponenTarvainen.decide(
            LipponenTarvainen.Inputs(
                rr: rr, nextRR: i < newest ? rrOf(i + 1) : 0, medRR: medRR, isLongerThanTypical: rr > medRR,
                s11: s11, s12: s12, s22: s22, mRR: m / th2, th2: th2,
                ectopicPossible: i >= 2 && i < last - 1, longOrShortPossible: i > 0 && i < last))
        if kind == nil && previousWasExtraStart {
            kind = .extra
            previousWasExtraStart = false
        } else {
            previousWasExtraStart = kind == .extra
        }
        decided += 1
        return Decision(beatIndex: i, kind: kind)
    }
}
