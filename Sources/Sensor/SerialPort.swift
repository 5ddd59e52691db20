#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemCalls

/// An open serial device (or pseudo-terminal, FIFO, regular file) configured for raw input.
///
/// Opened with O_NOCTTY (a sensor must never become our controlling terminal) and O_NONBLOCK (the
/// reader polls). Terminals get cfmakeraw, CLOCAL|CREAD and the baud rate; real serial ports are
/// made exclusive (TIOCEXCL) so a second program cannot steal half the bytes.
public final class SerialPort: Sendable {
    public static let supportedBaudRates: [Int: speed_t] = [
        1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600),
        19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600), 115200: speed_t(B115200),
        230400: speed_t(B230400), 460800: speed_t(B460800), 500000: speed_t(B500000), 576000: speed_t(B576000),
        921600: speed_t(B921600),
    ]
    public static let defaultBaudRate = 115200

    public enum Kind: Sendable, Equatable { case serialPort, pseudoTerminal, fifo, regularFile, other }

    public let path: String
    public let fileDescriptor: Int32
    public let kind: Kind
    /// Device and inode of what was opened, to notice the path pointing elsewhere (replug).
    let identity: FileIdentity

    public init(path: String, baudRate: Int = SerialPort.defaultBaudRate) throws(SystemCallError) {
        guard let speed = Self.supportedBaudRates[baudRate] else {
            throw SystemCallError(call: "cfsetspeed", subject: "\(path) at \(baudRate) baud", errno: EINVAL)
        }
        let probe = try FileIdentity(path: path)
        // A FIFO opened read-write never reports end-of-file when its writer goes, so a replay
        // pipe can be re-opened by writers without the reader spinning on POLLHUP.
        let access = probe.isFIFO ? O_RDWR : O_RDONLY
        let fd = try retryingInterrupts("open", path) { open(path, access | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) }
        do {
            let identity = try FileIdentity(fileDescriptor: fd, path: path)
            self.path = path
            self.fileDescriptor = fd
            self.identity = identity
            if isatty(fd) == 1 {
                kind = identity.isPseudoTerminal ? .pseudoTerminal : .serialPort
                try Self.configure(fd, path: path, speed: speed, exclusive: kind == .serialPort)
            } else {
                kind = identity.isFIFO ? .fifo : (identity.isRegularFile ? .regularFile : .other)
            }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fileDescriptor) }

    private static func configure(_ fd: Int32, path: String, speed: speed_t, exclusive: Bool) throws(SystemCallError) {
        var options = termios()
        try retryingInterrupts("tcgetattr", path) { tcgetattr(fd, &options) }
        cfmakeraw(&options)
        options.c_cflag |= tcflag_t(CLOCAL | CREAD)
        try retryingInterrupts("cfsetispeed", path) { cfsetispeed(&options, speed) }
        try retryingInterrupts("cfsetospeed", path) { cfsetospeed(&options, speed) }
        try retryingInterrupts("tcsetattr", path) { tcsetattr(fd, TCSANOW, &options) }
        if exclusive {
            try retryingInterrupts("ioctl(TIOCEXCL)", path) { ioctl(fd, UInt(TIOCEXCL)) }
        }
    }

    public enum ReadResult: Sendable, Equatable {
        case bytes(Int)
        case wouldBlock
        case endOfFile
    }

    /// Reads what is available into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> ReadResult {
        while true {
            let n = Glibc.read(fileDescriptor, buffer.baseAddress, buffer.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfFile }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            throw SystemCallError(call: "read", subject: path, errno: code)
        }
    }

    /// Whether `path` still leads to the file that was opened.
    public var pathStillLeadsHere: Bool {
        guard let now = try? FileIdentity(path: path) else { return false }
        return now.device == identity.device && now.inode == identity.inode
    }
}

/// What stat(2) says identifies a file.
struct FileIdentity: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var mode: UInt32
    var specialDevice: UInt64

    init(path: String) throws(SystemCallError) {
        var s = stat()
        try retryingInterrupts("stat", path) { stat(path, &s) }
        self.init(s)
    }

    init(fileDescriptor: Int32, path: String) throws(SystemCallError) {
        var s = stat()
        try retryingInterrupts("fstat", path) { fstat(fileDescriptor, &s) }
        self.init(s)
    }

    private init(_ s: stat) {
        device = UInt64(s.st_dev)
        inode = UInt64(s.st_ino)
        mode = UInt32(s.st_mode)
        specialDevice = UInt64(s.st_rdev)
    }

    var isFIFO: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFIFO) }
    var isRegularFile: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFREG) }
    /// Unix98 pty slaves have major numbers 136-143 (Documentation/admin-guide/devices.txt).
    var isPseudoTerminal: Bool {
        let major = ((specialDevice >> 8) & 0xFFF) | ((specialDevice >> 32) & ~0xFFF)
        return (136...143).contains(major)
    }
}
