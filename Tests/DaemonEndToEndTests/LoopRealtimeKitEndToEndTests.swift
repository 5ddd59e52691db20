import BreathTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A user's breathd (no CAP_SYS_NICE, no RLIMIT_RTPRIO: the user unit) gets real time for its event
/// loop thread from RealtimeKit, as its audio thread does, and keeps the loop's 50 ms budget below
/// the hard limit. scripts/rtkit-standin on a private system bus grants it for real
/// (sched_setscheduler on the daemon's thread, hence root to run the stand-in).
@Suite(.serialized) struct LoopRealtimeKitEndToEndTests {
    @Test(.enabled(if: getuid() == 0, "the stand-in needs CAP_SYS_NICE to change another process's thread"))
    func theLoopThreadGetsRealTimeFromRealtimeKit() async throws {
        let bus = try PrivateBus()
        let rtkit = try await RealtimeKitStandIn(bus: bus)
        func granted() -> [RealtimeKitStandIn.Request] { rtkit.requests.filter { $0.method == "MakeThreadRealtime" } }

        let daemon = try DaemonHarness()
        // setpriv drops CAP_SYS_NICE as the user unit runs without it: the direct way is refused.
        try daemon.start(
            launcher: ["/usr/bin/setpriv", "--bounding-set=-sys_nice"],
            environment: ["DBUS_SYSTEM_BUS_ADDRESS": bus.address, "BREATHD_EVENT_LOOP_REALTIME": "1"])
        try waitUntil("the loop thread's scheduling is logged") { daemon.log.contains("event loop thread scheduling") }
        let said = daemon.log.split(separator: "\n").first { $0.contains("event loop thread scheduling") }.map(String.init) ?? ""
        #expect(said.contains("priority 3 via RealtimeKit"), "\(said)")

        // The audio thread asks too once a session plays; the budget survives its request.
        #expect(try daemon.request(#"{"cmd":"start","minutes":5}"#)["class"] as? String == "OK")
        try waitUntil("the audio thread asked RealtimeKit") { granted().count >= 2 }
        let requests = granted()
        #expect(requests.map(\.priority) == [3, 4], "\(rtkit.process.stdout)")
        #expect(requests.allSatisfy { $0.result == "granted" }, "\(rtkit.process.stdout)")
        #expect(requests.allSatisfy { $0.rttime_soft == 50_000 && $0.rttime_hard == 200_000 }, "\(rtkit.process.stdout)")
        let limits = try String(contentsOfFile: "/proc/\(daemon.processID)/limits", encoding: .utf8)
        let rttime = limits.split(separator: "\n").first { $0.hasPrefix("Max realtime timeout") }.map(String.init) ?? ""
        #expect(rttime.split(separator: " ").contains("50000") && rttime.split(separator: " ").contains("200000"), "\(rttime)")

        #expect(try daemon.request(#"{"cmd":"stop"}"#)["class"] as? String == "OK")
        #expect(daemon.terminate() == 0, "\(daemon.log)")
    }
}
