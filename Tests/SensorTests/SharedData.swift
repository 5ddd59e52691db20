import BreathTestSupport
import Foundation

/// Recordings in the shared data (`TestPaths.shared`).
enum SharedData {
    static var directory: String { TestPaths.shared.appendingPathComponent("data").path }

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + relativePath)))
    }

    static func text(_ relativePath: String) throws -> String {
        String(decoding: try bytes(relativePath), as: UTF8.self)
    }
}
