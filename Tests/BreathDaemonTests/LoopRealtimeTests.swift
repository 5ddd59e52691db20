@testable import BreathDaemon
import BreathProtocol
import Logging
import NIOCore
import NIOPosix
import SystemCalls
import Testing

/// The event loop thread at real time under a CPU budget: raised to SCHED_FIFO, and put back to
/// SCHED_OTHER by the kernel's SIGXCPU when it runs through its budget without blocking (what a
/// flood of requests would make it do). Real scheduling, real limits, real signal.
@Suite(.serialized) struct LoopRealtimeTests {
    @Test func theLoopThreadIsRaisedAndASpinningLoopIsPutBackToNormal() async throws {
        // SCHED_FIFO needs CAP_SYS_NICE or RLIMIT_RTPRIO; without either there is nothing to check.
        let allowed = ThreadScheduling.limit(.realtimePriority).soft.map { $0 >= 1 } ?? true
        // The budget is process-wide and children inherit it: a `breathctl play` another test
        // starts afterwards, rendering unpaced at real time, would get SIGXCPU at 50 ms (exit 152).
        // Put back afterwards; `make test` also runs this suite in a process of its own.
        let saved = ThreadScheduling.limit(.realtimeMicroseconds)
        defer {
            try? ThreadScheduling.setLimit(.realtimeMicroseconds, soft: saved.soft ?? .max, hard: saved.hard ?? .max)
        }
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = loops.next()
        await LoopRealtimeWatch.start(on: loop, logger: Logger(label: "loop-realtime-test"))
        let raised = try await loop.submit { ThreadScheduling.current() }.get()
        guard raised.isRealtime else {
            try await loops.shutdownGracefully()
            #expect(!allowed || raised == .other(nice: 0), "not raised: \(raised)")
            return
        }
        #expect(raised == .fifo(priority: EventLoopRealtime.priority))
        #expect(LoopRealtimeWatch.status?.scheduling == "SCHED_FIFO priority 3 via direct", "status shows what it got")
        #expect(ThreadScheduling.limit(.realtimeMicroseconds).soft.map { $0 <= EventLoopRealtime.budgetMicroseconds } == true)
        let before = LoopRealtimeWatch.demotions.load(ordering: .relaxed)
        // Spin on the loop as a flood would keep it busy, never blocking, until the policy changes.
        // The kernel's own hard limit (200 ms) ends the process if the handler does not work.
        let after = try await loop.submit { () -> ThreadScheduling.Policy in
            var policy = ThreadScheduling.current()
            while policy.isRealtime { policy = ThreadScheduling.current() }
            return policy
        }.get()
        #expect(after == .other(nice: 0))
        #expect(LoopRealtimeWatch.demotions.load(ordering: .relaxed) == before + 1)
        // `status` tells it (breathctl status: "event loop  SCHED_OTHER, put back to normal scheduling 1 time ...").
        #expect(LoopRealtimeWatch.status == EventLoopStatus(scheduling: "SCHED_OTHER", demotions: before + 1))
        try await loops.shutdownGracefully()
    }

    /// The serial sensor's reader joins the loop at real time, one step below it; when it runs
    /// through the budget (a device flooding it) the handler puts it back, and the loop keeps real time.
    @Test func aSpinningSensorReaderIsPutBackToNormalAndTheLoopKeepsRealTime() async throws {
        let saved = ThreadScheduling.limit(.realtimeMicroseconds)
        defer {
            try? ThreadScheduling.setLimit(.realtimeMicroseconds, soft: saved.soft ?? .max, hard: saved.hard ?? .max)
        }
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = loops.next()
        let logger = Logger(label: "loop-realtime-test")
        await LoopRealtimeWatch.start(on: loop, logger: logger)
        // Without CAP_SYS_NICE or RLIMIT_RTPRIO the first test checks the refusal; nothing to do here.
        guard try await loop.submit({ ThreadScheduling.current() }).get().isRealtime else {
            try await loops.shutdownGracefully()
            return
        }
        let loopDemotions = LoopRealtimeWatch.demotions.load(ordering: .relaxed)
        let readerDemotions = LoopRealtimeWatch.sensorReaderDemotions.load(ordering: .relaxed)
        let (raised, after) = await withCheckedContinuation { (done: CheckedContinuation<(ThreadScheduling.Policy, ThreadScheduling.Policy), Never>) in
            DedicatedThread.detach(name: "sensor spin") {
                LoopRealtimeWatch.raiseSensorReader(logger: logger)
                let raised = ThreadScheduling.current()
                var policy = raised
                // The kernel's hard limit (200 ms) ends the process if the handler picks the wrong thread.
                while policy.isRealtime { policy = ThreadScheduling.current() }
                done.resume(returning: (raised, policy))
            }
        }
        #expect(raised == .fifo(priority: LoopRealtimeWatch.sensorReaderPriority))
        #expect(after == .other(nice: 0))
        #expect(LoopRealtimeWatch.sensorReaderDemotions.load(ordering: .relaxed) == readerDemotions + 1)
        #expect(LoopRealtimeWatch.demotions.load(ordering: .relaxed) == loopDemotions)
        #expect(try await loop.submit { ThreadScheduling.current() }.get() == .fifo(priority: EventLoopRealtime.priority))
        try await loops.shutdownGracefully()
    }
}
