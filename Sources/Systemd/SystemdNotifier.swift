import CSystemd

/// sd_notify(3): tells systemd when breathd is ready, what it is doing and when it stops, and
/// feeds the watchdog. Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
public struct SystemdNotifier: Sendable {
    public let isEnabled: Bool
    /// The watchdog interval systemd expects pings within (WATCHDOG_USEC for this process), if any.
    public let watchdogInterval: Duration?

    public init(environment: [String: String]) {
        isEnabled = !(environment["NOTIFY_SOCKET"] ?? "").isEmpty
        var microseconds: UInt64 = 0
        // sd_watchdog_enabled checks WATCHDOG_PID against this process, as systemd means it to.
        if sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 {
            watchdogInterval = .microseconds(Int64(microseconds))
        } else {
            watchdogInterval = nil
        }
    }

    public func notify(_ state: String) {
        guard isEnabled else { return }
        _ = sd_notify(0, state)
    }

    /// A fatal error: `systemctl status` shows the reason, and ERRNO= the error number.
    public func notifyFailure(_ reason: String, errno: Int32) {
        let oneLine = reason.split(separator: "\n").first.map(String.init) ?? reason
        notify("STATUS=failed: \(oneLine)\nERRNO=\(errno)")
    }
}
