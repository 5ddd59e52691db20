/// What a sensor stream reports, in order. (The protocol's SENSOR event, `BreathProtocol.SensorEvent`, is
/// the state the daemon derives from these.)
public enum SensorStreamEvent: Sendable, Equatable {
    /// The device was opened (again).
    case connected(path: String)
    /// The device went away (unplugged, closed, unreadable). The stream keeps retrying, except
    /// at the end of a replayed regular file, where it finishes.
    case disconnected(reason: String, willRetry: Bool)
    /// The device cannot be opened yet (missing, permissions); reported once per kind of failure.
    case unavailable(reason: String)
    case formatDetected(SensorFormat)
    case beat(SensorBeat)
    case leadsOff
    /// Rejected input so far, sent when it changed, at most once a second.
    case counters(RejectedInputCounters)
}
