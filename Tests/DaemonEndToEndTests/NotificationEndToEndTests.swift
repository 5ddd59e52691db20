import BreathTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A private desktop: a session bus (dbus-daemon), an X server (Xvfb) and dunst as the
/// notification server, with `dunstctl` to read what arrived.
final class TestDesktop {
    let directory: URL
    let busAddress: String
    let display: String
    private var children: [ChildProcess] = []

    var environment: [String: String] { ["DBUS_SESSION_BUS_ADDRESS": busAddress, "DISPLAY": display] }

    static var available: Bool { ["dbus-daemon", "Xvfb", "dunst", "dunstctl"].allSatisfy(programExists) }

    init(in directory: URL) throws {
        self.directory = directory
        busAddress = "unix:path=\(directory.path)/bus"
        var number = 90 + Int(getpid() % 200)
        while FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(number)") || FileManager.default.fileExists(atPath: "/tmp/.X\(number)-lock") {
            number += 1
        }
        display = ":\(number)"
        // A bus without service activation: the notification server is there only once dunst runs.
        let busConfig = directory.appendingPathComponent("bus.conf")
        try """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>\(busAddress)</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow receive_sender="*"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """.write(to: busConfig, atomically: true, encoding: .utf8)
        children.append(try ChildProcess("dbus-daemon", ["--config-file=\(busConfig.path)", "--nofork"], logPath: "\(directory.path)/dbus.log"))
        children.append(try ChildProcess("Xvfb", [display, "-screen", "0", "800x600x24", "-nolisten", "tcp"], logPath: "\(directory.path)/xvfb.log"))
        try waitUntil("the bus and the X server are up") {
            FileManager.default.fileExists(atPath: "\(directory.path)/bus") && FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(number)")
        }
    }

    /// Starts dunst and waits until it answers on the bus.
    func startNotificationServer() throws {
        let config = directory.appendingPathComponent("dunstrc")
        // Long timeouts: nothing expires on its own while the test looks.
        try "[global]\n    idle_threshold = 0\n[urgency_low]\n    timeout = 600\n[urgency_normal]\n    timeout = 600\n"
            .write(to: config, atomically: true, encoding: .utf8)
        children.append(try ChildProcess("dunst", ["-config", config.path], environment: environment, logPath: "\(directory.path)/dunst.log"))
        try waitUntil("dunst answers") { try dunstctl(["count", "displayed"]).status == 0 }
    }

    func dunstctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProgram("dunstctl", arguments, environment: environment)
    }

    /// Every notification dunst shows, waits with or keeps in history: (summary, body) pairs.
    func allNotifications() throws -> [(summary: String, body: String)] {
        // Closed into dunst's history: waited for (dunst may show a queued one next), not slept on.
        try waitUntil("dunst shows nothing") {
            _ = try dunstctl(["close-all"])
            let displayed = try dunstctl(["count", "displayed"]).output, waiting = try dunstctl(["count", "waiting"]).output
            return Int(displayed.trimmingCharacters(in: .whitespacesAndNewlines)) == 0
                && Int(waiting.trimmingCharacters(in: .whitespacesAndNewlines)) == 0
        }
        let history = try dunstctl(["history"]).output
        let object = try JSONSerialization.jsonObject(with: Data(history.utf8)) as? [String: Any]
        let entries = (object?["data"] as? [[[String: Any]]])?.first ?? []
        return entries.map { entry in
            let summary = (entry["summary"] as? [String: Any])?["data"] as? String ?? ""
            let body = (entry["body"] as? [String: Any])?["data"] as? String ?? ""
            return (summary, body)
        }
    }

    deinit {
        for child in children.reversed() { child.stop() }
    }
}

