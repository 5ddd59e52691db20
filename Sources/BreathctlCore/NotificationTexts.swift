import BreathProtocol
import DesktopNotifications
import SessionReport

/// The wording of the agent's notifications.
enum NotificationTexts {
    static let appName = "breathd"
    /// Routine notifications fade after 10 s; problems stay 30 s.
    static let routineExpiryMilliseconds: Int32 = 10_000
    static let problemExpiryMilliseconds: Int32 = 30_000

    static func started(_ record: SessionRecord) -> DesktopNotification {
        let settings = record.settings
        let minutes = SummaryFigures.decimal(settings.durationSeconds / 60, places: settings.durationSeconds.truncatingRemainder(dividingBy: 60) == 0 ? 0 : 1)
        return routine(
            icon: "media-playback-start",
            summary: "Breathing session started",
            body: "\(minutes) min at \(SummaryFigures.decimal(settings.rateBreathsPerMinute, places: 1)) breaths/min "
                + "(inhale:exhale \(settings.ratio)). Follow the pacer.")
    }

    static func finished(_ record: SessionRecord) -> DesktopNotification {
        let duration = record.endedAt.map { $0.unixSeconds - record.startedAt.unixSeconds } ?? record.settings.durationSeconds
        let figures = SummaryFigures(record: record, durationSeconds: duration)
        let summary = record.summary
        let coherence = summary?.meanCoherenceScore.map { SummaryFigures.decimal($0, places: 2) } ?? "–"
        let high = figures.highShare.map { "\(Int(($0 * 100).rounded())) %" } ?? "–"
        let heartRate = summary?.meanHeartRateBPM.map { "\(Int($0.rounded())) bpm" } ?? "–"
        let rmssd = summary?.rmssdMilliseconds.map { "\(Int($0.rounded())) ms" } ?? "–"
        let reason = record.endReason?.rawValue ?? "ended"
        return routine(
            icon: "emblem-ok-symbolic",
            summary: "Breathing session finished",
            body: "\(figures.durationText) min, \(reason)\nCoherence \(coherence) mean, \(high) high\nHR \(heartRate), RMSSD \(rmssd)")
    }

    static func sensorLost(_ event: SensorEvent) -> DesktopNotification {
        problem(
            icon: "dialog-warning",
            summary: "Heart sensor lost",
            body: "\(event.device)\(event.message.map { ": \($0)" } ?? ""). The pacer goes on; measuring resumes when beats return.")
    }

    static func sensorBack(_ event: SensorEvent) -> DesktopNotification {
        routine(icon: "emblem-ok-symbolic", summary: "Heart sensor back", body: "\(event.device) is sending beats again.")
    }

    static func audioUnavailable(_ event: AudioEvent) -> DesktopNotification {
        problem(
            icon: "audio-volume-muted",
            summary: "Audio device unavailable",
            body: "\(event.device)\(event.message.map { ": \($0)" } ?? ""). The pacer is silent until the device returns.")
    }

    static func coherenceHeld(minutes: Double) -> DesktopNotification {
        routine(
            icon: "face-smile",
            summary: "High coherence",
            body: minutes < 1
                ? "You have held high coherence for \(Int((minutes * 60).rounded())) s."
                : "You have held high coherence for \(SummaryFigures.decimal(minutes, places: minutes == minutes.rounded() ? 0 : 1)) min.")
    }

    private static func routine(icon: String, summary: String, body: String) -> DesktopNotification {
        DesktopNotification(
            appName: appName, iconName: icon, summary: summary, body: body, urgency: .low,
            expireTimeoutMilliseconds: routineExpiryMilliseconds)
    }

    private static func problem(icon: String, summary: String, body: String) -> DesktopNotification {
        DesktopNotification(
            appName: appName, iconName: icon, summary: summary, body: body, urgency: .normal,
            expireTimeoutMilliseconds: problemExpiryMilliseconds)
    }
}
