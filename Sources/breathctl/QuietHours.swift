#if canImport(Glibc)
import Glibc
#endif

/// A daily window of local time without notifications, `HH:MM-HH:MM`; it may wrap past midnight.
struct QuietHours: Sendable, Equatable {
    let startMinuteOfDay: Int
    let endMinuteOfDay: Int

    init?(parsing text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let start = Self.minuteOfDay(parts[0]), let end = Self.minuteOfDay(parts[1]), start != end else {
            return nil
        }
        startMinuteOfDay = start
        endMinuteOfDay = end
    }

    private static func minuteOfDay(_ text: Substring) -> Int? {
        let fields = text.split(separator: ":")
        guard fields.count == 2, let hours = Int(fields[0]), let minutes = Int(fields[1]),
            (0..<24).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }

    func contains(minuteOfDay minute: Int) -> Bool {
        startMinuteOfDay < endMinuteOfDay
            ? (startMinuteOfDay..<endMinuteOfDay).contains(minute)
            : minute >= startMinuteOfDay || minute < endMinuteOfDay
    }

    /// Whether the local time now falls in the window.
    var containsNow: Bool {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return false }
        return contains(minuteOfDay: Int(local.tm_hour) * 60 + Int(local.tm_min))
    }
}
