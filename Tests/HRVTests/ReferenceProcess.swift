import Foundation
import Testing

/// `hrv_reference.py` run on the engine's own NN flags (`--nn MASK`), as the spec's tolerances
/// are defined since the classifier changed (python3 with numpy and scipy: `make deps`).
enum ReferenceProcess {
    static func run(_ command: String, rrFile: URL, flags: [Bool]) throws -> String {
        let mask = FileManager.default.temporaryDirectory.appendingPathComponent("breathd-nn-\(UUID().uuidString).txt")
        try flags.map { $0 ? "1" : "0" }.joined(separator: "\n").write(to: mask, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: mask) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Fixtures.url("reference/hrv_reference.py").path, command, rrFile.path, "--nn", mask.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "hrv_reference.py failed (make deps installs numpy, scipy): \(message)")
        return String(decoding: data, as: UTF8.self)
    }

    /// The per-beat reference for `flags`.
    static func stream(rrFile: URL, flags: [Bool]) throws -> [[String: Any]] {
        try run("stream", rrFile: rrFile, flags: flags).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }
}
