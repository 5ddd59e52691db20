import Audio
import BreathProtocol
import Logging
import NIOCore
import Synchronization
import SystemCalls
#if canImport(Glibc)
import Glibc
#endif

/// The event loop thread at real time under a CPU budget (`EventLoopRealtime`).
///
/// The kernel sends SIGXCPU when a real-time thread of the process has run for the soft
/// `RLIMIT_RTTIME` without blocking, to that process; Linux delivers it to the thread that ran
/// over (it is running and does not block the signal). The handler puts the calling thread back
/// to SCHED_OTHER: the one that spins, whichever it is, at once, even on one core where another
/// thread might not get to run before the hard limit kills the process. `sched_setscheduler` is
/// async-signal-safe; the handler only counts besides.
enum LoopRealtimeWatch {
    /// Threads put back to normal scheduling by SIGXCPU.
    static let demotions = Atomic<Int>(0)
    /// The loop thread's kernel id, for the handler (0: none raised).
    static let loopThreadID = Atomic<Int32>(0)
    /// The sensor reader thread at real time (`pthread_self()`, 0: none) and its kernel id, for the handler.
    static let sensorReader = Atomic<UInt>(0)
    static let sensorReaderThreadID = Atomic<Int32>(0)
    /// Times SIGXCPU put the sensor reader back to normal scheduling.
    static let sensorReaderDemotions = Atomic<Int>(0)
    /// What the loop thread got when it asked (nil: it did not ask).
    private static let granted = Mutex<String?>(nil)

    /// For `status`: what the loop thread has now; nil when real time was not asked for.
    static var status: EventLoopStatus? {
        guard let scheduling = granted.withLock({ $0 }) else { return nil }
        let demotions = demotions.load(ordering: .relaxed)
        return EventLoopStatus(scheduling: demotions > 0 ? "SCHED_OTHER" : scheduling, demotions: demotions)
    }

    /// Installs the handler, sets the budget, then raises the loop thread; says what it has.
    static func start(on loop: any EventLoop, logger: Logger) async {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var parameters = sched_param()
            // The sensor reader ran over (a device or file flooding it): it goes back, the loop stays.
            let reader = LoopRealtimeWatch.sensorReader.load(ordering: .relaxed)
            if reader != 0, UInt(bitPattern: Int(bitPattern: pthread_self())) == reader {
                let readerThread = LoopRealtimeWatch.sensorReaderThreadID.load(ordering: .relaxed)
                if sched_setscheduler(readerThread, SCHED_OTHER, &parameters) == 0 {
                    LoopRealtimeWatch.sensorReader.store(0, ordering: .relaxed)
                    LoopRealtimeWatch.sensorReaderDemotions.add(1, ordering: .relaxed)
                }
                return
            }
            let loopThread = LoopRealtimeWatch.loopThreadID.load(ordering: .relaxed)
            if loopThread > 0, sched_setscheduler(loopThread, SCHED_OTHER, &parameters) == 0 {
                LoopRealtimeWatch.demotions.add(1, ordering: .relaxed)
            }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        guard sigaction(SIGXCPU, &action, nil) == 0 else {
            logger.notice("event loop thread stays at normal scheduling", metadata: ["reason": "sigaction(SIGXCPU) failed"])
            return
        }
        do {
            try EventLoopRealtime.limitRealtimeBudget()
        } catch {
            logger.notice("event loop thread stays at normal scheduling", metadata: ["reason": "\(error)"])
            return
        }
        guard let (threadID, scheduling) = try? await loop.submit({ () -> (threadID: Int32?, scheduling: AudioThreadScheduling) in
            // NIO's threads may block signals: the loop thread takes SIGXCPU itself, so that it is
            // handled at once on the core the loop holds.
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGXCPU)
            pthread_sigmask(SIG_UNBLOCK, &signals, nil)
            return EventLoopRealtime.raiseCurrentThread()
        }).get() else { return }
        loopThreadID.store(threadID ?? 0, ordering: .relaxed)
        granted.withLock { $0 = scheduling.description }
        logger.info("event loop thread scheduling", metadata: ["scheduling": "\(scheduling)"])
    }

    /// Real time for the calling thread, the serial sensor's reader, one step below the loop
    /// (`sensorReaderPriority`), under the loop's budget and handler: a beat then reaches the
    /// loop without waiting for a busy core's time slice (issue 16: the reader waited 2-4 ms at
    /// load 1-9 in `breathbench daemon`). Only once the loop's watch is in place (the handler that
    /// demotes a thread running over the budget); only directly (`LimitRTPRIO=`), as rtkit's
    /// limits are per process and the loop and audio threads already hold them.
    static func raiseSensorReader(logger: Logger) {
        guard granted.withLock({ $0 }) != nil, let threadID = try? ThreadScheduling.currentThreadID() else { return }
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGXCPU)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        sensorReaderThreadID.store(threadID, ordering: .relaxed)
        sensorReader.store(UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .relaxed)
        do {
            try ThreadScheduling.makeRealtime(priority: sensorReaderPriority, resetOnFork: true)
            logger.info("sensor reader thread scheduling", metadata: ["scheduling": "SCHED_FIFO \(sensorReaderPriority)"])
        } catch {
            sensorReader.store(0, ordering: .relaxed)
            logger.info("sensor reader thread stays at normal scheduling", metadata: ["reason": "\(error)"])
        }
    }

    /// Below the loop's (it takes each beat from the reader) and the audio thread's.
    static let sensorReaderPriority = EventLoopRealtime.priority - 1
}
