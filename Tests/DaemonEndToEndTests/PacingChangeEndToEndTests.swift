import BreathTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15: `breathctl set rate` during a real daemon's session is in history at once, survives
/// kill -9, shows in `session` and is drawn by `report`.
@Suite(.serialized) struct PacingChangeEndToEndTests {
    @Test func aLiveRateChangeIsKeptThroughKillNineAndDrawn() throws {
        let daemon = try DaemonHarness()
        let fifo = try SensorFIFO(in: daemon.directory)
        try daemon.reconfigure(sensor: fifo.path)
        try daemon.start()
        try fifo.open()
        let breathctl = DaemonHarness.binDirectory.appendingPathComponent("breathctl").path
        let socket = ["--socket", daemon.socketPath]
        func sessionJSON() throws -> [String: Any] {
            let run = try runProgram(breathctl, ["session", "last", "--json"] + socket)
            #expect(run.status == 0, "\(run.output)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], "\(run.output)")
        }

        let started = try runProgram(breathctl, ["start", "--minutes", "5", "--rate", "6"] + socket)
        #expect(started.status == 0, "\(started.output)")
        fifo.write(rrMilliseconds: Array(try rrRecording("nsr_5min.txt").prefix(20)))
        try waitUntil("beats reach the session") {
            let status = try daemon.request(#"{"cmd":"status"}"#)
            return ((status["sensor"] as? [String: Any])?["beats"] as? Int ?? 0) >= 10
        }
        let set = try runProgram(breathctl, ["set", "rate", "5.5"] + socket)
        #expect(set.status == 0 && set.output.isEmpty, "quiet on success: \(set.output)")

        // In history while the session still runs.
        let running = try sessionJSON()
        #expect((running["session"] as? [String: Any])?["end_reason"] == nil)
        let changes = try #require(running["pacing_changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect(changes.first?["setting"] as? String == "rate" && changes.first?["rate_bpm"] as? Double == 5.5)
        let offset = try #require(changes.first?["t_s"] as? Double)
        #expect(offset > 0 && offset < 300)
        #expect((changes.first?["at"] as? String)?.hasSuffix("Z") == true)

        // Killed without warning: the next start closes the session as interrupted, change kept.
        fifo.close()
        _ = daemon.terminate(signal: SIGKILL)
        try daemon.start()
        let after = try sessionJSON()
        #expect((after["session"] as? [String: Any])?["end_reason"] as? String == "interrupted")
        #expect((after["pacing_changes"] as? [[String: Any]])?.first?["t_s"] as? Double == offset)

        let text = try runProgram(breathctl, ["session", "last"] + socket)
        #expect(text.output.contains("rate 5.5 breaths/min"), "\(text.output)")
        let svgPath = daemon.directory.appendingPathComponent("report.svg").path
        let report = try runProgram(breathctl, ["report", "last", "--output", svgPath] + socket)
        #expect(report.status == 0, "\(report.output)")
        let svg = try String(contentsOfFile: svgPath, encoding: .utf8)
        #expect(svg.components(separatedBy: "class=\"pacing-change\"").count == 2, "one marker")
        #expect(svg.contains(">5.5/min 1:1, asked "))
        #expect(daemon.terminate() == 0)
    }
}
