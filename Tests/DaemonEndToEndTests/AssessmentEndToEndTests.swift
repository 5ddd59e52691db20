import BreathTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The stepped resonance assessment end to end: `breathctl simulate --follow` plays a heart whose
/// breathing swing is largest at 5 breaths per minute, `breathctl assess` paces 6, 5 and 4 per
/// minute through the daemon, and 5 must be chosen, stored and usable as `rate resonance`.
/// About 5 minutes of real time: 1.5 minutes a rate, since the simulated person wanders like a
/// real one (with one minute, two or three whole breaths after settling, a neighbouring rate won
/// for 3-4 seeds in 40 offline: ResonanceAssessmentTests).
@Suite struct AssessmentEndToEndTests {
    @Test func theSimulatedResonanceRateIsChosenStoredAndUsed() throws {
        let link = NSTemporaryDirectory() + "breathd-assess-\(UUID().uuidString.prefix(8))"
        let daemon = try DaemonHarness(sensor: link)
        // No sound card: the pacer runs on the wall clock, in real time like the simulator.
        try "pcm.!default { type hw; card 99 }\n".write(
            to: daemon.directory.appendingPathComponent("asound.conf"), atomically: true, encoding: .utf8)
        try daemon.start()
        defer { _ = daemon.terminate() }
        let breathctl = DaemonHarness.binDirectory.appendingPathComponent("breathctl").path

        // Before any assessment, `set rate resonance` has nothing to use.
        let early = try daemon.request(#"{"cmd":"set","key":"rate","value":"resonance"}"#)
        #expect(early["class"] as? String == "ERROR")
        #expect((early["message"] as? String)?.contains("breathctl assess") == true, "\(early)")

        let simulator = try ChildProcess(
            breathctl,
            ["simulate", "--follow", "--link", link, "--socket", daemon.socketPath, "--rate", "64", "--resonance-rate", "5"],
            logPath: daemon.directory.appendingPathComponent("simulate.log").path)
        defer { simulator.stop() }
        try waitUntil("the simulated sensor streams") {
            ((try daemon.request(#"{"cmd":"status"}"#)["sensor"] as? [String: Any])?["state"] as? String) == "streaming"
        }

        let assess = try runProgram(
            breathctl,
            ["assess", "--rates", "6,5,4", "--minutes-per-rate", "1.5", "--rest-seconds", "2", "--json", "--socket", daemon.socketPath])
        #expect(assess.status == 0, "breathctl assess: \(assess.output)\n\(daemon.log)")
        let last = try #require(assess.output.split(separator: "\n").last.map(String.init))
        let event = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(event["class"] as? String == "ASSESS")
        #expect(event["stage"] as? String == "finished")
        let result = try #require(event["result"] as? [String: Any])
        let steps = try #require(result["steps"] as? [[String: Any]])
        #expect(steps.map { $0["pacer_rate_bpm"] as? Double } == [6, 5, 4])
        let swings = steps.map { $0["peak_to_trough_bpm"] as? Double ?? -1 }
        #expect(result["resonance_rate_bpm"] as? Double == 5, "peak-to-trough per rate: \(swings)")
        // The model person's swing at 5/min is 1.6-1.8 times that at 6 and 4 (13 vs 8.0 and 7.2 bpm
        // peak to trough); its wander, measured over the few breaths of a 1.5-minute step, leaves
        // only the order certain (it was 2 times with the old perfect-sine heart).
        #expect(swings[1] > max(swings[0], swings[2]), "peak-to-trough per rate: \(swings)")
        for step in steps { #expect((step["breath_cycles"] as? Int ?? 0) >= 1, "\(step)") }
        let sessionID = try #require(event["session"] as? Int)

        // Stored in history with its kind and figures.
        try waitUntil("the assessment is closed in history") {
            ((try daemon.request(#"{"cmd":"status"}"#)["state"] as? String) == "idle")
        }
        let stored = try daemon.request(#"{"cmd":"session","id":\#(sessionID)}"#)
        #expect((stored["session"] as? [String: Any])?["kind"] as? String == "assessment")
        #expect((stored["session"] as? [String: Any])?["end_reason"] as? String == "completed")
        #expect((stored["assessment"] as? [String: Any])?["resonance_rate_bpm"] as? Double == 5)
        let text = try runProgram(breathctl, ["session", "\(sessionID)", "--socket", daemon.socketPath])
        #expect(text.output.contains("<- resonance"), "\(text.output)")

        // `set rate resonance` takes it, and STATUS says where the rate came from.
        let set = try daemon.request(#"{"cmd":"set","key":"rate","value":"resonance"}"#)
        #expect(set["class"] as? String == "OK", "\(set)")
        let pacer = try #require(try daemon.request(#"{"cmd":"status"}"#)["pacer"] as? [String: Any])
        #expect(pacer["rate_bpm"] as? Double == 5)
        #expect(pacer["rate_source"] as? String == "resonance")
        #expect(pacer["resonance_session"] as? Int == sessionID)
    }
}
