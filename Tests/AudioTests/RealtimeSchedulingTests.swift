import BreathTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The audio thread's request for real-time scheduling, end to end: `breathctl play` on a private
/// system bus where scripts/rtkit-standin implements org.freedesktop.RealtimeKit1 for real (it
/// changes the calling thread's policy with sched_setscheduler, so the grants need root), or where
/// nobody owns that name. The player runs without CAP_SYS_NICE (setpriv drops it from the bounding
/// set; RLIMIT_RTPRIO stays 0), as a desktop user's process does, so the direct way is refused and
/// RealtimeKit is asked. It plays into the file plugin at full speed: scheduling is what is tested.
@Suite(.serialized) struct RealtimeSchedulingTests {
    static let isRoot = getuid() == 0

    /// `breathctl play --report` for 6 s of audio into a WAV file, without CAP_SYS_NICE when root.
    func play(on bus: PrivateBus, _ extra: [String] = [], keepPrivilege: Bool = false) async throws -> (status: Int32, report: String, stderr: String) {
        let dir = try temporaryDirectory("rt")
        defer { try? FileManager.default.removeItem(at: dir) }
        var environment = try fileCaptureEnvironment(in: dir, wav: dir.appendingPathComponent("out.wav"))
        environment["DBUS_SYSTEM_BUS_ADDRESS"] = bus.address
        let arguments = ["play", "--minutes", "0.1", "--report"] + extra
        let result: ChildProcess.Result
        if Self.isRoot && !keepPrivilege {
            result = try await ChildProcess.run("/usr/bin/setpriv", ["--bounding-set=-sys_nice", breathctlPath()] + arguments, environment: environment)
        } else {
            result = try await ChildProcess.run(breathctlPath(), arguments, environment: environment)
        }
        let report = result.stdout.split(separator: "\n").last { $0.hasPrefix("samples=") }.map(String.init) ?? ""
        return (result.status, report, result.stderr)
    }

    @Test(.enabled(if: isRoot, "the stand-in needs CAP_SYS_NICE to change another process's thread"))
    func realtimeKitMakesTheAudioThreadRealtime() async throws {
        let bus = try PrivateBus()
        let rtkit = try await RealtimeKitStandIn(bus: bus)
        let played = try await play(on: bus)
        #expect(played.status == 0, "\(played.stderr)")
        #expect(played.report.contains("samples=288000"), "\(played.report)")
        // What the thread reads back from the kernel afterwards: rtkit's policy, our priority.
        #expect(played.report.contains("scheduling=SCHED_RR priority 4 via RealtimeKit"), "\(played.report)")
        let requests = rtkit.requests
        // The limits first, as rtkit's clients do; then one request for one thread.
        #expect(requests.prefix(3).map(\.property) == ["MaxRealtimePriority", "MinNiceLevel", "RTTimeUSecMax"], "\(rtkit.process.stdout)")
        let asked = requests.filter { $0.method == "MakeThreadRealtime" }
        #expect(asked.count == 1, "\(rtkit.process.stdout)")
        guard let request = asked.first else { return }
        #expect(request.result == "granted")
        #expect(request.priority == 4)
        // The audio thread, not the process's main thread.
        #expect(request.thread != request.pid)
        // RLIMIT_RTTIME was set, within RTTimeUSecMax, before asking (rtkit refuses otherwise).
        #expect(request.rttime_hard.map { $0 <= 200_000 } == true, "\(rtkit.process.stdout)")
        #expect(request.rttime_soft.map { $0 <= 200_000 } == true)
        #expect(!requests.contains { $0.method == "MakeThreadHighPriority" })
    }

    @Test(.enabled(if: isRoot, "the stand-in needs CAP_SYS_NICE to change another process's thread"))
    func priorityIsClampedToWhatRealtimeKitAllows() async throws {
        let bus = try PrivateBus()
        let rtkit = try await RealtimeKitStandIn(bus: bus, ["--max-priority", "2"])
        let played = try await play(on: bus)
        #expect(played.status == 0, "\(played.stderr)")
        #expect(played.report.contains("scheduling=SCHED_RR priority 2 via RealtimeKit"), "\(played.report)")
        #expect(rtkit.requests.filter { $0.method == "MakeThreadRealtime" }.map(\.priority) == [2])
    }

    @Test(.enabled(if: isRoot, "the stand-in needs CAP_SYS_NICE to change another process's thread"))
    func refusedRealtimeFallsBackToHighPriority() async throws {
        let bus = try PrivateBus()
        let rtkit = try await RealtimeKitStandIn(bus: bus, ["--refuse-realtime"])
        let played = try await play(on: bus)
        #expect(played.status == 0, "\(played.stderr)")
        #expect(played.report.contains("samples=288000"), "\(played.report)")
        #expect(played.report.contains("scheduling=SCHED_OTHER nice -11 via RealtimeKit"), "\(played.report)")
        #expect(played.report.contains("RealtimeKit refused"), "\(played.report)")
        let requests = rtkit.requests
        #expect(requests.filter { $0.method == "MakeThreadRealtime" }.map(\.result) == ["refused: policy"])
        #expect(requests.filter { $0.method == "MakeThreadHighPriority" }.map(\.nice) == [-11])
    }

    @Test func withoutRealtimeKitPlaybackGoesOnAtNormalScheduling() async throws {
        let bus = try PrivateBus()  // nobody owns org.freedesktop.RealtimeKit1 here
        let played = try await play(on: bus)
        #expect(played.status == 0, "\(played.stderr)")
        #expect(played.report.contains("samples=288000"), "\(played.report)")
        #expect(played.report.contains("scheduling=SCHED_OTHER"), "\(played.report)")
        #expect(played.report.contains("RealtimeKit: not on the bus"), "\(played.report)")
        // Quietly: nothing on stderr about it (the daemon says it once, at notice level).
        #expect(!played.stderr.contains("RealtimeKit"), "\(played.stderr)")
    }

    @Test(.enabled(if: isRoot, "needs CAP_SYS_NICE"))
    func directSchedulingAsksNobody() async throws {
        let bus = try PrivateBus()
        let rtkit = try await RealtimeKitStandIn(bus: bus)
        let played = try await play(on: bus, keepPrivilege: true)
        #expect(played.status == 0, "\(played.stderr)")
        #expect(played.report.contains("scheduling=SCHED_FIFO priority 4 via direct"), "\(played.report)")
        #expect(rtkit.requests.isEmpty, "\(rtkit.process.stdout)")
    }

    @Test func turnedOffAsksNothing() async throws {
        let bus = try PrivateBus()
        let played = try await play(on: bus, ["--no-realtime"], keepPrivilege: true)
        #expect(played.status == 0, "\(played.stderr)")
        #expect(played.report.contains("scheduling=SCHED_OTHER (real time not granted: turned off)"), "\(played.report)")
    }
}
