import Synchronization

/// Ends a service's waits at graceful shutdown without a task of its own: raised from
/// `withGracefulShutdownHandler`'s handler, it wakes the sleep in progress and every later one
/// returns at once. (ServiceLifecycle's `cancelWhenGracefulShutdown` starts an unstructured `Task`
/// each time it ends, which runs on Swift's global executor rather than the daemon's event loop:
/// a worker thread of Dispatch's pool for every wait a service ends, issue 16.)
final class ShutdownWake: Sendable {
    private let raised = Atomic<Bool>(false)
    private let wake = TickWake()

    var isRaised: Bool { raised.load(ordering: .acquiring) }

    func raise() {
        raised.store(true, ordering: .releasing)
        wake.wake()
    }

    /// Returns once raised (or when the task is cancelled).
    func wait() async {
        while !isRaised, !Task.isCancelled { await wake.wait() }
    }

    /// Sleeps `duration` on `clock`; returns early when raised or when the task is cancelled.
    func sleep(for duration: Duration, on clock: any Clock<Duration>) async {
        guard !isRaised else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(for: duration) }
            group.addTask { await self.wake.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}
