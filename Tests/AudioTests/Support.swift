import Foundation

/// The breathctl binary under test: `BREATHD_BIN_DIR` (set by `make test`), else .build/debug.
func breathctlPath() -> String {
    if let dir = ProcessInfo.processInfo.environment["BREATHD_BIN_DIR"], !dir.isEmpty {
        return dir + "/breathctl"
    }
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return repo.appendingPathComponent(".build/debug/breathctl").path
}

struct RunResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program to completion, collecting its output through files (no pipe buffer limits).
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> RunResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("breathd-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    process.waitUntilExit()
    return RunResult(
        status: process.terminationStatus,
        stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

func temporaryDirectory(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("breathd-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// An ALSA configuration whose default PCM writes a WAV file, faster than real time.
func fileCaptureEnvironment(in dir: URL, wav: URL) throws -> [String: String] {
    let config = dir.appendingPathComponent("asound.conf")
    try "pcm.!default { type file; slave.pcm \"null\"; file \"\(wav.path)\"; format \"wav\" }\n"
        .write(to: config, atomically: true, encoding: .utf8)
    return ["ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + config.path]
}
