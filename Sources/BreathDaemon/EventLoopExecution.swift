import NIOCore
import SystemCalls

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

/// How the event loop thread is scheduled: the fair scheduler's default weight (nice 0), with a
/// short time slice asked for (EEVDF, Linux 6.12 and later). On a machine whose cores are busy, a
/// request, a beat or a watcher's write then waits for a running thread's slice to end no longer
/// than this, instead of a default slice (about 3 ms here); the thread gets no more CPU than
/// before, so a client flooding the socket gains nothing over the other processes
/// (docs/realtime.md, "The event loop thread").
public enum EventLoopScheduling {
    /// 0.1 ms, the kernel's shortest: a status reply or a beat's fan-out to 64 watchers takes about that long.
    public static let sliceNanoseconds: UInt64 = 100_000

    /// Asks for the slice on the calling thread (the loop's); says what the thread has.
    public static func applyToCurrentThread(sliceNanoseconds: UInt64 = sliceNanoseconds) -> String {
        do {
            try ThreadScheduling.requestSlice(nanoseconds: sliceNanoseconds)
        } catch {
            return "\(ThreadScheduling.current()) (slice not set: \(error.message))"
        }
        return describeCurrentThread()
    }

    /// The calling thread's policy and, under the fair scheduler, its requested slice.
    public static func describeCurrentThread() -> String {
        let policy = ThreadScheduling.current()
        guard case .other = policy, let slice = ThreadScheduling.sliceNanoseconds(), slice > 0 else { return "\(policy)" }
        return "\(policy), slice \(Double(slice) / 1e6) ms"
    }
}
