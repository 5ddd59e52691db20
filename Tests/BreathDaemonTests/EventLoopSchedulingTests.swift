#if canImport(Glibc)
import Glibc
#endif
import BreathDaemon
import NIOCore
import NIOPosix
import Synchronization
import SystemCalls
import Testing

/// The event loop thread's short time slice (EEVDF's per-task slice request, Linux 6.12 and later):
/// applied to the loop's thread alone, read back from the kernel, never taken from a real-time thread.
@Suite struct EventLoopSchedulingTests {
    /// Linux 6.12 keeps a fair thread's requested slice; older kernels accept and ignore it.
    static let kernelKeepsSlices: Bool = {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return numbers.count == 2 && (numbers[0], numbers[1]) >= (6, 12)
    }()

    @Test func theLoopThreadGetsTheShortSliceAndOtherThreadsKeepTheirs() async throws {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = loops.next()
        let testThreadSlice = ThreadScheduling.sliceNanoseconds()
        let said = try await loop.submit { EventLoopScheduling.applyToCurrentThread() }.get()
        let (policy, slice) = try await loop.submit { (ThreadScheduling.current(), ThreadScheduling.sliceNanoseconds()) }.get()
        try await loops.shutdownGracefully()
        #expect(policy == .other(nice: 0))
        #expect(ThreadScheduling.sliceNanoseconds() == testThreadSlice, "the slice is the loop thread's alone")
        if Self.kernelKeepsSlices {
            #expect(slice == EventLoopScheduling.sliceNanoseconds)
            #expect(said == "SCHED_OTHER, slice 0.1 ms")
        } else {
            #expect(said.hasPrefix("SCHED_OTHER"))
        }
    }

    @Test func aRealtimeThreadIsLeftRealtime() throws {
        let result = Mutex<(ThreadScheduling.Policy, String)?>(nil)
        let thread = try DedicatedThread(name: "rt-slice-test") {
            // SCHED_FIFO needs CAP_SYS_NICE or RLIMIT_RTPRIO; where neither is had there is nothing to check.
            guard (try? ThreadScheduling.makeRealtime(priority: 1)) != nil else { return }
            let said = EventLoopScheduling.applyToCurrentThread()
            result.withLock { $0 = (ThreadScheduling.current(), said) }
        }
        thread.join()
        guard let (policy, said) = result.withLock({ $0 }) else { return }
        #expect(policy == .fifo(priority: 1))
        #expect(said == "SCHED_FIFO priority 1")
    }
}
