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
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
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
