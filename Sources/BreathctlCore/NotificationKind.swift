/// What a notification is about; a new one of a kind replaces the kind's previous one on screen.
enum NotificationKind: String, CaseIterable, Sendable {
    /// A session started: the reminder.
    case sessionStarted
    /// A session finished, with its figures (the last session's result stays until the next).
    case sessionFinished
    /// Sensor lost and back.
    case sensor
    case audio
    /// High coherence held for the configured minutes.
    case coherence
}
