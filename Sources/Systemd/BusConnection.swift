import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// A D-Bus value read from a message, with the variants unwrapped where they are read.
public indirect enum BusValue: Sendable, Equatable {
    case bool(Bool)
    case integer(Int64)
    case unsigned(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case array([BusValue])
    /// `a{?v}` and other dictionaries keyed by strings or object paths.
    case dictionary([String: BusValue])
    case structure([BusValue])

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var integer: Int64? {
        switch self {
        case .integer(let i): i
        case .unsigned(let u): Int64(exactly: u)
        default: nil
        }
    }
    public var bytes: [UInt8]? { if case .bytes(let b) = self { b } else { nil } }
    public var dictionary: [String: BusValue]? { if case .dictionary(let d) = self { d } else { nil } }
    public var strings: [String]? {
        guard case .array(let items) = self else { return nil }
        return items.compactMap(\.string)
    }
}

/// One owned `sd_bus_message`.
public final class BusMessage {
    public let pointer: OpaquePointer

    public init(adopting pointer: OpaquePointer) { self.pointer = pointer }
    deinit { sd_bus_message_unref(pointer) }

    private static func code(_ c: Character) -> CChar { CChar(bitPattern: c.asciiValue!) }

    private func check(_ result: Int32, _ operation: String) throws(BusError) {
        guard result >= 0 else { throw BusError(operation: operation, errno: -result) }
    }

    // MARK: Building

    public func append(string: String) throws(BusError) {
        try check(string.withCString { sd_bus_message_append_basic(pointer, Self.code("s"), $0) }, "append(s)")
    }

    public func append(uint64 value: UInt64) throws(BusError) {
        var value = value
        try check(sd_bus_message_append_basic(pointer, Self.code("t"), &value), "append(t)")
    }

    public func append(uint32 value: UInt32) throws(BusError) {
        var value = value
        try check(sd_bus_message_append_basic(pointer, Self.code("u"), &value), "append(u)")
    }

    public func append(int32 value: Int32) throws(BusError) {
        var value = value
        try check(sd_bus_message_append_basic(pointer, Self.code("i"), &value), "append(i)")
    }

    public func append(strings: [String]) throws(BusError) {
        try open("a", "s")
        for s in strings { try append(string: s) }
        try close()
    }

    public func open(_ kind: Character, _ contents: String) throws(BusError) {
        try check(contents.withCString { sd_bus_message_open_container(pointer, Self.code(kind), $0) }, "open(\(kind))")
    }

    public func close() throws(BusError) { try check(sd_bus_message_close_container(pointer), "close") }

    /// Appends an `a{sv}` whose values are strings or string arrays (discovery filters).
    public func append(options: KeyValuePairs<String, BusValue>) throws(BusError) {
        try open("a", "{sv}")
        for (key, value) in options {
            try open("e", "sv")
            try append(string: key)
            switch value {
            case .string(let s):
                try open("v", "s")
                try append(string: s)
            case .array(let items):
                try open("v", "as")
                try append(strings: items.compactMap(\.string))
            default:
                preconditionFailure("only strings and string arrays are sent")
            }
            try close()
            try close()
        }
        try close()
    }

    // MARK: Reading

    public var path: String? { sd_bus_message_get_path(pointer).map { String(cString: $0) } }
    public var interface: String? { sd_bus_message_get_interface(pointer).map { String(cString: $0) } }
    public var member: String? { sd_bus_message_get_member(pointer).map { String(cString: $0) } }

    public var isSignal: Bool {
        var type: UInt8 = 0
        return sd_bus_message_get_type(pointer, &type) >= 0 && type == UInt8(SD_BUS_MESSAGE_SIGNAL)
    }

    public var replyCookie: UInt64? {
        var cookie: UInt64 = 0
        return sd_bus_message_get_reply_cookie(pointer, &cookie) >= 0 ? cookie : nil
    }

    /// The D-Bus error of an error reply.
    public var error: BusError? {
        guard let e = sd_bus_message_get_error(pointer), sd_bus_error_is_set(e) != 0 else { return nil }
        return BusError(operation: "reply", errno: 0, errorName: e.pointee.name.map { String(cString: $0) }, errorMessage: e.pointee.message.map { String(cString: $0) })
    }

    /// Every remaining value at the current level: the message's arguments, or a container's items.
    public func readAll() throws(BusError) -> [BusValue] {
        var values: [BusValue] = []
        while let value = try readNext() { values.append(value) }
        return values
    }

    /// The next value at the current level, or nil at the end of the current container.
    public func readNext() throws(BusError) -> BusValue? {
        var type: CChar = 0
        var contents: UnsafePointer<CChar>?
        let r = sd_bus_message_peek_type(pointer, &type, &contents)
        try check(r, "peek_type")
        if r == 0 { return nil }
        let inner = contents.map { String(cString: $0) } ?? ""
        switch UInt8(bitPattern: type) {
        case UInt8(ascii: "a"):
            if inner == "y" {
                var data: UnsafeRawPointer?
                var size = 0
                try check(sd_bus_message_read_array(pointer, Self.code("y"), &data, &size), "read_array(y)")
                guard let data, size > 0 else { return .bytes([]) }
                return .bytes(Array(UnsafeRawBufferPointer(start: data, count: size)))
            }
            try check(sd_bus_message_enter_container(pointer, type, contents), "enter(a)")
            defer { sd_bus_message_exit_container(pointer) }
            if inner.hasPrefix("{") {
                var dictionary: [String: BusValue] = [:]
                while true {
                    var t: CChar = 0
                    var c: UnsafePointer<CChar>?
                    let more = sd_bus_message_peek_type(pointer, &t, &c)
                    try check(more, "peek_type(e)")
                    if more == 0 { break }
                    try check(sd_bus_message_enter_container(pointer, t, c), "enter(e)")
                    let key = try readNext()
                    let value = try readNext()
                    try check(sd_bus_message_exit_container(pointer), "exit(e)")
                    if let key = key?.string ?? key?.integer.map(String.init), let value { dictionary[key] = value }
                }
                return .dictionary(dictionary)
            }
            return .array(try readAll())
        case UInt8(ascii: "v"), UInt8(ascii: "r"):
            try check(sd_bus_message_enter_container(pointer, type, contents), "enter(v)")
            defer { sd_bus_message_exit_container(pointer) }
            let items = try readAll()
            if UInt8(bitPattern: type) == UInt8(ascii: "v"), items.count == 1 { return items[0] }
            return .structure(items)
        case UInt8(ascii: "s"), UInt8(ascii: "o"), UInt8(ascii: "g"):
            let text = try readBasic(type, UnsafePointer<CChar>?.none, "s")
            return .string(text.map { String(cString: $0) } ?? "")
        case UInt8(ascii: "b"): return .bool(try readBasic(type, Int32(0), "b") != 0)
        case UInt8(ascii: "y"): return .unsigned(UInt64(try readBasic(type, UInt8(0), "y")))
        case UInt8(ascii: "n"): return .integer(Int64(try readBasic(type, Int16(0), "n")))
        case UInt8(ascii: "q"): return .unsigned(UInt64(try readBasic(type, UInt16(0), "q")))
        case UInt8(ascii: "i"), UInt8(ascii: "h"): return .integer(Int64(try readBasic(type, Int32(0), "i")))
        case UInt8(ascii: "u"): return .unsigned(UInt64(try readBasic(type, UInt32(0), "u")))
        case UInt8(ascii: "x"): return .integer(try readBasic(type, Int64(0), "x"))
        case UInt8(ascii: "t"): return .unsigned(try readBasic(type, UInt64(0), "t"))
        case UInt8(ascii: "d"): return .double(try readBasic(type, Double(0), "d"))
        default:
            try check(sd_bus_message_skip(pointer, nil), "skip")
            return .structure([])
        }
    }

    /// One basic value of D-Bus type `type`, read into storage of the C type sd-bus writes for it
    /// (`initial` gives the type); `label` names the type in the error.
    private func readBasic<Value>(_ type: CChar, _ initial: Value, _ label: String) throws(BusError) -> Value {
        var value = initial
        try check(sd_bus_message_read_basic(pointer, type, &value), "read(\(label))")
        return value
    }
}

/// A client connection to a message bus through sd-bus: blocking calls with a timeout, calls whose
/// reply comes later as a message, match rules, and the incoming messages in order.
///
/// Not thread-safe (neither is sd-bus): one connection belongs to one thread.
public final class BusConnection {
    private let bus: OpaquePointer
    public static let callTimeoutMicroseconds: UInt64 = 10_000_000

    /// `address` nil: the system bus (`DBUS_SYSTEM_BUS_ADDRESS`, else /run/dbus/system_bus_socket).
    public init(address: String?) throws(BusError) {
        var bus: OpaquePointer?
        if let address {
            var r = sd_bus_new(&bus)
            guard r >= 0, let created = bus else { throw BusError(operation: "sd_bus_new", errno: -r) }
            r = sd_bus_set_address(created, address)
            if r >= 0 { r = sd_bus_set_bus_client(created, 1) }
            if r >= 0 { r = sd_bus_start(created) }
            guard r >= 0 else {
                sd_bus_flush_close_unref(created)
                throw BusError(operation: "connecting to \(address)", errno: -r)
            }
            self.bus = created
        } else {
            let r = sd_bus_open_system(&bus)
            guard r >= 0, let bus else { throw BusError(operation: "connecting to the system bus", errno: -r) }
            self.bus = bus
        }
    }

    deinit { sd_bus_flush_close_unref(bus) }

    public func methodCall(destination: String, path: String, interface: String, member: String) throws(BusError) -> BusMessage {
        var message: OpaquePointer?
        let r = sd_bus_message_new_method_call(bus, &message, destination, path, interface, member)
        guard r >= 0, let message else { throw BusError(operation: "new_method_call \(member)", errno: -r) }
        return BusMessage(adopting: message)
    }

    /// Sends and waits for the reply; messages arriving meanwhile stay queued for `next()`.
    public func call(_ message: BusMessage, timeoutMicroseconds: UInt64 = callTimeoutMicroseconds) throws(BusError) -> BusMessage {
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        let r = sd_bus_call(bus, message.pointer, timeoutMicroseconds, &error, &reply)
        guard r >= 0, let reply else {
            throw BusError(
                operation: "call \(message.member ?? "")", errno: -r,
                errorName: error.name.map { String(cString: $0) }, errorMessage: error.message.map { String(cString: $0) })
        }
        return BusMessage(adopting: reply)
    }

    /// Sends without waiting; the reply arrives through `next()` with this cookie as its reply cookie.
    public func send(_ message: BusMessage) throws(BusError) -> UInt64 {
        var cookie: UInt64 = 0
        let r = sd_bus_send(bus, message.pointer, &cookie)
        guard r >= 0 else { throw BusError(operation: "send \(message.member ?? "")", errno: -r) }
        return cookie
    }

    /// Asks the bus to route matching signals here (the bus daemon's AddMatch).
    public func addMatch(_ rule: String) throws(BusError) {
        let message = try methodCall(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "AddMatch")
        try message.append(string: rule)
        _ = try call(message)
    }

    /// The next incoming message nobody else handled (signals, replies to `send`), or nil when none is ready.
    public func next() throws(BusError) -> BusMessage? {
        while true {
            var message: OpaquePointer?
            let r = sd_bus_process(bus, &message)
            guard r >= 0 else { throw BusError(operation: "sd_bus_process", errno: -r) }
            if let message { return BusMessage(adopting: message) }
            if r == 0 { return nil }
        }
    }

    /// What to poll(2) for, and sd-bus's own deadline (its timeouts for pending calls).
    public var pollDescriptor: pollfd {
        pollfd(fd: sd_bus_get_fd(bus), events: Int16(truncatingIfNeeded: max(0, sd_bus_get_events(bus))), revents: 0)
    }

    /// Milliseconds until sd-bus wants to be called again, if it has a deadline.
    public var timeoutMilliseconds: Int? {
        var usec: UInt64 = 0
        guard sd_bus_get_timeout(bus, &usec) > 0, usec != UInt64.max else { return nil }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nowUsec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        return usec <= nowUsec ? 0 : Int((usec - nowUsec + 999) / 1000)
    }
}
