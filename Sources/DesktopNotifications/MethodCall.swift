import CSystemd

/// An owned `sd_bus_message`: the wrapped C calls that build, send and read one method call.
final class MethodCall {
    private let message: OpaquePointer

    init(bus: OpaquePointer, destination: String, path: String, interface: String, member: String) throws(NotificationBusError) {
        var message: OpaquePointer?
        let result = sd_bus_message_new_method_call(bus, &message, destination, path, interface, member)
        guard result >= 0, let message else {
            throw NotificationBusError(operation: "sd_bus_message_new_method_call", errno: -result)
        }
        self.message = message
    }

    private init(adopting message: OpaquePointer) { self.message = message }

    deinit { sd_bus_message_unref(message) }

    private static func type(_ code: Character) -> CChar { CChar(bitPattern: code.asciiValue!) }

    private static func check(_ result: Int32, _ operation: String) throws(NotificationBusError) {
        guard result >= 0 else { throw NotificationBusError(operation: operation, errno: -result) }
    }

    func appendString(_ value: String) throws(NotificationBusError) {
        // For string types sd_bus_message_append_basic takes the C string itself.
        let result = value.withCString { sd_bus_message_append_basic(message, Self.type("s"), $0) }
        try Self.check(result, "sd_bus_message_append_basic(s)")
    }

    func appendUInt32(_ value: UInt32) throws(NotificationBusError) {
        var value = value
        try Self.check(sd_bus_message_append_basic(message, Self.type("u"), &value), "sd_bus_message_append_basic(u)")
    }

    func appendInt32(_ value: Int32) throws(NotificationBusError) {
        var value = value
        try Self.check(sd_bus_message_append_basic(message, Self.type("i"), &value), "sd_bus_message_append_basic(i)")
    }

    func appendByte(_ value: UInt8) throws(NotificationBusError) {
        var value = value
        try Self.check(sd_bus_message_append_basic(message, Self.type("y"), &value), "sd_bus_message_append_basic(y)")
    }

    func openContainer(_ kind: Character, contents: String) throws(NotificationBusError) {
        let result = contents.withCString { sd_bus_message_open_container(message, Self.type(kind), $0) }
        try Self.check(result, "sd_bus_message_open_container(\(kind))")
    }

    func closeContainer() throws(NotificationBusError) {
        try Self.check(sd_bus_message_close_container(message), "sd_bus_message_close_container")
    }

    /// Sends the call and waits for the reply; a D-Bus error reply keeps its name and message.
    func call(on bus: OpaquePointer, timeoutMicroseconds: UInt64) throws(NotificationBusError) -> MethodCall {
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        let result = sd_bus_call(bus, message, timeoutMicroseconds, &error, &reply)
        guard result >= 0, let reply else {
            throw NotificationBusError(
                operation: "sd_bus_call", errno: -result,
                errorName: error.name.map { String(cString: $0) }, errorMessage: error.message.map { String(cString: $0) })
        }
        return MethodCall(adopting: reply)
    }

    func readUInt32() throws(NotificationBusError) -> UInt32 {
        var value: UInt32 = 0
        try Self.check(sd_bus_message_read_basic(message, Self.type("u"), &value), "sd_bus_message_read_basic(u)")
        return value
    }
}
