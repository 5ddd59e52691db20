import BreathProtocol
import Foundation
import SessionReport

/// How numbers, durations and times read in breathctl's text output.
enum Readable {
    /// `7:55`, `1:02:03`; negative durations read as `0:00`. A clock counting up rounds down and
    /// one counting down rounds up, so that elapsed and left add up to the session's length.
    static func duration(seconds: Double, rounding rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> String {
        let total = Int(max(0, seconds).rounded(rule))
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(rest))" : "\(minutes):\(twoDigits(rest))"
    }

    static func fixed(_ value: Double, decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }

    /// `5.5`, `6`, `4.25`: as short as the value allows, for settings the user typed.
    static func setting(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// `40 %` of a 0-1 share.
    static func percent(share: Double) -> String {
        "\(Int((share * 100).rounded())) %"
    }

    static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}

/// Wall-clock times in the user's time zone (TZ), as `date` prints them: `SessionReport`'s
/// `WallClock.local`, the one home of local time (the report uses it too).
enum LocalTime {
    /// `2026-11-23 08:00`
    static func minutes(_ time: Timestamp) -> String { WallClock.local.minutes(time) }
    /// `2026-11-23 08:00:00`
    static func seconds(_ time: Timestamp) -> String { WallClock.local.seconds(time) }
    /// `08:00:00`
    static func timeOfDay(_ time: Timestamp) -> String { WallClock.local.timeOfDay(time) }

    /// Seconds east of UTC at `time` in the user's time zone (daylight saving included), for the
    /// offsets of ISO 8601 local times (`export`'s `time`).
    @Sendable static func utcOffsetSeconds(_ time: Timestamp) -> Int { WallClock.local.zone(time).offsetSeconds }

    static var now: Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(unixMilliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}
