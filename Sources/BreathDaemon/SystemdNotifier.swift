import CSystemd

/// sd_notify(3): tells systemd when breathd is ready, what it is doing and when it stops.
/// Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
public struct SystemdNotifier: Sendable {
    public let isEnabled: Bool

    public init(environment: [String: String]) {
        isEnabled = !(environment["NOTIFY_SOCKET"] ?? "").isEmpty
    }

    public func notify(_ state: String) {
        guard isEnabled else { return }
        _ = sd_notify(0, state)
    }
}
