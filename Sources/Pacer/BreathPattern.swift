/// A value outside its accepted range; `option` is the user-facing name (`rate`, `ratio`, ...).
public struct PatternError: Error, Sendable, Equatable, CustomStringConvertible {
    public let option: String
    public let message: String
    public var description: String { "\(option): \(message)" }
}

/// The share of the breathing time (the cycle without holds) spent inhaling, kept as an exact
/// fraction so phase boundaries are integer arithmetic.
public struct InhaleShare: Sendable, Equatable {
    /// Shares outside this range make one half of the breath too short to follow. The one range:
    /// `BreathProtocol.BreathRatio.inhaleShareRange` is this constant.
    public static let range: ClosedRange<Double> = 0.3...0.7
    /// The one wording of the range, wherever a ratio is explained or refused (options, config,
    /// the daemon's ERROR): "the inhale 30-70 % of the breath".
    public static let rangeText = "the inhale \(percent(range.lowerBound))-\(percent(range.upperBound)) % of the breath"
    /// What a ratio must be: "must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6".
    public static let ratioRequirement = "must be INHALE:EXHALE with \(rangeText), e.g. 1:1 or 4:6"
    /// What a share must be: "must be between 0.3 and 0.7, the inhale 30-70 % of the breath".
    public static let shareRequirement = "must be between \(range.lowerBound) and \(range.upperBound), \(rangeText)"

    private static func percent(_ share: Double) -> Int { Int((share * 100).rounded()) }
    public let numerator: Int
    public let denominator: Int

    public var value: Double { Double(numerator) / Double(denominator) }

    /// From a share such as 0.45, kept to thousandths.
    public init(share: Double) throws(PatternError) {
        guard share.isFinite, Self.range.contains(share) else {
            throw PatternError(option: "inhale share", message: "\(Self.shareRequirement) (got \(share))")
        }
        self.init(exact: Int((share * 1000).rounded()), 1000)
    }

    /// From a ratio such as `4:6` or `1:1.5` (inhale : exhale).
    public init(ratio text: String) throws(PatternError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let bad = PatternError(option: "ratio", message: "\(Self.ratioRequirement) (got \(text))")
        guard parts.count == 2, let inhale = Self.thousandths(parts[0]), let exhale = Self.thousandths(parts[1]),
              inhale > 0, exhale > 0 else { throw bad }
        let share = Double(inhale) / Double(inhale + exhale)
        guard share >= Self.range.lowerBound - 1e-12, share <= Self.range.upperBound + 1e-12 else { throw bad }
        self.init(exact: inhale, inhale + exhale)
    }

    public static let even = InhaleShare(exact: 1, 2)

    init(exact numerator: Int, _ denominator: Int) {
        let divisor = Self.gcd(numerator, denominator)
        self.numerator = numerator / divisor
        self.denominator = denominator / divisor
    }

    /// "4", "1.5", "2.333" as thousandths; nil when not a plain decimal.
    private static func thousandths(_ text: Substring) -> Int? {
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let whole = Int(pieces[0]), whole >= 0, whole < 1000 else { return nil }
        var result = whole * 1000
        if pieces.count == 2 {
            let fraction = pieces[1]
            guard !fraction.isEmpty, fraction.count <= 3, let digits = Int(fraction), digits >= 0 else { return nil }
            var scaled = digits
            for _ in fraction.count..<3 { scaled *= 10 }
            result += scaled
        }
        return result
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (abs(a), abs(b))
        while y != 0 { (x, y) = (y, x % y) }
        return max(x, 1)
    }
}

/// Rate, inhale share and holds: what decides when each phase of the breath starts.
///
/// The rate is the number of whole cycles (holds included) per minute, so the rhythm the heart
/// follows stays at the chosen frequency whatever the holds are; holds are taken out of the cycle
/// and the inhale share applies to what is left.
public struct BreathPattern: Sendable, Equatable {
    public static let rateRange: ClosedRange<Double> = 4.0...7.0
    public static let holdRange: ClosedRange<Double> = 0.0...10.0
    /// Each of inhale and exhale keeps at least this long, so holds cannot squeeze a breath away.
    public static let minimumBreathSeconds = 1.5

    /// Thousandths of a breath per minute: the schedule is exact rational arithmetic on this.
    public let rateMilliBPM: Int
    public let inhaleShare: InhaleShare
    public let holdAfterInhaleSeconds: Double
    public let holdAfterExhaleSeconds: Double

    public var ratePerMinute: Double { Double(rateMilliBPM) / 1000 }
    public var periodSeconds: Double { 60_000 / Double(rateMilliBPM) }

    public init(
        ratePerMinute: Double = 5.5,
        inhaleShare: InhaleShare = .even,
        holdAfterInhaleSeconds: Double = 0,
        holdAfterExhaleSeconds: Double = 0
    ) throws(PatternError) {
        guard ratePerMinute.isFinite, Self.rateRange.contains(ratePerMinute) else {
            throw PatternError(option: "rate", message: "must be between 4.0 and 7.0 breaths per minute, not \(ratePerMinute)")
        }
        for (name, hold) in [("hold-in", holdAfterInhaleSeconds), ("hold-out", holdAfterExhaleSeconds)] {
            guard hold.isFinite, Self.holdRange.contains(hold) else {
                throw PatternError(option: name, message: "must be between 0 and 10 seconds, not \(hold)")
            }
        }
        rateMilliBPM = Int((ratePerMinute * 1000).rounded())
        self.inhaleShare = inhaleShare
        self.holdAfterInhaleSeconds = holdAfterInhaleSeconds
        self.holdAfterExhaleSeconds = holdAfterExhaleSeconds
        let breathing = periodSeconds - holdAfterInhaleSeconds - holdAfterExhaleSeconds
        let shortest = breathing * min(inhaleShare.value, 1 - inhaleShare.value)
        guard shortest >= Self.minimumBreathSeconds else {
            throw PatternError(
                option: "hold-in/hold-out",
                message: "holds of \(holdAfterInhaleSeconds) s and \(holdAfterExhaleSeconds) s leave less than \(Self.minimumBreathSeconds) s to inhale or exhale in a \(periodSeconds) s cycle"
            )
        }
    }

    public static let standard = try! BreathPattern()
}
