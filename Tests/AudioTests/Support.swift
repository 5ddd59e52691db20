import Foundation

/// The breathctl binary under test: `BREATHD_BIN_DIR` (set by `make test`), else .build/debug.
func breathctlPath() -> String {
    if let dir = ProcessInfo.processInfo.environment["BREATHD_BIN_DIR"], !dir.isEmpty {
        return dir + "/breathctl"
    }
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return repo.appendingPathComponent(".build/debug/breathctl").path
}

/// A child process started with posix_spawn and reaped with waitpid. (Foundation's Process
/// could leave a child unreaped while another child was running, hanging the test.)
struct Child {
    let pid: pid_t

    /// Starts `executable`; stdout and stderr go to the given files (or /dev/null).
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stdout: String = "/dev/null", stderr: String = "/dev/null") throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // The test runner's threads block signals; a child must start with none blocked and
        // default handlers, or SIGINT would never reach it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        self.pid = pid
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for the exit; returns the exit status (128 + signal when killed).
    @discardableResult
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let low = status & 0x7f
        return low == 0 ? (status >> 8) & 0xff : 128 + low
    }
}

struct RunResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program to completion, collecting its output through files (no pipe buffer limits).
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> RunResult {
    let dir = try temporaryDirectory("run")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out").path, err = dir.appendingPathComponent("err").path
    let status = try Child(executable, arguments, environment: environment, stdout: out, stderr: err).wait()
    return RunResult(
        status: status,
        stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
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
