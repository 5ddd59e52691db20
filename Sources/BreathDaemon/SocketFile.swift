#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SystemCalls

public enum SocketServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another daemon answers on the path.
    case alreadyRunning(path: String)
    /// Something other than a socket is at the path; it is not ours to remove.
    case notASocket(path: String)
    case pathTooLong(path: String)
    case cannotCreateDirectory(path: String, reason: String)
    case system(SystemCallError)

    public var description: String {
        switch self {
        case .alreadyRunning(let path): "another breathd is already running on \(path)"
        case .notASocket(let path): "\(path) exists and is not a socket; remove it or set socket.path"
        case .pathTooLong(let path): "socket path \(path) is longer than the \(SocketFile.maximumPathBytes) bytes a Unix socket allows"
        case .cannotCreateDirectory(let path, let reason): "cannot create the socket directory \(path): \(reason)"
        case .system(let error): error.description
        }
    }
}

/// The socket file's life: make room for it, set its permissions, remove it.
enum SocketFile {
    /// sun_path holds 108 bytes including the terminating NUL.
    static let maximumPathBytes = 107

    /// Creates the parent directory and replaces a stale socket from a dead daemon; refuses to
    /// touch a live daemon's socket or a file that is not a socket.
    static func prepare(_ path: String) throws(SocketServerError) {
        guard path.utf8.count <= maximumPathBytes else { throw .pathTooLong(path: path) }
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        } catch {
            throw .cannotCreateDirectory(path: directory, reason: error.localizedDescription)
        }
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path: path) }
        if try answers(path) { throw .alreadyRunning(path: path) }
        do {
            try retryingInterrupts("unlink", path) { unlink(path) }
        } catch {
            throw .system(error)
        }
    }

    /// Whether a process accepts connections on the socket.
    static func answers(_ path: String) throws(SocketServerError) -> Bool {
        let descriptor: Int32
        do {
            descriptor = try retryingInterrupts("socket", path) { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        } catch {
            throw .system(error)
        }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
            sunPath.copyBytes(from: path.utf8)
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result == 0 { return true }
        let code = errno
        // EINTR on connect completes asynchronously; treat the socket as live rather than remove it.
        if code == EINTR || code == EAGAIN { return true }
        return false
    }

    static func setPermissions(_ path: String, mode: Int, groupID: UInt32?) throws(SocketServerError) {
        do {
            try retryingInterrupts("chmod", path) { chmod(path, mode_t(mode)) }
            if let groupID {
                try retryingInterrupts("chown", path) { chown(path, uid_t.max, groupID) }
            }
        } catch {
            throw .system(error)
        }
    }

    /// Creates the socket, binds it, gives it its mode and group before anyone can connect, and
    /// listens. The caller owns the descriptor; the file is ours to remove (`remove(_:ownedBy:)`).
    static func bindListening(
        _ path: String, mode: Int, groupID: UInt32?, backlog: Int32
    ) throws(SocketServerError) -> (descriptor: Int32, identity: Identity) {
        let descriptor: Int32
        do {
            descriptor = try retryingInterrupts("socket", path) {
                socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            }
        } catch {
            throw .system(error)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if bound != 0 {
            let code = errno
            close(descriptor)
            if code == EADDRINUSE { throw .alreadyRunning(path: path) }
            throw .system(SystemCallError(call: "bind", subject: path, errno: code))
        }
        guard let identity = identity(path) else {
            close(descriptor)
            throw .system(SystemCallError(call: "lstat", subject: path, errno: errno))
        }
        do {
            try setPermissions(path, mode: mode, groupID: groupID)
            try retryingInterrupts("listen", path) { listen(descriptor, backlog) }
        } catch {
            close(descriptor)
            remove(path, ownedBy: identity)
            if let error = error as? SocketServerError { throw error }
            throw .system((error as? SystemCallError) ?? SystemCallError(call: "listen", subject: path, errno: EIO))
        }
        return (descriptor, identity)
    }

    /// Which file a path names: device and inode.
    struct Identity: Equatable, Sendable {
        let device: UInt
        let inode: UInt
    }

    static func identity(_ path: String) -> Identity? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return Identity(device: UInt(status.st_dev), inode: UInt(status.st_ino))
    }

    /// Removes the socket if it is still the one this process bound, once this process has
    /// closed its listener: the same device and inode, and nobody answers on it. A file system
    /// may give a socket made after ours was removed the same inode number (ext4 does), so the
    /// number alone could delete another daemon's live socket.
    static func remove(_ path: String, ownedBy identity: Identity) {
        guard Self.identity(path) == identity, (try? answers(path)) == false else { return }
        unlink(path)
    }

    static func inode(_ path: String) -> UInt? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return UInt(status.st_ino)
    }
}
