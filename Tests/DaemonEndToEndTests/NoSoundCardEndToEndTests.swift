import Foundation
import Testing

/// Issue 15, no sound card: breathd's log used to get ~108 lines a minute (a warning at every
/// retry plus libasound's own `ALSA lib confmisc.c...` lines on stderr). Now the device is said
/// unavailable at start-up and once per session at notice level, retried quietly.
@Suite struct NoSoundCardEndToEndTests {
    @Test func aSessionWithoutACardLogsUnavailableOnceAndNoLibasoundLines() throws {
        let daemon = try DaemonHarness()
        // Card 99 cannot exist: libasound complains in eight lines at every attempt to open it.
        try "defaults.pcm.card 99\ndefaults.ctl.card 99\n".write(
            to: daemon.directory.appendingPathComponent("asound.conf"), atomically: true, encoding: .utf8)
        try daemon.start()
        defer { _ = daemon.terminate() }
        #expect(try daemon.request(#"{"cmd":"start","minutes":5}"#)["class"] as? String == "OK")
        // The player retries at 0, 0.25, 0.75, 1.75, 3.75 and 7.75 s: wait for 8 s of retries
        // (a wait, not a verdict: the verdict is the count of lines).
        usleep(8_000_000)
        #expect(try daemon.request(#"{"cmd":"stop"}"#)["class"] as? String == "OK")
        #expect(daemon.terminate() == 0)
        let log = try String(contentsOfFile: daemon.logPath, encoding: .utf8)
        let lines = log.split(separator: "\n")
        #expect(!log.contains("ALSA lib"), "\(log)")
        let unavailable = lines.filter { $0.contains("audio device unavailable") }
        // Once at start-up (the probe), once when the session first tries.
        #expect(unavailable.count == 2, "\(log)")
        #expect(lines.count < 20, "\(lines.count) lines:\n\(log)")
    }
}
