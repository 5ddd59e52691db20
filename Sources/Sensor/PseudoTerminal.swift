#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemCalls

/// A pseudo-terminal pair: the simulator writes to the controller side, readers open
/// `devicePath` as they would a USB serial adapter. Closing it is an unplug.
public final class PseudoTerminal: Sendable {
    public let controllerFileDescriptor: Int32
    /// The device side, held open in raw mode so that no echo or newline translation touches the
    /// data and the pair survives a reader closing and re-opening it.
    public let deviceFileDescriptor: Int32
    public let devicePath: String

    public init() throws(SystemCallError) {
        // posix_openpt and friends are hidden behind _XOPEN_SOURCE in Glibc's module map; these are
        // the ioctls they wrap (asm-generic numbers, the same on x86_64 and arm64).
        let unlock: UInt = 0x4004_5431  // TIOCSPTLCK
        let number: UInt = 0x8004_5430  // TIOCGPTN
        let controller = try retryingInterrupts("open", "/dev/ptmx") { open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC) }
        do throws(SystemCallError) {
            var locked: Int32 = 0
            try retryingInterrupts("ioctl(TIOCSPTLCK)", "/dev/ptmx") { ioctl(controller, unlock, &locked) }
            var index: UInt32 = 0
            try retryingInterrupts("ioctl(TIOCGPTN)", "/dev/ptmx") { ioctl(controller, number, &index) }
            let path = "/dev/pts/\(index)"
            let device = try retryingInterrupts("open", path) { open(path, O_RDWR | O_NOCTTY | O_CLOEXEC) }
            do throws(SystemCallError) {
                var options = termios()
                try retryingInterrupts("tcgetattr", path) { tcgetattr(device, &options) }
                cfmakeraw(&options)
                try retryingInterrupts("tcsetattr", path) { tcsetattr(device, TCSANOW, &options) }
                // Writes never block the simulator: with nobody reading, lines are dropped as a
                // real sensor's would be.
                let flags = try retryingInterrupts("fcntl(F_GETFL)", "/dev/ptmx") { fcntl(controller, F_GETFL) }
                try retryingInterrupts("fcntl(F_SETFL)", "/dev/ptmx") { fcntl(controller, F_SETFL, flags | O_NONBLOCK) }
            } catch {
                close(device)
                throw error
            }
            controllerFileDescriptor = controller
            deviceFileDescriptor = device
            devicePath = path
        } catch {
            close(controller)
            throw error
        }
    }

    deinit {
        close(deviceFileDescriptor)
        close(controllerFileDescriptor)
    }

    /// Writes all of `bytes` unless the terminal's buffer is full; returns the count written.
    @discardableResult
    public func write(_ bytes: [UInt8]) throws(SystemCallError) -> Int {
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(controllerFileDescriptor, $0.baseAddress, $0.count) }
            if n > 0 { written += n; continue }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { break }
            throw SystemCallError(call: "write", subject: devicePath, errno: code)
        }
        return written
    }
}
