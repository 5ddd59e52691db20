#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SystemCalls
import Synchronization

/// A blocking Unix stream socket client made of plain syscalls, as a script, socat or a hostile
/// local user would talk to the daemon: no NIO, so it can half-close, stop reading, or connect
/// from a thread while the server shuts down.
final class RawSocketClient: @unchecked Sendable {  // used by one task at a time
    let descriptor: Int32
    private var pending: [UInt8] = []
    /// Bytes of `pending` already searched for a newline.
    private var searched = 0

    /// Connects; a receive timeout keeps a broken server from hanging a test forever (it is a
    /// safety net, never a verdict).
    init(connectingTo path: String, receiveTimeoutSeconds: Int = 30) throws {
        // `descriptor` is set last: a class whose init throws once fully initialized runs deinit,
        // which would close the number a second time (maybe NIO's next socket by then).
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SystemCallError(call: "socket", subject: path, errno: errno) }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result != 0 {
            let code = errno
            close(descriptor)
            throw SystemCallError(call: "connect", subject: path, errno: code)
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    func send(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemCallError(call: "send", subject: "socket", errno: errno)
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// shutdown(SHUT_WR): end of input as `echo ... | socat` sends it, the socket still readable.
    func shutdownWrite() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// The next line without its newline; nil at end of stream (or on the safety timeout).
    func readLine() -> String? {
        while true {
            if let newline = pending[searched...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                searched = 0
                return line
            }
            searched = pending.count
            guard fill() else { return nil }
        }
    }

    /// Every line until the server closes.
    func readLinesToEnd() -> [String] {
        var lines: [String] = []
        while let line = readLine() { lines.append(line) }
        return lines
    }

    private func fill() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            pending.append(contentsOf: buffer[..<count])
            return true
        }
    }
}

/// Threads connecting to a socket in a tight loop until stopped, each reading the greeting and
/// sending a request: connections arriving at any moment, also while the server shuts down.
final class ConnectionFlood: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let greetedCount = Atomic<Int>(0)
    private let running = Atomic<Int>(0)

    init(path: String, threads: Int) {
        for _ in 0..<threads {
            running.add(1, ordering: .sequentiallyConsistent)
            let thread = Thread { [self] in
                while !stopping.load(ordering: .relaxed) {
                    guard let client = try? RawSocketClient(connectingTo: path, receiveTimeoutSeconds: 5) else { continue }
                    if client.readLine()?.hasPrefix("{\"class\":\"VERSION\"") == true {
                        greetedCount.add(1, ordering: .relaxed)
                    }
                    try? client.send("{\"cmd\":\"status\"}\n")
                }
                running.subtract(1, ordering: .sequentiallyConsistent)
            }
            thread.start()
        }
    }

    var greeted: Int { greetedCount.load(ordering: .relaxed) }

    /// Stops the threads and waits until each has left its loop.
    func stop() async {
        stopping.store(true, ordering: .sequentiallyConsistent)
        while running.load(ordering: .sequentiallyConsistent) > 0 { try? await Task.sleep(for: .milliseconds(2)) }
    }
}

/// Runs blocking work (a socket read, a child process) on a thread of its own: on the
/// cooperative pool, whose threads are as many as the cores, it could starve the server under test.
func onOwnThread<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Swift.Result { try work() }) }.start()
    }
}

/// A python3 peer process, optionally switched to the user nobody (65534, no groups) before
/// it runs `script` (which may use os, socket, sys and json; argv[1] is `path`). Its stdout
/// is read line by line; closing its stdin (`finish`) tells it to end.
final class PythonPeer: @unchecked Sendable {  // used by one task at a time
    private let process = Process()
    private let input = Pipe()
    private let outputPipe = Pipe()
    private let output: RawFileLines

    convenience init(asNobody: Bool, path: String, script: String) throws {
        try self.init(user: asNobody ? (65534, 65534, []) : nil, path: path, script: script)
    }

    /// `user`: the uid, gid and supplementary groups to switch to first (needs root).
    init(user: (userID: UInt32, groupID: UInt32, groups: [UInt32])?, path: String, script: String) throws {
        let prologue = "import os, socket, sys, json\n"
            + (user.map { "os.setgroups([\($0.groups.map(String.init).joined(separator: ","))]); os.setgid(\($0.groupID)); os.setuid(\($0.userID))\n" } ?? "")
        let body = script.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        let indent = body.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", prologue + body.map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n"), path]
        process.standardOutput = outputPipe
        process.standardInput = input
        output = RawFileLines(outputPipe.fileHandleForReading.fileDescriptor)
        try process.run()
    }

    func readLine() -> String? { output.readLine() }

    func finish() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

/// Lines from a file descriptor, blocking.
final class RawFileLines: @unchecked Sendable {
    private let descriptor: Int32
    private var pending: [UInt8] = []

    init(_ descriptor: Int32) { self.descriptor = descriptor }

    func readLine() -> String? {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            pending.append(contentsOf: buffer[..<count])
        }
    }
}
