import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// A failed D-Bus operation: the sd-bus call, its errno, and the D-Bus error when a peer sent one.
public struct BusError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let errno: Int32
    /// e.g. `org.bluez.Error.Failed`, `org.freedesktop.DBus.Error.ServiceUnknown`.
    public let name: String?
    public let message: String?

    init(_ operation: String, errno: Int32, name: String? = nil, message: String? = nil) {
        self.operation = operation
        self.errno = errno
        self.name = name
        self.message = message
    }

    /// Nobody owns the destination name: for org.bluez, bluetoothd is not running.
    public var isNoService: Bool {
        name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner"
    }

    public var isAccessDenied: Bool { name == "org.freedesktop.DBus.Error.AccessDenied" }

    public var description: String {
        if let name { return "\(name)" + (message.map { ": \($0)" } ?? "") }
        return "\(operation): \(String(cString: strerror(errno)))"
    }
}

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
final class BusMessage {
    let pointer: OpaquePointer

    init(adopting pointer: OpaquePointer) { self.pointer = pointer }
    deinit { sd_bus_message_unref(pointer) }

    private static func code(_ c: Character) -> CChar { CChar(bitPattern: c.asciiValue!) }

    private func check(_ result: Int32, _ operation: String) throws(BusError) {
        guard result >= 0 else { throw BusError(operation, errno: -result) }
    }

    // MARK: Building

    func append(string: String) throws(BusError) {
        try check(string.withCString { sd_bus_message_append_basic(pointer, Self.code("s"), $0) }, "append(s)")
    }

    func append(strings: [String]) throws(BusError) {
        try open("a", "s")
        for s in strings { try append(string: s) }
        try close()
    }

    func open(_ kind: Character, _ contents: String) throws(BusError) {
        try check(contents.withCString { sd_bus_message_open_container(pointer, Self.code(kind), $0) }, "open(\(kind))")
    }

    func close() throws(BusError) { try check(sd_bus_message_close_container(pointer), "close") }

    /// Appends an `a{sv}` whose values are strings or string arrays (discovery filters).
    func append(options: KeyValuePairs<String, BusValue>) throws(BusError) {
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

    var path: String? { sd_bus_message_get_path(pointer).map { String(cString: $0) } }
    var interface: String? { sd_bus_message_get_interface(pointer).map { String(cString: $0) } }
    var member: String? { sd_bus_message_get_member(pointer).map { String(cString: $0) } }

    var isSignal: Bool {
        var type: UInt8 = 0
        return sd_bus_message_get_type(pointer, &type) >= 0 && type == UInt8(SD_BUS_MESSAGE_SIGNAL)
    }

    var replyCookie: UInt64? {
        var cookie: UInt64 = 0
        return sd_bus_message_get_reply_cookie(pointer, &cookie) >= 0 ? cookie : nil
    }

    /// The D-Bus error of an error reply.
    var error: BusError? {
        guard let e = sd_bus_message_get_error(pointer), sd_bus_error_is_set(e) != 0 else { return nil }
        return BusError("reply", errno: 0, name: e.pointee.name.map { String(cString: $0) }, message: e.pointee.message.map { String(cString: $0) })
    }

    /// Every remaining argument of the message.
    func readAll() throws(BusError) -> [BusValue] {
        var values: [BusValue] = []
        while let value = try readNext() { values.append(value) }
        return values
    }

    /// The next value at the current level, or nil at the end of the current container.
    func readNext() throws(BusError) -> BusValue? {
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
            var items: [BusValue] = []
            while let item = try readNext() { items.append(item) }
            return .array(items)
        case UInt8(ascii: "v"), UInt8(ascii: "r"):
            try check(sd_bus_message_enter_container(pointer, type, contents), "enter(v)")
            defer { sd_bus_message_exit_container(pointer) }
            var items: [BusValue] = []
            while let item = try readNext() { items.append(item) }
            if UInt8(bitPattern: type) == UInt8(ascii: "v"), items.count == 1 { return items[0] }
            return .structure(items)
        case UInt8(ascii: "s"), UInt8(ascii: "o"), UInt8(ascii: "g"):
            var text: UnsafePointer<CChar>?
            try check(sd_bus_message_read_basic(pointer, type, &text), "read(s)")
            return .string(text.map { String(cString: $0) } ?? "")
        case UInt8(ascii: "b"):
            var b: Int32 = 0
            try check(sd_bus_message_read_basic(pointer, type, &b), "read(b)")
            return .bool(b != 0)
        case UInt8(ascii: "y"):
            var v: UInt8 = 0
            try check(sd_bus_message_read_basic(pointer, type, &v), "read(y)")
            return .unsigned(UInt64(v))
        case UInt8(ascii: "n"):
            var v: Int16 = 0
            try check(sd_bus_message_read_basic(pointer, type, &v), "read(n)")
            return .integer(Int64(v))
        case UInt8(ascii: "q"):
            var v: UInt16 = 0
            try check(sd_bus_message_read_basic(pointer, type, &v), "read(q)")
            return .unsigned(UInt64(v))
        case UInt8(ascii: "i"), UInt8(ascii: "h"):
            var v: Int32 = 0
            try check(sd_bus_message_read_basic(pointer, type, &v), "read(i)")
            return .integer(Int64(v))
        case UInt8(ascii: "u"):
            var v: UInt32 = 0
            try check(sd_bus_message_read_basic(pointer, type, &v), "read(u)")
            return .unsigned(UInt64(v))
        case UInt8(ascii: "x"):
            var v: Int64 = 0
            try check(sd_bus_message_read_basic(pointer, type, &v), "read(x)")
            return .integer(v)
        case UInt8(ascii: "t"):
            var v: UInt64 = 0
            try check(sd_bus_message_read_basic(pointer, type, &v), "read(t)")
            return .unsigned(v)
        case UInt8(ascii: "d"):
            var v: Double = 0
            try check(sd_bus_message_read_basic(pointer, type, &v), "read(d)")
            return .double(v)
        default:
            try check(sd_bus_message_skip(pointer, nil), "skip")
            return .structure([])
        }
    }
}

