import Foundation

/// scripts/rtkit-standin on a private system bus: it owns org.freedesktop.RealtimeKit1 and grants
/// for real (sched_setscheduler on the caller's thread, so it needs root); docs/realtime.md.
public final class RealtimeKitStandIn: Sendable {
    /// One request it received (it prints each as one JSON line).
    public struct Request: Decodable, Sendable {
        public let method: String
        public let property: String?
        public let pid: Int?
        public let thread: Int?
        public let priority: Int?
        public let nice: Int?
        public let rttime_soft: Int?
        public let rttime_hard: Int?
        public let result: String?
    }

    public let process: ChildProcess

    /// Starts it on `bus` with the script's `arguments` and waits until it owns the name.
    public init(bus: PrivateBus, _ arguments: [String] = []) async throws {
        process = try ChildProcess(
            "/usr/bin/python3", [TestPaths.repositoryRoot.appendingPathComponent("scripts/rtkit-standin").path] + arguments,
            environment: ["DBUS_SYSTEM_BUS_ADDRESS": bus.address, "PYTHONUNBUFFERED": "1"])
        try await process.waitForOutput(containing: "ready")
    }

    /// Every request so far, in order.
    public var requests: [Request] {
        process.stdout.split(separator: "\n").filter { $0.hasPrefix("{") }.compactMap {
            try? JSONDecoder().decode(Request.self, from: Data($0.utf8))
        }
    }
}
