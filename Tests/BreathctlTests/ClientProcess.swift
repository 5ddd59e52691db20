import BreathTestSupport
import Foundation

/// `breathctl` run as a user would, with a controlled environment (no BREATHD_SOCKET or NO_COLOR
/// unless given, TZ=UTC so that local times are predictable).
enum ClientProcess {
    typealias Result = ChildProcess.Result

    /// Starts it; stdout into a file the test can follow, or onto `standardOutput` (a terminal).
    static func start(_ arguments: [String], environment: [String: String] = [:], standardOutput: FileHandle? = nil) throws -> ChildProcess {
        try ChildProcess(
            TestPaths.binary("breathctl"), arguments, environment: ["TZ": "UTC"].merging(environment) { $1 },
            removing: ["BREATHD_SOCKET", "NO_COLOR"], stdout: standardOutput.map { .descriptor($0.fileDescriptor) } ?? .capture)
    }

    /// Runs to the end, waiting on a thread of its own (a blocked cooperative thread would starve
    /// the servers of the tests running beside this one).
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await start(arguments, environment: environment).result()
    }
}
