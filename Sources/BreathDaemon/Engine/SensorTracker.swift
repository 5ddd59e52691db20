import BreathConfig
import BreathProtocol
import Sensor

/// What STATUS and SENSOR events say about the heart-rate sensor.
struct SensorTracker {
    let device: String
    private(set) var format: String
    private(set) var state: SensorState
    private(set) var beats = 0
    private(set) var artifacts = 0
    private(set) var rejectedLines = 0
    /// `.connected` after the first: the sensor came back (Bluetooth reconnects, replugs).
    private(set) var reconnects = 0
    private var connections = 0
    /// Why the sensor is lost, while it is.
    private var problem: String?
    private var lastBeatAt: EngineClock.Instant?

    init(configuration: Configuration.Sensor) {
        device = configuration.device
        format = configuration.format.rawValue
        state = configuration.device.isEmpty ? .none : .connecting
    }

    /// Applies a sensor event; returns the SENSOR event to publish when the state changed.
    mutating func apply(_ event: SensorStreamEvent) -> BreathProtocol.SensorEvent? {
        switch event {
        case .connected(let path):
            connections += 1
            reconnects = max(0, connections - 1)
            problem = nil
            return transition(to: .detecting, message: reconnects > 0 ? "reconnected to \(path)" : "connected to \(path)")
        case .disconnected(let reason, let willRetry):
            problem = reason
            return transition(to: .lost, message: willRetry ? "\(reason); reconnecting" : reason)
        case .unavailable(let reason):
            problem = reason
            return transition(to: .lost, message: reason)
        case .formatDetected(let detected):
            format = detected.rawValue
            return BreathProtocol.SensorEvent(state: state, device: device, format: format, message: "format \(detected.rawValue)")
        case .leadsOff:
            return BreathProtocol.SensorEvent(state: state, device: device, format: format, message: "leads off")
        case .counters(let counters):
            rejectedLines = counters.total
            return nil
        case .beat:
            return nil
        }
    }

    /// Counts a beat as it arrives; returns the SENSOR event when this beat means the sensor
    /// streams again.
    mutating func countBeat(at now: EngineClock.Instant) -> BreathProtocol.SensorEvent? {
        beats += 1
        lastBeatAt = now
        return transition(to: .streaming, message: nil)
    }

    /// Counts an artifact, once the classifier has decided the beat (3 beats after it arrived).
    mutating func countArtifact() { artifacts += 1 }

    mutating func countRejected() { rejectedLines += 1 }

    private mutating func transition(to new: SensorState, message: String?) -> BreathProtocol.SensorEvent? {
        guard new != state || message != nil && new != .streaming else { return nil }
        state = new
        return BreathProtocol.SensorEvent(state: new, device: device, format: format, message: message, reconnects: reconnects > 0 ? reconnects : nil)
    }

    func status(now: EngineClock.Instant) -> SensorStatus {
        let since = lastBeatAt.map { now - $0 }.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
        return SensorStatus(
            device: device, format: format, state: state, beats: beats, artifacts: artifacts,
            rejectedLines: rejectedLines, secondsSinceLastBeat: since,
            reconnects: device.isEmpty ? nil : reconnects, problem: state == .lost ? problem : nil)
    }
}
