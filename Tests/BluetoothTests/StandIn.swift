import BreathTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

enum StandInError: Error { case notReady(String) }

/// scripts/bluez-standin on a private bus.
final class StandIn {
    let process = Process()
    let planURL: URL
    private let output: Pipe

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let strapAddress = "A0:9E:1A:C2:44:10"

    init(bus: PrivateBus, arguments: [String]) throws {
        planURL = bus.directory.appendingPathComponent("plan-\(UUID().uuidString).json")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.repository.appendingPathComponent("scripts/bluez-standin").path, "--plan", planURL.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SYSTEM_BUS_ADDRESS"] = bus.address
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        output = Pipe()
        process.standardOutput = output
        try process.run()
        guard readLine(from: output.fileHandleForReading.fileDescriptor, containing: "ready", timeoutSeconds: 60) != nil else {
            kill(process.processIdentifier, SIGKILL)
            throw StandInError.notReady("bluez-standin")
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    struct Plan: Decodable {
        let rr_ms: [Double]
        let lost_rr_rows: [Int]
        let rr_less_notifications: Int
        let bursts: Int
        let disconnects: Int
        let notifications: [Notification]
        struct Notification: Decodable { let fate: String }

        /// The RR the stand-in delivers, in order: all but those in the disconnect gaps.
        var delivered: [Double] {
            let lost = Set(lost_rr_rows)
            return rr_ms.indices.filter { !lost.contains($0) }.map { rr_ms[$0] }
        }
    }

    func plan() throws -> Plan { try JSONDecoder().decode(Plan.self, from: Data(contentsOf: planURL)) }

    static var recording: String { (ProcessInfo.processInfo.environment["BREATHD_SHARED"] ?? repository.deletingLastPathComponent().appendingPathComponent("shared").path) + "/data/rr/polar_h10_slow_breathing_600s.csv" }
}
