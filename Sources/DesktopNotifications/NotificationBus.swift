import CSystemd
import Logging

/// A connection to the user's session bus that sends `org.freedesktop.Notifications.Notify`.
///
/// sd-bus's variadic helpers (`sd_bus_call_method`, `sd_bus_message_append`) cannot be called from
/// Swift, so the message is built argument by argument; each C call is wrapped here once and its
/// negative errno becomes a `NotificationBusError`. Blocking, and used from one thread at a time:
/// an sd-bus connection is not thread-safe, hence not `Sendable`.
public final class NotificationBus {
    private let bus: OpaquePointer
    private let logger: Logger
    /// How long a call waits for the server's reply.
    public static let callTimeoutMicroseconds: UInt64 = 5_000_000

    /// Connects to the session bus (`DBUS_SESSION_BUS_ADDRESS`, else `$XDG_RUNTIME_DIR/bus`).
    public init(logger: Logger) throws(NotificationBusError) {
        var bus: OpaquePointer?
        let result = sd_bus_open_user(&bus)
        guard result >= 0, let bus else { throw NotificationBusError(operation: "sd_bus_open_user", errno: -result) }
        self.bus = bus
        self.logger = logger
    }

    deinit { sd_bus_flush_close_unref(bus) }

    /// Shows the notification; returns the id the server gave it (pass it as `replacesID` to replace it).
    public func notify(_ notification: DesktopNotification) throws(NotificationBusError) -> UInt32 {
        let message = try MethodCall(
            bus: bus, destination: "org.freedesktop.Notifications", path: "/org/freedesktop/Notifications",
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
        let id = try message.call(on: bus, timeoutMicroseconds: Self.callTimeoutMicroseconds).readUInt32()
        logger.debug("notification shown", metadata: ["id": "\(id)", "summary": "\(notification.summary)"])
        return id
    }
}
