import Logging
import Systemd

/// A connection to the user's session bus that sends `org.freedesktop.Notifications.Notify`.
///
/// Blocking, and used from one thread at a time (see `SessionBus`), hence not `Sendable`.
public final class NotificationBus {
    private let bus: SessionBus
    private let logger: Logger
    /// How long a call waits for the server's reply.
    public static let callTimeoutMicroseconds: UInt64 = 5_000_000

    /// Connects to the session bus (`DBUS_SESSION_BUS_ADDRESS`, else `$XDG_RUNTIME_DIR/bus`).
    public init(logger: Logger) throws(BusError) {
        bus = try SessionBus()
        self.logger = logger
    }

    /// Shows the notification; returns the id the server gave it (pass it as `replacesID` to replace it).
    public func notify(_ notification: DesktopNotification) throws(BusError) -> UInt32 {
        let message = try bus.methodCall(
            destination: "org.freedesktop.Notifications", path: "/org/freedesktop/Notifications",
            interface: "org.freedesktop.Notifications", member: "Notify")
        // Signature susssasa{sv}i.
        try message.appendString(notification.appName)
        try message.appendUInt32(notification.replacesID)
        try message.appendString(notification.iconName)
        try message.appendString(notification.summary)
        try message.appendString(notification.body)
        try message.openContainer("a", contents: "s")  // no actions
        try message.closeContainer()
        try message.openContainer("a", contents: "{sv}")
        try message.openContainer("e", contents: "sv")
        try message.appendString("urgency")
        try message.openContainer("v", contents: "y")
        try message.appendByte(notification.urgency.rawValue)
        try message.closeContainer()
        try message.closeContainer()
        try message.closeContainer()
        try message.appendInt32(notification.expireTimeoutMilliseconds)
        let id = try bus.call(message, timeoutMicroseconds: Self.callTimeoutMicroseconds).readUInt32()
        logger.debug("notification shown", metadata: ["id": "\(id)", "summary": "\(notification.summary)"])
        return id
    }
}
