import Foundation

/// Recordings in `../shared/data` (env `BREATHD_SHARED` when `make test` runs).
enum SharedData {
    static var directory: String {
        if let path = ProcessInfo.processInfo.environment["BREATHD_SHARED"], !path.isEmpty { return path + "/data" }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data").path
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + relativePath)))
    }

    static func text(_ relativePath: String) throws -> String {
        String(decoding: try bytes(relativePath), as: UTF8.self)
    }
}
