import Audio
import BreathTestSupport
import Foundation
import Logging
import Pacer
import Synchronization
import Testing

/// No sound card: the log used to get ~108 lines a minute (a warning at every retry plus
/// libasound's own `ALSA lib confmisc.c...` lines on stderr). Now: "unavailable" once at notice
/// level, quiet (debug) retries, libasound's messages through our logger.
@Suite struct NoSoundCardTests {
    @Test func aMissingCardIsAnnouncedOnceAndRetriedQuietly() throws {
        let events = LevelledMessages()
        let player = AudioPlayer(logger: Logger(label: "test.audio") { _ in events }, maximumBackoffSeconds: 0.05)
        try player.start(PlaybackSession(output: OutputConfiguration(device: "hw:99"), durationSeconds: 600))
        // Wait (not a verdict) until the player has retried many times.
        // The bound only ends a hang (20 retries take about a second).
        let deadline = ContinuousClock.now + .seconds(60)
        while events.count(where: { $0.message.hasPrefix("audio device still unavailable") }) < 20, ContinuousClock.now < deadline {
            usleep(10_000)
        }
        player.stop()
        player.wait()
        let retries = events.count { $0.message.hasPrefix("audio device still unavailable") && $0.level == .debug }
        #expect(retries >= 20, "retried \(retries) times")
        // Said once per session too, on another subject: what scheduling the audio thread got.
        let scheduling = events.all.filter { $0.message.hasPrefix("audio thread scheduling:") }
        #expect(scheduling.count == 1 && scheduling.first?.level == .notice, "\(scheduling)")
        let loud = events.all.filter {
            $0.level >= .info && $0.message != "audio session ended" && !$0.message.hasPrefix("audio thread scheduling:")
        }
        #expect(loud.count == 1, "\(loud)")
        #expect(loud.first?.level == .notice)
        #expect(loud.first?.message.hasPrefix("audio device unavailable") == true)
        // libasound's own complaint came through the logger, at debug level, once per attempt.
        let alsa = events.all.filter { $0.message.hasPrefix("ALSA lib:") }
        #expect(alsa.count >= retries, "\(alsa.count) libasound messages")
        #expect(alsa.allSatisfy { $0.level == .debug })
        #expect(alsa.contains { $0.message.contains("Cannot get card index for 99") }, "\(alsa.prefix(3))")
    }

    @Test func breathctlPlayWithoutACardSaysOneLineWithoutLibasoundNoise() throws {
        // alsa.conf alone: `default` is card 0, which does not exist on this machine (or any CI box
        // without /dev/snd); a card number that cannot exist makes it certain.
        let dir = try temporaryDirectory("nocard")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("asound.conf")
        try "defaults.pcm.card 99\ndefaults.ctl.card 99\n".write(to: config, atomically: true, encoding: .utf8)
        let result = try ChildProcess.run(
            breathctlPath(), ["play", "--minutes", "0.1"],
            environment: ["ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + config.path])
        #expect(result.status != 0)
        #expect(!result.stderr.contains("ALSA lib"), "\(result.stderr)")
        #expect(result.stderr.contains("cannot play on ALSA device 'default'"), "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
    }
}

/// Collects what a logger logs, with levels.
final class LevelledMessages: LogHandler, @unchecked Sendable {
    struct Entry: CustomStringConvertible {
        let level: Logger.Level
        let message: String
        var description: String { "\(level): \(message)" }
    }

    private let entries = Mutex<[Entry]>([])
    var logLevel = Logger.Level.trace
    var metadata = Logger.Metadata()

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        entries.withLock { $0.append(Entry(level: event.level, message: event.message.description)) }
    }

    var all: [Entry] { entries.withLock { $0 } }

    func count(where predicate: (Entry) -> Bool) -> Int { all.filter(predicate).count }
}
