/// What a sensor stream reports, in order.
public enum SensorEvent: Sendable, Equatable {
    /// The device was opened (again).
    case connected(path: String)
    /// The device went away (unplugged, closed, unreadable); the stream keeps retrying.
    case disconnected(reason: String)
    /// The device cannot be opened yet (missing, permissions); reported once per kind of failure.
    case unavailable(reason: String)
    case formatDetected(SensorFormat)
    case beat(SensorBeat)
    case leadsOff
    /// Rejected input so far, sent when it changed, at most once a second.
    case counters(RejectedInputCounters)
}
