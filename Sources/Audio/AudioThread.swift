#if canImport(Glibc)
import Glibc
#endif

/// A joinable POSIX thread running one closure: the audio loop gets a thread of its own, outside
/// Swift's cooperative pool, because it blocks in snd_pcm_writei.
final class AudioThread: Sendable {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    nonisolated(unsafe) private var thread = pthread_t()

    init(_ body: @escaping @Sendable () -> Void) throws(AudioError) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let result = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if result != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            throw .system("start the audio thread", result)
        }
    }

    /// Waits for the closure to return. Call once.
    func join() { pthread_join(thread, nil) }
}
