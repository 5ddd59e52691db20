import BreathProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock times in a time zone, as the person reads them: by default the user's own (TZ,
/// through the C library's `localtime_r`, as `date` does), the one home of local time for
/// `history`, `session` and the report. Tests inject a fixed zone.
public struct WallClock: Sendable {
    /// The zone's offset east of UTC at an instant, in seconds, and its abbreviation ("EST").
    public let zone: @Sendable (Timestamp) -> (offsetSeconds: Int, abbreviation: String)

    public init(zone: @escaping @Sendable (Timestamp) -> (offsetSeconds: Int, abbreviation: String)) {
        self.zone = zone
    }

    /// The process's local time zone (TZ, else /etc/localtime).
    public static let local = WallClock { time in
        var seconds = time_t(time.unixMilliseconds / 1000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        let abbreviation = parts.tm_zone.map { String(cString: $0) } ?? ""
        return (Int(parts.tm_gmtoff), abbreviation)
    }

    /// A zone a fixed offset from UTC.
    public static func fixed(offsetSeconds: Int, abbreviation: String) -> WallClock {
        WallClock { _ in (offsetSeconds, abbreviation) }
    }

    /// `2026-11-23T08:00:00.000` in this zone (`LocalISO8601`'s text without its offset).
    private func civil(_ time: Timestamp) -> Substring {
        LocalISO8601.format(time, utcOffsetSeconds: zone(time).offsetSeconds).prefix(23)
    }

    /// `2026-11-23 08:00`
    public func minutes(_ time: Timestamp) -> String { Self.spaced(civil(time).prefix(16)) }
    /// `2026-11-23 08:00:00`
    public func seconds(_ time: Timestamp) -> String { Self.spaced(civil(time).prefix(19)) }
    /// `08:00:00`
    public func timeOfDay(_ time: Timestamp) -> String { String(civil(time).dropFirst(11).prefix(8)) }
    /// `08:00`
    public func hoursAndMinutes(_ time: Timestamp) -> String { String(civil(time).dropFirst(11).prefix(5)) }

    /// The zone's abbreviation at `time` ("EST", "IST"), or its offset ("UTC+05:30") when it has none.
    public func zoneName(_ time: Timestamp) -> String {
        let (offset, abbreviation) = zone(time)
        if !abbreviation.isEmpty, abbreviation.allSatisfy({ $0.isLetter }) { return abbreviation }
        let minutes = abs(offset) / 60
        let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return "UTC\(offset < 0 ? "-" : "+")\(two(minutes / 60)):\(two(minutes % 60))"
    }

    private static func spaced(_ text: Substring) -> String {
        text.replacingOccurrences(of: "T", with: " ")
    }
}

extension Substring {
    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
