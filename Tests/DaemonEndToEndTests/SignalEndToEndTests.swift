import Foundation
import Testing

/// The signals a daemon meets besides SIGTERM: SIGHUP re-reads the configuration, SIGUSR1 and
/// SIGUSR2 are ignored (both used to kill breathd on the spot: no fade, socket left behind).
// The time limit only ends a hang (a normal run takes a few seconds).
@Suite(.serialized, .timeLimit(.minutes(10))) struct SignalEndToEndTests {
    private func rate(_ daemon: DaemonHarness) throws -> Double? {
        let status = try daemon.request(#"{"cmd":"status"}"#)
        return (status["pacer"] as? [String: Any])?["rate_bpm"] as? Double
    }

    @Test func hangupReloadsWhatCanChangeAndReportsTheRest() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        #expect(try rate(daemon) == 5.5)
        let original = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        try (original + "\n[pacer]\nrate = 4.5\n[audio]\nsample_rate = 44100\n").write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        kill(daemon.processID, SIGHUP)
        try waitUntil("the new rate is in effect") { try rate(daemon) == 4.5 }
        try waitUntil("the reload is logged") { daemon.log.contains("SIGHUP: configuration reloaded") }
        #expect(daemon.log.contains("applied=pacer"))
        #expect(daemon.log.contains("needs_restart=audio"))

        // A file that no longer parses changes nothing and the daemon carries on.
        try "[pacer]\nrate = 12\n".write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        kill(daemon.processID, SIGHUP)
        try waitUntil("the refused reload is logged") { daemon.log.contains("configuration not reloaded") }
        #expect(daemon.log.contains("pacer.rate = 12: must be between 4.0 and 7.0"))
        #expect(try rate(daemon) == 4.5)
        #expect(daemon.terminate() == 0, "SIGTERM after the reloads still ends it cleanly")
    }

    @Test func userSignalsAreIgnored() throws {
        let daemon = try DaemonHarness()
        try daemon.start()
        _ = try daemon.request(#"{"cmd":"start","minutes":5}"#)
        kill(daemon.processID, SIGUSR1)
        kill(daemon.processID, SIGUSR2)
        // Still there and still pacing: a status round trip after both signals were delivered.
        let status = try daemon.request(#"{"cmd":"status"}"#)
        #expect(status["state"] as? String == "running")
        #expect(daemon.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath), "the socket is removed on the clean exit")
    }
}
