#if canImport(Glibc)
import Glibc
#endif

/// A failed sd-bus call: the operation, its negative errno, and the D-Bus error when there was one.
public struct BusError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    /// The positive errno value sd-bus returned (negated).
    public let errno: Int32
    /// The D-Bus error name, e.g. `org.freedesktop.DBus.Error.ServiceUnknown`.
    public let errorName: String?
    public let errorMessage: String?

    public init(operation: String, errno: Int32, errorName: String? = nil, errorMessage: String? = nil) {
        self.operation = operation
        self.errno = errno
        self.errorName = errorName
        self.errorMessage = errorMessage
    }

    /// Nobody owns the destination name on the bus (yet): no notification server, no bluetoothd.
    public var isNoServer: Bool {
        errorName == "org.freedesktop.DBus.Error.ServiceUnknown" || errorName == "org.freedesktop.DBus.Error.NameHasNoOwner"
    }

    /// The peer's policy refused the call (e.g. bluetoothd to a user outside its D-Bus policy).
    public var isAccessDenied: Bool { errorName == "org.freedesktop.DBus.Error.AccessDenied" }

    public var description: String {
        var text = "\(operation) failed: \(String(cString: strerror(errno)))"
        if let errorName { text += " (\(errorName)" + (errorMessage.map { ": \($0)" } ?? "") + ")" }
        return text
    }
}
