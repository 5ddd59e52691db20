#if canImport(Glibc)
import Glibc
#endif

/// A daily window of local time without notifications, `HH:MM-HH:MM` with 24-hour, two-digit
/// times; it may wrap past midnight. The one parser of the syntax: the configuration's
/// `[notify] quiet_hours` and `breathctl notify --quiet-hours` both go through `init(parsing:)`.
public struct QuietHours: Sendable, Equatable, CustomStringConvertible {
    public let startMinuteOfDay: Int
    public let endMinuteOfDay: Int

    /// The window `text` names, or nil unless it is `HH:MM-HH:MM` with two different times.
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Self.minuteOfDay(parts[0]), let end = Self.minuteOfDay(parts[1]), start != end else {
            return nil
        }
        startMinuteOfDay = start
        endMinuteOfDay = end
    }

    /// `HH:MM`: exactly two ASCII digits each, 00-23 and 00-59.
    private static func minuteOfDay(_ text: Substring) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
            bytes.enumerated().allSatisfy({ $0.offset == 2 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0.element) })
        else { return nil }
        let digit = { (index: Int) in Int(bytes[index] - UInt8(ascii: "0")) }
        let hours = digit(0) * 10 + digit(1), minutes = digit(3) * 10 + digit(4)
        guard hours < 24, minutes < 60 else { return nil }
        return hours * 60 + minutes
    }

    /// The window as it is written, `HH:MM-HH:MM`.
    public var description: String {
        func time(_ minute: Int) -> String {
            let hours = minute / 60, minutes = minute % 60
            return (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
        }
        return "\(time(startMinuteOfDay))-\(time(endMinuteOfDay))"
    }

    public func contains(minuteOfDay minute: Int) -> Bool {
        startMinuteOfDay < endMinuteOfDay
            ? (startMinuteOfDay..<endMinuteOfDay).contains(minute)
            : minute >= startMinuteOfDay || minute < endMinuteOfDay
    }

    /// Whether the local time now falls in the window.
    public var containsNow: Bool {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return false }
        return contains(minuteOfDay: Int(local.tm_hour) * 60 + Int(local.tm_min))
    }
}
