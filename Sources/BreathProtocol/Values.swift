import Pacer

/// Protocol version spoken by this module; clients compare `proto_major` to refuse incompatible servers.
public enum ProtocolVersion {
    public static let major = 1
    public static let minor = 0
}

/// The pacer's sound: `Pacer`'s type, so that a voice crosses the wire without conversion.
public typealias Voice = Pacer.Voice

/// Inhale to exhale proportion, written `INHALE:EXHALE` ("1:1", "4:6") on the wire and in the config.
public struct BreathRatio: Sendable, Hashable, Codable, CustomStringConvertible {
    public var inhale: Double
    public var exhale: Double

    /// Inhale shares outside this range make one half of the breath too short to follow: the
    /// pacer's own range, so that what the protocol accepts is what the pacer can play.
    public static let inhaleShareRange = InhaleShare.range
    /// The range's one wording: "must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6".
    public static let requirement = InhaleShare.ratioRequirement
    /// "the inhale 30-70 % of the breath", for help texts.
    public static let rangeText = InhaleShare.rangeText
    /// "must be between 0.3 and 0.7, the inhale 30-70 % of the breath", for a share given as a number.
    public static let shareRequirement = InhaleShare.shareRequirement
    public static let even = BreathRatio(inhale: 1, exhale: 1)

    public init(inhale: Double, exhale: Double) {
        self.inhale = inhale
        self.exhale = exhale
    }

    public init(inhaleShare: Double) {
        self.init(inhale: inhaleShare, exhale: 1 - inhaleShare)
    }

    /// Parses `I:E` with two positive numbers; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2,
            let inhale = Double(parts[0].trimmingSpaces), let exhale = Double(parts[1].trimmingSpaces),
            inhale.isFinite, exhale.isFinite, inhale > 0, exhale > 0
        else { return nil }
        self.init(inhale: inhale, exhale: exhale)
    }

    public var inhaleShare: Double { inhale / (inhale + exhale) }

    public var description: String { "\(Self.format(inhale)):\(Self.format(exhale))" }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let ratio = BreathRatio(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected INHALE:EXHALE with positive numbers, got \"\(text)\"")
        }
        self = ratio
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// A wall-clock instant with millisecond resolution, written as an ISO 8601 UTC string so that
/// shell users can read it; milliseconds keep encode/decode exact.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var unixMilliseconds: Int64

    public init(unixMilliseconds: Int64) { self.unixMilliseconds = unixMilliseconds }

    public init(unixSeconds: Double) { self.unixMilliseconds = Int64((unixSeconds * 1000).rounded()) }

    public var unixSeconds: Double { Double(unixMilliseconds) / 1000 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.unixMilliseconds < rhs.unixMilliseconds }

    public var description: String { ISO8601Milliseconds.format(unixMilliseconds) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let milliseconds = ISO8601Milliseconds.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected an ISO 8601 UTC time like 2026-01-31T07:30:00.000Z, got \"\(text)\"")
        }
        self.unixMilliseconds = milliseconds
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` by civil-date arithmetic, so the module needs no date formatter
/// (formatters are neither cheap nor Sendable).
enum ISO8601Milliseconds {
    static func format(_ unixMilliseconds: Int64) -> String {
        let (days, millisecondOfDay) = floorDivide(unixMilliseconds, 86_400_000)
        let (year, month, day) = civilDate(fromDays: days)
        let seconds = millisecondOfDay / 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):"
            + "\(pad(seconds % 60, 2)).\(pad(millisecondOfDay % 1000, 3))Z"
    }

    static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        func byte(_ index: Int, is character: Character) -> Bool {
            index < bytes.count && bytes[index] == character.asciiValue
        }
        guard byte(4, is: "-"), byte(7, is: "-"), byte(10, is: "T"), byte(13, is: ":"), byte(16, is: ":"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var milliseconds: Int64 = 0
        if byte(index, is: ".") {
            var digits = 0
            index += 1
            while index < bytes.count, (48...57).contains(bytes[index]) {
                if digits < 3 { milliseconds = milliseconds * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits..<3 { milliseconds *= 10 } }
        }
        guard byte(index, is: "Z"), index == bytes.count - 1 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + milliseconds
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
        return (quotient, value - quotient * divisor)
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civilDate(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
