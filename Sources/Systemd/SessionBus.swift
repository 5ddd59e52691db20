import CSystemd

/// A connection to the user's session bus through sd-bus (`DBUS_SESSION_BUS_ADDRESS`, else
/// `$XDG_RUNTIME_DIR/bus`).
///
/// sd-bus's variadic helpers (`sd_bus_call_method`, `sd_bus_message_append`) cannot be called from
/// Swift, so a `MethodCall` is built argument by argument; each C call is wrapped once and its
/// negative errno becomes a `BusError`. Blocking, and used from one thread at a time: an sd-bus
/// connection is not thread-safe, hence not `Sendable`.
public final class SessionBus {
    private let bus: OpaquePointer

    public init() throws(BusError) {
        var bus: OpaquePointer?
        let result = sd_bus_open_user(&bus)
        guard result >= 0, let bus else { throw BusError(operation: "sd_bus_open_user", errno: -result) }
        self.bus = bus
    }

    deinit { sd_bus_flush_close_unref(bus) }

    /// A method call to fill with arguments and then `call`.
    public func methodCall(destination: String, path: String, interface: String, member: String) throws(BusError) -> MethodCall {
        try MethodCall(bus: bus, destination: destination, path: path, interface: interface, member: member)
    }

    /// Sends the call and waits for the reply; a D-Bus error reply keeps its name and message.
    public func call(_ message: MethodCall, timeoutMicroseconds: UInt64) throws(BusError) -> MethodCall {
        try message.call(on: bus, timeoutMicroseconds: timeoutMicroseconds)
    }
}
