import NIOCore

/// Runs the daemon's tasks on its one NIO event loop thread (Swift's task executor preference,
/// SE-0417): a beat read by the sensor thread, the engine's work on it and the 64 watchers' writes,
/// or a status request and its reply, then happen on one thread without hopping to the cooperative
/// pool and back. Each hop is a thread wake-up, and on a machine whose cores are busy each wake-up
/// waits for the scheduler: the fewer, the lower the latency and the cost (issue 16).
///
/// The daemon's work per event is short (microseconds per beat); what blocks runs on dedicated
/// threads (audio, sensor) or in GRDB's queue.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // On the loop already (a task resumed by a channel), `execute` queues without a wake-up.
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// The continuous clock, sleeping through the event loop's own timers: a tick of the engine wakes
/// the loop thread once (epoll's timeout), where `Task.sleep` wakes a Dispatch timer thread, a
/// worker, and then the loop.
public struct EventLoopClock: Clock {
    public typealias Instant = ContinuousClock.Instant
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    public var now: Instant { ContinuousClock.now }
    public var minimumResolution: Duration { ContinuousClock().minimumResolution }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let delay = ContinuousClock.now.duration(to: deadline)
        guard delay > .zero else {
            try Task.checkCancellation()
            return
        }
        let (seconds, attoseconds) = delay.components
        let promise = eventLoop.makePromise(of: Void.self)
        let scheduled = eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
            promise.succeed(())
        }
        try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            scheduled.cancel()
            promise.fail(CancellationError())
        }
    }
}