/// A client connection to a message bus through sd-bus: blocking calls with a timeout, calls whose
/// reply comes later as a message, match rules, and the incoming messages in order.
///
/// Not thread-safe (neither is sd-bus): one connection belongs to one thread.
final class BusConnection {
    private let bus: OpaquePointer
    static let callTimeoutMicroseconds: UInt64 = 10_000_000

    /// `address` nil: the system bus (`DBUS_SYSTEM_BUS_ADDRESS`, else /run/dbus/system_bus_socket).
    init(address: String?) throws(BusError) {
        var bus: OpaquePointer?
        if let address {
            var r = sd_bus_new(&bus)
            guard r >= 0, let created = bus else { throw BusError("sd_bus_new", errno: -r) }
            r = sd_bus_set_address(created, address)
            if r >= 0 { r = sd_bus_set_bus_client(created, 1) }
            if r >= 0 { r = sd_bus_start(created) }
            guard r >= 0 else {
                sd_bus_flush_close_unref(created)
                throw BusError("connecting to \(address)", errno: -r)
            }
            self.bus = created
        } else {
            let r = sd_bus_open_system(&bus)
            guard r >= 0, let bus else { throw BusError("connecting to the system bus", errno: -r) }
            self.bus = bus
        }
    }

    deinit { sd_bus_flush_close_unref(bus) }

    func methodCall(destination: String, path: String, interface: String, member: String) throws(BusError) -> BusMessage {
        var message: OpaquePointer?
        let r = sd_bus_message_new_method_call(bus, &message, destination, path, interface, member)
        guard r >= 0, let message else { throw BusError("new_method_call \(member)", errno: -r) }
        return BusMessage(adopting: message)
    }

    /// Sends and waits for the reply; messages arriving meanwhile stay queued for `next()`.
    func call(_ message: BusMessage, timeoutMicroseconds: UInt64 = callTimeoutMicroseconds) throws(BusError) -> BusMessage {
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer?
        let r = sd_bus_call(bus, message.pointer, timeoutMicroseconds, &error, &reply)
        guard r >= 0, let reply else {
            throw BusError(
                "call \(message.member ?? "")", errno: -r,
                name: error.name.map { String(cString: $0) }, message: error.message.map { String(cString: $0) })
        }
        return BusMessage(adopting: reply)
    }

    /// Sends without waiting; the reply arrives through `next()` with this cookie as its reply cookie.
    func send(_ message: BusMessage) throws(BusError) -> UInt64 {
        var cookie: UInt64 = 0
        let r = sd_bus_send(bus, message.pointer, &cookie)
        guard r >= 0 else { throw BusError("send \(message.member ?? "")", errno: -r) }
        return cookie
    }

    /// Asks the bus to route matching signals here (the bus daemon's AddMatch).
    func addMatch(_ rule: String) throws(BusError) {
        let message = try methodCall(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "AddMatch")
        try message.append(string: rule)
        _ = try call(message)
    }

    /// The next incoming message nobody else handled (signals, replies to `send`), or nil when none is ready.
    func next() throws(BusError) -> BusMessage? {
        while true {
            var message: OpaquePointer?
            let r = sd_bus_process(bus, &message)
            guard r >= 0 else { throw BusError("sd_bus_process", errno: -r) }
            if let message { return BusMessage(adopting: message) }
            if r == 0 { return nil }
        }
    }

    /// What to poll(2) for, and sd-bus's own deadline (its timeouts for pending calls).
    var pollDescriptor: pollfd {
        pollfd(fd: sd_bus_get_fd(bus), events: Int16(truncatingIfNeeded: max(0, sd_bus_get_events(bus))), revents: 0)
    }

    /// Milliseconds until sd-bus wants to be called again, if it has a deadline.
    var timeoutMilliseconds: Int? {
        var usec: UInt64 = 0
        guard sd_bus_get_timeout(bus, &usec) > 0, usec != UInt64.max else { return nil }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nowUsec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        return usec <= nowUsec ? 0 : Int((usec - nowUsec + 999) / 1000)
    }
}