@Suite(.serialized) struct NotificationEndToEndTests {
    @Test(.enabled(if: TestDesktop.available, "needs dbus-daemon, Xvfb, dunst"))
    func agentNotifiesASessionAndSurvivesADaemonRestart() throws {
        let daemon = try DaemonHarness()
        let fifo = try SensorFIFO(in: daemon.directory)
        try daemon.reconfigure(sensor: fifo.path)
        let desktop = try TestDesktop(in: daemon.directory)
        try daemon.start()
        let agent = try ChildProcess(
            DaemonHarness.binDirectory.appendingPathComponent("breathctl").path,
            ["notify", "--socket", daemon.socketPath, "--max-retry-seconds", "0.5", "--bus-retry-seconds", "0.2"],
            environment: desktop.environment, logPath: daemon.directory.appendingPathComponent("agent.log").path)
        try waitUntil("the agent watches") { agent.log.contains("watching breathd") }
        try fifo.open()
        let beats = try rrRecording("nsr_5min.txt")
        var next = 0
        func feed(_ count: Int) {
            fifo.write(rrMilliseconds: Array(beats[next..<next + count]))
            next += count
        }
        feed(5)

        // No notification server yet: the start is dropped and the problem logged once.
        _ = try daemon.request(#"{"cmd":"start","minutes":0.1}"#)
        try waitUntil("the agent reports the missing server") { agent.log.contains("no notification server") }
        _ = try daemon.request(#"{"cmd":"stop"}"#)
        // The stop fades out in real time (the audio is paced by the clock even into the file
        // plugin). Once a server is there, that session's end is delivered; waiting for it proves
        // the agent delivers again, and the history is cleared after it, so it cannot be taken for
        // the next session's.
        try desktop.startNotificationServer()
        try waitUntil("the first session's end is delivered") { agent.log.contains("kind=sessionFinished") }
        #expect(agent.log.components(separatedBy: "no notification server").count == 2, "logged once:\n\(agent.log)")
        _ = try desktop.dunstctl(["history-clear"])
        let start = try daemon.request(#"{"cmd":"start","minutes":0.25,"rate":6}"#)
        #expect(start["class"] as? String == "OK", "\(start)")
        feed(5)
        // The sensor goes away twice and comes back twice: one sensor notification, replaced in place.
        // The daemon holds its FIFO open for reading and writing, so the device "goes" by its path
        // disappearing (the reader checks the path's identity), and comes back as a new FIFO.
        for round in 1...2 {
            unlink(fifo.path)
            fifo.close()
            try waitUntil("sensor lost is notified") { agent.log.components(separatedBy: "Heart sensor lost").count > round }
            #expect(mkfifo(fifo.path, 0o600) == 0)
            try fifo.open()
            feed(5)
            try waitUntil("sensor back is notified") { agent.log.components(separatedBy: "Heart sensor back").count > round }
        }
        try waitUntil("the session finishes") {
            feed(2)
            usleep(300_000)
            // The first session's end was logged already: this is the second.
            return agent.log.components(separatedBy: "kind=sessionFinished").count > 2
        }
        let shown = try desktop.allNotifications()
        let summaries = shown.map(\.summary)
        #expect(summaries.contains("Breathing session started"), "\(shown)")
        // The first session's end (stopped) may still be on screen: this session's is the completed one.
        let finished = try #require(shown.first { $0.summary == "Breathing session finished" && $0.body.contains("completed") }, "\(shown)")
        #expect(finished.body.contains("Coherence") && finished.body.contains("HR") && finished.body.contains("RMSSD"), "\(finished.body)")
        #expect(finished.body.contains("completed"), "\(finished.body)")
        let sensorNotifications = summaries.filter { $0.hasPrefix("Heart sensor") }
        #expect(sensorNotifications == ["Heart sensor back"], "lost/back/lost/back replaced one notification: \(shown)")

        // The daemon restarts under the agent: it waits, reconnects and notifies again.
        #expect(daemon.terminate() == 0)
        fifo.close()
        try daemon.start()
        try waitUntil("the agent reconnects") { agent.log.components(separatedBy: "watching breathd").count == 3 }
        #expect(agent.log.components(separatedBy: "not reachable").count <= 2, "absence logged at most once:\n\(agent.log)")
        _ = try desktop.dunstctl(["history-clear"])
        _ = try daemon.request(#"{"cmd":"start","minutes":1}"#)
        try waitUntil("the new session is notified") { try desktop.allNotifications().contains { $0.summary == "Breathing session started" } }
        _ = try daemon.request(#"{"cmd":"stop"}"#)
        #expect(daemon.terminate() == 0)
        agent.stop()
    }

    @Test(.enabled(if: TestDesktop.available, "needs dbus-daemon, Xvfb, dunst"))
    func highCoherenceHeldIsNotifiedOnce() throws {
        let daemon = try DaemonHarness()
        let sensorLink = daemon.directory.appendingPathComponent("sensor").path
        try daemon.reconfigure(sensor: sensorLink)
        let desktop = try TestDesktop(in: daemon.directory)
        try desktop.startNotificationServer()
        let breathctl = DaemonHarness.binDirectory.appendingPathComponent("breathctl").path
        // A model heart breathing at the pacer's rate, ten times faster than real time: past the
        // 64 s warm-up within seconds, then high coherence.
        let simulator = try ChildProcess(
            breathctl, ["simulate", "--link", sensorLink, "--speed", "10", "--coherence", "high", "--seed", "3"],
            logPath: daemon.directory.appendingPathComponent("simulator.log").path)
        try waitUntil("the simulator's link exists") { FileManager.default.fileExists(atPath: sensorLink) }
        try daemon.start()
        let agent = try ChildProcess(
            breathctl, ["notify", "--socket", daemon.socketPath, "--high-coherence-minutes", "0.05", "--disable", "start"],
            environment: desktop.environment, logPath: daemon.directory.appendingPathComponent("agent.log").path)
        try waitUntil("the agent watches") { agent.log.contains("watching breathd") }
        _ = try daemon.request(#"{"cmd":"start","minutes":0.5}"#)
        try waitUntil("high coherence held 3 s is notified") { agent.log.contains("High coherence") }
        usleep(2_000_000)
        #expect(agent.log.components(separatedBy: "summary=High coherence").count == 2, "once per stretch:\n\(agent.log)")
        let shown = try desktop.allNotifications()
        #expect(shown.contains { $0.summary == "High coherence" && $0.body == "You have held high coherence for 3 s." }, "\(shown)")
        #expect(!shown.contains { $0.summary == "Breathing session started" }, "--disable start: \(shown)")
        _ = try daemon.request(#"{"cmd":"stop"}"#)
        #expect(daemon.terminate() == 0)
        agent.stop()
        simulator.stop()
    }

    /// Quiet hours hold every notification back; outside them, an audio device that goes away
    /// while breathd runs is notified as a problem.
    @Test(.enabled(if: TestDesktop.available, "needs dbus-daemon, Xvfb, dunst"))
    func quietHoursHoldNotificationsAndALostAudioDeviceIsNotified() throws {
        let daemon = try DaemonHarness()
        // The file plugin writes into a directory of its own, so removing it takes the device away.
        let audioDirectory = daemon.directory.appendingPathComponent("audio")
        try FileManager.default.createDirectory(at: audioDirectory, withIntermediateDirectories: true)
        try """
            pcm.!default { type file; slave.pcm "null"; file "\(audioDirectory.path)/out.wav"; format "wav" }
            """.write(to: daemon.directory.appendingPathComponent("asound.conf"), atomically: true, encoding: .utf8)
        let desktop = try TestDesktop(in: daemon.directory)
        try desktop.startNotificationServer()
        try daemon.start()
        let breathctl = DaemonHarness.binDirectory.appendingPathComponent("breathctl").path

        // Quiet from an hour ago to an hour from now (local time, as the agent reads it).
        let window = "\(localClock(secondsFromNow: -3600))-\(localClock(secondsFromNow: 3600))"
        let quietAgent = try ChildProcess(
            breathctl, ["notify", "--socket", daemon.socketPath, "--quiet-hours", window],
            environment: desktop.environment, logPath: daemon.directory.appendingPathComponent("quiet-agent.log").path)
        try waitUntil("the quiet agent watches") { quietAgent.log.contains("watching breathd") }
        _ = try desktop.dunstctl(["history-clear"])
        let quietStart = try daemon.request(#"{"cmd":"start","minutes":0.1}"#)
        #expect(quietStart["class"] as? String == "OK", "\(quietStart)")
        try waitRecordingLog(of: quietAgent, "the session finishes inside quiet hours") {
            quietAgent.log.contains("quiet hours: not shown") && quietAgent.log.contains("Breathing session finished")
        }
        #expect(try desktop.allNotifications().isEmpty, "quiet hours \(window):\n\(quietAgent.log)")
        quietAgent.stop()

        let agent = try ChildProcess(
            breathctl, ["notify", "--socket", daemon.socketPath, "--disable", "start", "--disable", "finish"],
            environment: desktop.environment, logPath: daemon.directory.appendingPathComponent("agent.log").path)
        try waitUntil("the agent watches") { agent.log.contains("watching breathd") }
        try FileManager.default.removeItem(at: audioDirectory)
        let start = try daemon.request(#"{"cmd":"start","minutes":0.1}"#)
        #expect(start["class"] as? String == "OK", "\(start)")
        try waitRecordingLog(of: agent, "the lost device is notified") { agent.log.contains("Audio device unavailable") }
        let shown = try desktop.allNotifications()
        let audio = try #require(shown.first { $0.summary == "Audio device unavailable" }, "\(shown)\n\(agent.log)")
        #expect(audio.body.contains("The pacer is silent until the device returns"), "\(audio.body)")
        #expect(shown.count == 1, "only the audio notification: \(shown)")
        _ = try daemon.request(#"{"cmd":"stop"}"#)
        #expect(daemon.terminate() == 0)
        agent.stop()
    }

    /// `waitUntil`, recording the agent's log if the wait times out.
    private func waitRecordingLog(of agent: ChildProcess, _ what: String, _ condition: () throws -> Bool) throws {
        do {
            try waitUntil(what, condition)
        } catch {
            Issue.record("the agent's log:\n\(agent.log)")
            throw error
        }
    }

    /// HH:MM of the local wall clock `seconds` from now.
    private func localClock(secondsFromNow seconds: Int) -> String {
        var time = Glibc.time(nil) + seconds
        var parts = tm()
        localtime_r(&time, &parts)
        return String(format: "%02d:%02d", parts.tm_hour, parts.tm_min)
    }
}
