#if canImport(Glibc)
import Glibc
#endif
import Audio
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

/// Real-time scheduling for the event loop thread, opt-in (`BREATHD_EVENT_LOOP_REALTIME=1`; the
/// system unit sets it): SCHED_FIFO priority 3, below the audio thread's 4, so that on busy cores a
/// request or a beat does not wait for other processes' time slices (issue 16: the daemon's share
/// of a status round trip under `stress-ng --cpu 2`, p99 5 ms at normal scheduling, 0.2 ms at
/// SCHED_FIFO 3; docs/realtime.md).
///
/// The loop thread does the socket work of any user who can connect, and a flood of requests would
/// keep it running without ever blocking. So it holds real time only under a budget: the soft
/// `RLIMIT_RTTIME` is 50 ms (the unit's `LimitRTTIME=50ms:200ms`, else lowered here), and the kernel's
/// SIGXCPU at that soft limit puts the thread that ran over back to SCHED_OTHER for good
/// (`LoopRealtimeWatch`), long before the hard limit would kill the process. The audio thread blocks in every
/// period and never comes near it.
public enum EventLoopRealtime {
    public static let priority = 3
    /// CPU a real-time thread may use without blocking before SIGXCPU.
    public static let budgetMicroseconds: UInt64 = 50_000
    /// The hard RLIMIT_RTTIME set when there is none (the system unit's LimitRTTIME= is the same).
    public static let hardLimitMicroseconds: UInt64 = 200_000

    /// Lowers the soft RLIMIT_RTTIME to the budget (and sets a hard limit where there was none).
    /// SIGXCPU must be handled before (its default action ends the process).
    public static func limitRealtimeBudget() throws(SystemCallError) {
        let current = ThreadScheduling.limit(.realtimeMicroseconds)
        // The system unit sets it (LimitRTTIME=50ms:200ms), and its system call filter denies setrlimit.
        if let soft = current.soft, soft <= budgetMicroseconds, current.hard != nil { return }
        let hard = min(current.hard ?? hardLimitMicroseconds, hardLimitMicroseconds)
        try ThreadScheduling.setLimit(.realtimeMicroseconds, soft: min(budgetMicroseconds, hard), hard: hard)
    }

    /// Real time for the calling (loop) thread the way the audio thread gets it: directly (the
    /// system unit's LimitRTPRIO=), else through RealtimeKit (a desktop session's user unit), reset
    /// on fork either way so that threads it starts (the sensor's reader) begin at normal
    /// scheduling. Returns the thread id and what it has.
    public static func raiseCurrentThread(busAddress: String? = nil) -> (threadID: Int32?, scheduling: AudioThreadScheduling) {
        let threadID = try? ThreadScheduling.currentThreadID()
        return (threadID, AudioThreadPriority.raise(priority: priority, busAddress: busAddress, resetOnFork: true))
    }

    /// Puts thread `threadID` of this process back to SCHED_OTHER.
    public static func demote(threadID: Int32) throws(SystemCallError) {
        var parameters = sched_param()
        guard sched_setscheduler(threadID, SCHED_OTHER, &parameters) == 0 else {
            throw SystemCallError(call: "sched_setscheduler", subject: "thread \(threadID) SCHED_OTHER", errno: errno)
        }
    }
}
