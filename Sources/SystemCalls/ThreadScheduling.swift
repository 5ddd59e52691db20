#if canImport(Glibc)
import Glibc
#endif

/// The calling thread's scheduling, as the kernel sees it: its policy and priority, real-time
/// scheduling asked for directly (`sched_setscheduler`), the resource limits that govern it
/// (`RLIMIT_RTPRIO`, `RLIMIT_RTTIME`) and its nice level. Every call acts on the calling thread.
public enum ThreadScheduling {
    /// Linux's resource numbers (glibc exposes them to Swift only under _GNU_SOURCE).
    public enum Limit: Int32, Sendable {
        case nice = 13
        case realtimePriority = 14
        /// CPU time in microseconds a real-time thread may use without a blocking system call.
        case realtimeMicroseconds = 15
    }

    /// `SCHED_RESET_ON_FORK`: children (threads and processes) start with normal scheduling.
    public static let resetOnFork: Int32 = 0x4000_0000

    public enum Policy: Sendable, Equatable, CustomStringConvertible {
        case other(nice: Int)
        case fifo(priority: Int)
        case roundRobin(priority: Int)
        case unknown(Int32)

        public var isRealtime: Bool {
            switch self {
            case .fifo, .roundRobin: true
            default: false
            }
        }

        public var description: String {
            switch self {
            case .other(let nice): nice == 0 ? "SCHED_OTHER" : "SCHED_OTHER nice \(nice)"
            case .fifo(let priority): "SCHED_FIFO priority \(priority)"
            case .roundRobin(let priority): "SCHED_RR priority \(priority)"
            case .unknown(let raw): "policy \(raw)"
            }
        }
    }

    /// The kernel's id of the calling thread (what RealtimeKit and /proc/PID/task call the thread
    /// id). Read from /proc/thread-self: Swift cannot call the variadic syscall(2), and glibc's
    /// gettid() is not exported to Swift.
    public static func currentThreadID() throws(SystemCallError) -> Int32 {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBufferPointer { readlink("/proc/thread-self", $0.baseAddress!, 63) }
        guard count > 0 else { throw SystemCallError(call: "readlink", subject: "/proc/thread-self", errno: errno) }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        guard let slash = text.lastIndex(of: "/"), let tid = Int32(text[text.index(after: slash)...]) else {
            throw SystemCallError(call: "readlink", subject: "/proc/thread-self", errno: EINVAL)
        }
        return tid
    }

    /// The calling thread's policy now.
    public static func current() -> Policy {
        let raw = sched_getscheduler(0) & ~resetOnFork
        var parameters = sched_param()
        _ = sched_getparam(0, &parameters)
        switch raw {
        case SCHED_FIFO: return .fifo(priority: Int(parameters.sched_priority))
        case SCHED_RR: return .roundRobin(priority: Int(parameters.sched_priority))
        case SCHED_OTHER: return .other(nice: Int(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)))
        default: return .unknown(raw)
        }
    }

    /// SCHED_FIFO at `priority` for the calling thread. Allowed with CAP_SYS_NICE or when
    /// RLIMIT_RTPRIO is at least `priority`; EPERM otherwise (also under a seccomp filter such as
    /// systemd's RestrictRealtime=yes).
    public static func makeRealtime(priority: Int, resetOnFork: Bool = false) throws(SystemCallError) {
        var parameters = sched_param()
        parameters.sched_priority = Int32(priority)
        let policy = SCHED_FIFO | (resetOnFork ? Self.resetOnFork : 0)
        guard sched_setscheduler(0, policy, &parameters) == 0 else {
            throw SystemCallError(call: "sched_setscheduler", subject: "SCHED_FIFO priority \(priority)", errno: errno)
        }
    }

    /// Back to SCHED_OTHER (from real time): always allowed.
    public static func makeNormal() throws(SystemCallError) {
        var parameters = sched_param()
        guard sched_setscheduler(0, SCHED_OTHER, &parameters) == 0 else {
            throw SystemCallError(call: "sched_setscheduler", subject: "SCHED_OTHER", errno: errno)
        }
    }

    /// The calling thread's nice level (setpriority on the thread id, which Linux applies to that
    /// thread alone). Lowering it needs CAP_SYS_NICE or RLIMIT_NICE.
    public static func setNice(_ level: Int) throws(SystemCallError) {
        let tid = try currentThreadID()
        guard setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(tid), Int32(level)) == 0 else {
            throw SystemCallError(call: "setpriority", subject: "nice \(level)", errno: errno)
        }
    }

    /// (soft, hard) of a limit; nil stands for unlimited.
    public static func limit(_ which: Limit) -> (soft: UInt64?, hard: UInt64?) {
        var value = rlimit()
        guard getrlimit(__rlimit_resource_t(UInt32(which.rawValue)), &value) == 0 else { return (nil, nil) }
        // RLIM_INFINITY is all ones (glibc's macro does not import as an unsigned constant).
        func finite(_ v: rlim_t) -> UInt64? { v == rlim_t.max ? nil : UInt64(v) }
        return (finite(value.rlim_cur), finite(value.rlim_max))
    }

    /// Sets a process-wide limit (soft and hard); lowering is always allowed.
    public static func setLimit(_ which: Limit, soft: UInt64, hard: UInt64) throws(SystemCallError) {
        var value = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(hard))
        guard setrlimit(__rlimit_resource_t(UInt32(which.rawValue)), &value) == 0 else {
            throw SystemCallError(call: "setrlimit", subject: "\(which) \(soft)/\(hard)", errno: errno)
        }
    }
}
