#if canImport(Glibc)
import Glibc
#endif

/// A POSIX thread of its own running one closure: the package's one way to start a thread, for
/// work that blocks in the kernel (the audio loop in snd_pcm_writei, a serial reader in poll, a
/// client reading its socket) and so must stay off Swift's cooperative pool.
public final class DedicatedThread: Sendable {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    nonisolated(unsafe) private var thread = pthread_t()
    private let detached: Bool

    /// Starts `body` on a new thread; `name` says which in an error. A detached thread cleans up
    /// after itself; otherwise call `join()` once.
    public init(name: String, detached: Bool = false, _ body: @escaping @Sendable () -> Void) throws(SystemCallError) {
        self.detached = detached
        let threadName = Self.threadName(name)
        let box = Unmanaged.passRetained(Box {
            // Named, so that per-thread figures (/proc/PID/task/*/comm, top -H) say which thread is which.
            // (pthread_setname_np is a GNU extension Glibc's module does not show; this is what it does.)
            let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            if fd >= 0 {
                _ = threadName.withCString { write(fd, $0, strlen($0)) }
                close(fd)
            }
            body()
        }).toOpaque()
        let result = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if result != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            throw SystemCallError(call: "pthread_create", subject: name, errno: result)
        }
        if detached { pthread_detach(thread) }
    }

    /// The kernel keeps 15 bytes of a thread's name: a path in `name` is shortened to its last component.
    static func threadName(_ name: String) -> String {
        let words = name.split(separator: " ").map { word in word.contains("/") ? Substring(word.split(separator: "/").last ?? word) : word }
        var bytes = Array(words.joined(separator: " ").utf8.prefix(15))
        // Never cut a character in half.
        while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
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
