#if canImport(Glibc)
import Glibc
#endif

/// A POSIX thread of its own running one closure: the package's one way to start a thread, for
/// work that blocks in the kernel (the audio loop in snd_pcm_writei, a serial reader in poll, a
/// client reading its socket) and so must stay off Swift's cooperative pool.
public final class DedicatedThread: Sendable {
    private final class Box {
        let name: String
        let body: @Sendable () -> Void
        init(_ name: String, _ body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    nonisolated(unsafe) private var thread = pthread_t()
    private let detached: Bool

    /// Starts `body` on a new thread; `name` says which in an error and names the thread. A detached thread cleans up
    /// after itself; otherwise call `join()` once.
    public init(name: String, detached: Bool = false, _ body: @escaping @Sendable () -> Void) throws(SystemCallError) {
        self.detached = detached
        let box = Unmanaged.passRetained(Box(name, body)).toOpaque()
        let result = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            nameCurrentThread(box.name)
            box.body()
            return nil
        }, box)
        if result != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            throw SystemCallError(call: "pthread_create", subject: name, errno: result)
        }
        if detached { pthread_detach(thread) }
    }

    /// Starts a detached thread; a failure to start one (out of resources) is fatal, as it is
    /// for Foundation's `Thread`.
    public static func detach(name: String, _ body: @escaping @Sendable () -> Void) {
        do {
            _ = try DedicatedThread(name: name, detached: true, body)
        } catch {
            fatalError("\(error)")
        }
    }

    /// Waits for the closure to return. Call once, on a thread that was not detached.
    public func join() {
        precondition(!detached, "join() on a detached thread")
        pthread_join(thread, nil)
    }
}

/// The kernel's name of the calling thread (top -H, /proc/PID/task/TID/comm), at most 15 bytes:
/// written to /proc/thread-self/comm, since glibc's pthread_setname_np and the variadic prctl are
/// not callable from Swift.
private func nameCurrentThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}
