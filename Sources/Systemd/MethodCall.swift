import CSystemd

/// An owned `sd_bus_message`: the wrapped C calls that build, send and read one method call.
public final class MethodCall {
    private let message: OpaquePointer

    init(bus: OpaquePointer, destination: String, path: String, interface: String, member: String) throws(BusError) {
        var message: OpaquePointer?
        let result = sd_bus_message_new_method_call(bus, &message, destination, path, interface, member)
        guard result >= 0, let message else {
            throw BusError(operation: "sd_bus_message_new_method_call", errno: -result)
        }
        self.message = message
    }

    private init(adopting message: OpaquePointer) { self.message = message }

    deinit { sd_bus_message_unref(message) }

    private static func type(_ code: Character) -> CChar { CChar(bitPattern: code.asciiValue!) }

    private static func check(_ result: Int32, _ operation: String) throws(BusError) {
        guard result >= 0 else { throw BusError(operation: operation, errno: -result) }
    }

    public func appendString(_ value: String) throws(BusError) {
        // For string types sd_bus_message_append_basic takes the C string itself.
        let result = value.withCString { sd_bus_message_append_basic(message, Self.type("s"), $0) }
        try Self.check(result, "sd_bus_message_append_basic(s)")
    }

    public func appendUInt32(_ value: UInt32) throws(BusError) {
        var value = value
        try Self.check(sd_bus_message_append_basic(message, Self.type("u"), &value), "sd_bus_message_append_basic(u)")
    }

    public func appendInt32(_ value: Int32) throws(BusError) {
        var value = value
        try Self.check(sd_bus_message_append_basic(message, Self.type("i"), &value), "sd_bus_message_append_basic(i)")
    }

    public func appendByte(_ value: UInt8) throws(BusError) {
        var value = value
        try Self.check(sd_bus_message_append_basic(message, Self.type("y"), &value), "sd_bus_message_append_basic(y)")
    }

    public func openContainer(_ kind: Character, contents: String) throws(BusError) {
        let result = contents.withCString { sd_bus_message_open_container(message, Self.type(kind), $0) }
        try Self.check(result, "sd_bus_message_open_container(\(kind))")
    }

    public func closeContainer() throws(BusError) {
        try Self.check(sd_bus_message_close_container(message), "sd_bus_message_close_container")
    }

    /// Sends the call and waits for the reply; a D-Bus error reply keeps its name and message.
    func call(on bus: OpaquePointer, timeoutMicroseconds: UInt64) throws(BusError) -> MethodCall {
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        let result = sd_bus_call(bus, message, timeoutMicroseconds, &error, &reply)
        guard result >= 0, let reply else {
            throw BusError(
                operation: "sd_bus_call", errno: -result,
                errorName: error.name.map { String(cString: $0) }, errorMessage: error.message.map { String(cString: $0) })
        }
        return MethodCall(adopting: reply)
    }

    public func readUInt32() throws(BusError) -> UInt32 {
        var value: UInt32 = 0
        try Self.check(sd_bus_message_read_basic(message, Self.type("u"), &value), "sd_bus_message_read_basic(u)")
        return value
    }
}
