#if canImport(Glibc)
import Glibc
#endif

/// A client of RealtimeKit (`org.freedesktop.RealtimeKit1` on the system bus), the service through
/// which desktop audio software (PulseAudio, PipeWire, libcanberra) gets real-time scheduling for
/// one thread without privileges of its own. rtkit grants a request only if the thread belongs to
/// the caller, the priority is at most `MaxRealtimePriority`, and the process's RLIMIT_RTTIME is
/// set and at most `RTTimeUSecMax` (so a runaway thread is stopped by the kernel); it then sets
/// SCHED_RR|SCHED_RESET_ON_FORK on the thread. Blocking calls; one client belongs to one thread.
public final class RealtimeKit {
    public static let service = "org.freedesktop.RealtimeKit1"
    public static let objectPath = "/org/freedesktop/RealtimeKit1"
    public static let interface = "org.freedesktop.RealtimeKit1"
    /// rtkit answers at once; a bus that does not within this is treated as no rtkit.
    public static let callTimeoutMicroseconds: UInt64 = 2_000_000

    /// What rtkit allows, as its properties say.
    public struct Limits: Sendable, Equatable {
        public var maxRealtimePriority: Int
        public var minNiceLevel: Int
        public var realtimeMicrosecondsMax: Int64
    }

    private let bus: BusConnection

    /// `address` nil: the system bus (`DBUS_SYSTEM_BUS_ADDRESS`, else /run/dbus/system_bus_socket).
    public init(address: String? = nil) throws(BusError) {
        bus = try BusConnection(address: address)
    }

    /// The three properties, read one by one (rtkit implements Properties.Get, not GetAll, in old versions).
    public func limits() throws(BusError) -> Limits {
        Limits(
            maxRealtimePriority: Int(try integerProperty("MaxRealtimePriority")),
            minNiceLevel: Int(try integerProperty("MinNiceLevel")),
            realtimeMicrosecondsMax: try integerProperty("RTTimeUSecMax"))
    }

    /// Asks for SCHED_RR at `priority` for `threadID` (a thread of this process, by its kernel id).
    public func makeThreadRealtime(threadID: UInt64, priority: UInt32) throws(BusError) {
        let message = try bus.methodCall(destination: Self.service, path: Self.objectPath, interface: Self.interface, member: "MakeThreadRealtime")
        try message.append(uint64: threadID)
        try message.append(uint32: priority)
        _ = try bus.call(message, timeoutMicroseconds: Self.callTimeoutMicroseconds)
    }

    /// Asks for a lower nice level (at least `MinNiceLevel`) for `threadID`.
    public func makeThreadHighPriority(threadID: UInt64, niceLevel: Int32) throws(BusError) {
        let message = try bus.methodCall(destination: Self.service, path: Self.objectPath, interface: Self.interface, member: "MakeThreadHighPriority")
        try message.append(uint64: threadID)
        try message.append(int32: niceLevel)
        _ = try bus.call(message, timeoutMicroseconds: Self.callTimeoutMicroseconds)
    }

    private func integerProperty(_ name: String) throws(BusError) -> Int64 {
        let message = try bus.methodCall(destination: Self.service, path: Self.objectPath, interface: "org.freedesktop.DBus.Properties", member: "Get")
        try message.append(string: Self.interface)
        try message.append(string: name)
        let reply = try bus.call(message, timeoutMicroseconds: Self.callTimeoutMicroseconds)
        guard let value = try reply.readNext()?.integer else {
            throw BusError(operation: "read property \(name)", errno: EBADMSG, errorName: nil, errorMessage: "not an integer")
        }
        return value
    }
}
