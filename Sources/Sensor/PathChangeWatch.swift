#if canImport(Glibc)
import Glibc

/// Tells when a device path may have come to lead elsewhere: inotify on the directory holding the
/// path (udev removes and recreates `/dev/serial/by-id/x` and `/dev/ttyUSB0` on a replug). The
/// serial reader polls this descriptor beside the device's, so a USB adapter replugged under the
/// same name is noticed at once, and a reader of a quiet line sleeps without a timer (a
/// timer-driven path check woke the daemon four times a second, issue 16). Not the directory of
/// the link's target: /dev/pts changes with every terminal anyone opens.
final class PathChangeWatch {
    let fileDescriptor: Int32

    /// nil when inotify is unavailable (no descriptors left, a file system without it): the
    /// caller then checks the path on a timer.
    init?(path: String) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        fileDescriptor = fd
        let mask = UInt32(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)
        guard inotify_add_watch(fd, Self.directory(of: path), mask) >= 0 else {
            close(fd)
            return nil
        }
    }

    deinit { close(fileDescriptor) }

    /// Reads the pending events away (their content does not matter: the caller re-checks the path).
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while buffer.withUnsafeMutableBytes({ Glibc.read(fileDescriptor, $0.baseAddress, $0.count) }) > 0 {}
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
#endif
