import Systemd
import SystemCalls

/// How the audio thread is scheduled and how it got there; said once per session in the log and
/// shown by `status`.
public struct AudioThreadScheduling: Sendable, Equatable, CustomStringConvertible {
    public enum Route: String, Sendable {
        /// sched_setscheduler by the thread itself (CAP_SYS_NICE or RLIMIT_RTPRIO: the system unit's LimitRTPRIO=).
        case direct
        /// Granted by RealtimeKit on the system bus (desktop sessions).
        case realtimeKit = "RealtimeKit"
        /// Nothing asked or nothing granted.
        case none
    }

    public var policy: ThreadScheduling.Policy
    public var route: Route
    /// Why real time was not had, per way tried (empty when it was).
    public var refusals: [String]

    public var isRealtime: Bool { policy.isRealtime }

    public var description: String {
        var text = "\(policy)"
        if route != .none { text += " via \(route.rawValue)" }
        if !refusals.isEmpty { text += " (real time not granted: \(refusals.joined(separator: "; ")))" }
        return text
    }
}

/// Asks for real-time scheduling for the calling thread (the audio thread; the daemon's event loop
/// thread too, `EventLoopRealtime`) the way desktop audio software does: directly first (as PipeWire's module-rt does: just try, the kernel knows best whether
/// CAP_SYS_NICE or RLIMIT_RTPRIO allow it), then through RealtimeKit, then RealtimeKit's high
/// priority (a lower nice level); otherwise the thread stays as it is. Never fails: whatever
/// happens, playback goes on and the result says what the thread got.
public enum AudioThreadPriority {
    /// SCHED_FIFO/RR priority of the audio thread: above every normal thread (any real-time priority
    /// is), below the sound server we feed (PulseAudio's own threads run at 5), within rtkit's
    /// default MaxRealtimePriority (20).
    public static let standardPriority = 4
    /// Nice level asked of RealtimeKit when real time is refused (PulseAudio asks -11 too).
    public static let highPriorityNiceLevel = -11
    /// RLIMIT_RTTIME when RealtimeKit is asked and none is set: 200 ms of CPU without blocking,
    /// as PulseAudio sets (the audio thread blocks in every write, well within it).
    public static let realtimeMicrosecondsLimit: UInt64 = 200_000

    /// `priority` nil: leave the thread alone. `busAddress` nil: the system bus. `resetOnFork`: the
    /// direct way sets `SCHED_RESET_ON_FORK` too, as rtkit always does, so threads the caller starts
    /// begin at normal scheduling.
    public static func raise(priority: Int?, busAddress: String? = nil, resetOnFork: Bool = false) -> AudioThreadScheduling {
        guard let priority else {
            return AudioThreadScheduling(policy: ThreadScheduling.current(), route: .none, refusals: ["turned off"])
        }
        var refusals: [String] = []
        do {
            try ThreadScheduling.makeRealtime(priority: directPriority(priority), resetOnFork: resetOnFork)
            return AudioThreadScheduling(policy: ThreadScheduling.current(), route: .direct, refusals: [])
        } catch {
            refusals.append("direct: \(error.message)")
        }
        do {
            return try throughRealtimeKit(priority: priority, busAddress: busAddress, refusals: &refusals)
        } catch {
            refusals.append("RealtimeKit: \(error.isNoServer ? "not on the bus" : error.description)")
        }
        return AudioThreadScheduling(policy: ThreadScheduling.current(), route: .none, refusals: refusals)
    }

    /// `priority`, or RLIMIT_RTPRIO's soft limit when that is lower but allows some real time.
    private static func directPriority(_ priority: Int) -> Int {
        guard let soft = ThreadScheduling.limit(.realtimePriority).soft, soft >= 1 else { return priority }
        return min(priority, Int(soft))
    }

    private static func throughRealtimeKit(priority: Int, busAddress: String?, refusals: inout [String]) throws(BusError) -> AudioThreadScheduling {
        let rtkit = try RealtimeKit(address: busAddress)
        let limits = try rtkit.limits()
        let threadID: Int32
        do { threadID = try ThreadScheduling.currentThreadID() } catch {
            throw BusError(operation: "thread id", errno: error.errno)
        }
        // rtkit refuses a process whose hard RLIMIT_RTTIME is unlimited or above RTTimeUSecMax. A
        // lower soft limit stays (the event loop's budget: SIGXCPU there, while the kernel sends
        // SIGKILL at the hard limit, so the two must not be made equal).
        let current = ThreadScheduling.limit(.realtimeMicroseconds)
        let allowed = UInt64(max(limits.realtimeMicrosecondsMax, 1))
        let hard = min(current.hard ?? .max, allowed, realtimeMicrosecondsLimit)
        let soft = min(current.soft ?? .max, hard)
        if current.soft != soft || current.hard != hard {
            do { try ThreadScheduling.setLimit(.realtimeMicroseconds, soft: soft, hard: hard) } catch {
                refusals.append("RLIMIT_RTTIME: \(error.message)")
            }
        }
        do {
            try rtkit.makeThreadRealtime(threadID: UInt64(threadID), priority: UInt32(max(1, min(priority, limits.maxRealtimePriority))))
            return AudioThreadScheduling(policy: ThreadScheduling.current(), route: .realtimeKit, refusals: [])
        } catch {
            refusals.append("RealtimeKit refused: \(error.errorMessage ?? error.description)" + (error.errorName.map { " (\($0))" } ?? ""))
        }
        let nice = Int32(max(highPriorityNiceLevel, limits.minNiceLevel))
        try rtkit.makeThreadHighPriority(threadID: UInt64(threadID), niceLevel: nice)
        return AudioThreadScheduling(policy: ThreadScheduling.current(), route: .realtimeKit, refusals: refusals)
    }
}
