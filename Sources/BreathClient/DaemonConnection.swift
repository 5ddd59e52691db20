#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemCalls

/// A client connection to breathd's Unix socket: one JSON object per line each way.
///
/// Blocking I/O is right here: breathctl is a short-lived command with one conversation at a time.
public final class DaemonConnection {
    public enum Failure: Error, CustomStringConvertible {
        /// Nothing listens on the path: the daemon is not running (exit status 69, EX_UNAVAILABLE).
        case notRunning(path: String)
        case system(operation: String, path: String, errno: Int32)
        case closed(path: String)
        case lineTooLong(path: String)

        public var description: String {
            switch self {
            case .notRunning(let path): "breathd is not running (no socket at \(path))"
            case .system(let operation, let path, let code): "\(path): \(operation) failed: \(String(cString: strerror(code)))"
            case .closed(let path): "\(path): breathd closed the connection"
            case .lineTooLong(let path): "\(path): a reply line exceeded the client's limit"
            }
        }

        public var exitCode: Int32 {
            if case .notRunning = self { return ExitStatus.unavailable.rawValue }
            return ExitStatus.failure.rawValue
        }
    }

    public let path: String
    private let fd: Int32
    /// The socket, for a reader that takes over reading it (the latency benchmark's watchers read
    /// the bytes raw, clock first); lines this connection buffered stay with it.
    public var fileDescriptor: Int32 { fd }
    private var buffer: [UInt8] = []
    private static let maximumLineBytes = 16 << 20

    public init(path: String) throws(Failure) {
        self.path = path
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        guard bytes.count < capacity else { throw .system(operation: "connect", path: path, errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw .system(operation: "socket", path: path, errno: errno) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                retryingOnInterrupt { connect(fd, pointer, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        if result != 0 {
            let code = errno
            close(fd)
            if code == ENOENT || code == ECONNREFUSED { throw .notRunning(path: path) }
            throw .system(operation: "connect", path: path, errno: code)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Ends the conversation both ways: the daemon sees the client leave, and a read blocked on
    /// this connection in another thread returns end of stream.
    public func shutdown() {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Sends one request line (a newline is appended).
    public func send(_ line: String) throws(Failure) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a daemon that went away is an error to report, not a SIGPIPE that kills us.
            let n = bytes[offset...].withUnsafeBytes { raw in
                retryingOnInterrupt { Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL)) }
            }
            guard n > 0 else { throw .system(operation: "write", path: path, errno: errno) }
            offset += n
        }
    }

    /// Waits until the daemon has sent something or the timeout passes; true when `readLine` has
    /// input to work on. `watch` uses it to keep animating between events.
    public func waitForInput(timeoutMilliseconds: Int32) throws(Failure) -> Bool {
        if buffer.contains(UInt8(ascii: "\n")) { return true }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = retryingOnInterrupt { poll(&descriptor, 1, timeoutMilliseconds) }
        if ready < 0 { throw .system(operation: "poll", path: path, errno: errno) }
        return ready > 0
    }

    /// The next line from the daemon, without its newline; `nil` at end of stream.
    public func readLine() throws(Failure) -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            guard buffer.count < Self.maximumLineBytes else { throw .lineTooLong(path: path) }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { raw in retryingOnInterrupt { read(fd, raw.baseAddress, raw.count) } }
            if n < 0 { throw .system(operation: "read", path: path, errno: errno) }
            if n == 0 { return buffer.isEmpty ? nil : String(decoding: buffer.splice(), as: UTF8.self) }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}

extension Array where Element == UInt8 {
    /// Empties the array, returning what it held.
    fileprivate mutating func splice() -> [UInt8] {
        defer { removeAll() }
        return self
    }
}
