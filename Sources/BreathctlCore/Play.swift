#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Audio
import Logging
import Pacer
import Synchronization

extension SampleFormat: ExpressibleByArgument {}

/// Set by SIGINT/SIGTERM; the command polls it (a signal handler may only touch an atomic).
private let interrupted = Atomic<Bool>(false)

struct Play: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play the pacer through ALSA in real time until interrupted (Ctrl-C fades out).",
        discussion: "Use it to preview a voice or a rate. The device is an ALSA PCM name such as default, hw:0 or plughw:1,0."
    )

    @Option(help: "ALSA device name.")
    var device: String = "default"

    @Option(help: "Stop after this many minutes, 0.1 to 1440 (default: until interrupted).")
    var minutes: Double?

    @Option(help: "Sample format: s16 or float.")
    var format: SampleFormat = .s16

    @Option(help: "ALSA buffer time in milliseconds, 10 to 2000.")
    var bufferMs: Int = OutputConfiguration.standardBufferMilliseconds

    @Option(help: "ALSA period time in milliseconds, 5 to 1000 (at most half the buffer).")
    var periodMs: Int = OutputConfiguration.standardPeriodMilliseconds

    @Flag(help: "Keep the audio thread at normal scheduling (no real-time request).")
    var noRealtime = false

    @Flag(help: "At the end, print what was played: samples, xruns (underruns recovered), the audio thread's scheduling.")
    var report = false

    @OptionGroup var pattern: PatternOptions

    func validate() throws {
        if let minutes, !(minutes.isFinite && Render.minutesRange.contains(minutes)) {
            throw ValidationError("--minutes must be between 0.1 and 1440, not \(minutes).")
        }
        guard (10...2000).contains(bufferMs) else { throw ValidationError("--buffer-ms must be between 10 and 2000, not \(bufferMs).") }
        guard (5...1000).contains(periodMs), periodMs * 2 <= bufferMs else {
            throw ValidationError("--period-ms must be between 5 and 1000 and at most half of --buffer-ms, not \(periodMs).")
        }
    }

    func run() throws {
        var logger = Logger(label: "breathctl.play")
        // Warnings too: a device lost mid-session (and retried) is worth a line on stderr.
        logger.logLevel = .warning
        let session = PlaybackSession(
            output: OutputConfiguration(
                device: device, sampleRate: pattern.sampleRate, format: format,
                bufferMicroseconds: bufferMs * 1000, periodMicroseconds: periodMs * 1000,
                realtimePriority: noRealtime ? nil : AudioThreadPriority.standardPriority),
            settings: try pattern.settings(), fades: try pattern.fades(),
            durationSeconds: minutes.map { $0 * 60 })
        signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in interrupted.store(true, ordering: .relaxed) }
        let player = AudioPlayer(logger: logger)
        do {
            try player.start(session)
        } catch {
            throw CommandFailure(message: error.description)
        }
        var stopping = false
        while true {
            let status = player.status
            if status.state == .idle { break }
            // A device that never opened is a bad name or a missing card: say so rather than wait.
            if status.state == .waitingForDevice, !status.deviceOpened, let error = status.lastError {
                player.stop()
                player.wait()
                throw CommandFailure(message: "cannot play on ALSA device '\(device)': \(error.message) (see `aplay -L` for device names)")
            }
            if interrupted.load(ordering: .relaxed), !stopping {
                stopping = true
                player.stop()
            }
            var pause = timespec(tv_sec: 0, tv_nsec: 50_000_000)
            _ = nanosleep(&pause, nil)
        }
        player.wait()
        let status = player.status
        if report {
            print("samples=\(status.samplesPlayed) xruns=\(status.underruns) suspends=\(status.suspends) scheduling=\(status.scheduling.map { "\($0)" } ?? "none")")
        } else if status.underruns > 0 || status.suspends > 0 {
            print("played \(status.samplesPlayed) samples; \(status.underruns) underruns, \(status.suspends) suspends recovered")
        }
    }
}
