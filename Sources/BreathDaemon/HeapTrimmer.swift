import ServiceLifecycle
import SystemCalls

/// Returns the heap's free pages to the kernel every `interval` (`HeapTrim`), so that the
/// daemon's anonymous memory follows what it holds rather than the highest it ever needed.
/// `breathbench memory` measured the difference: a busy machine that let 64 watchers' queues
/// fill once left ~5 MB behind for the rest of an 8-hour session.
public struct HeapTrimmer: Service {
    let interval: Duration
    /// The daemon's event loop (`EventLoopClock`): no Dispatch timer thread woken for it.
    let clock: any Clock<Duration>

    public init(interval: Duration = .seconds(60), clock: any Clock<Duration> = ContinuousClock()) {
        self.interval = interval
        self.clock = clock
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await clock.sleep(for: interval)
                HeapTrim.trim()
            }
        }
    }
}
