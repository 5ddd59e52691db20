import BreathTestSupport
import Foundation
import Testing

/// A private PulseAudio server with a null sink, for playing in real time without hardware.
/// Root may run it outside system mode; it warns and carries on, which is what a CI box needs.
final class PulseServer {
    let directory: URL
    let server: ChildProcess
    var socket: String { "unix:" + directory.appendingPathComponent("native").path }
    static let sinkName = "breathtest"

    private let ownsDirectory: Bool

    /// A server in a new directory, or in `directory` (to restart one at the same socket).
    init(directory given: URL? = nil) throws {
        directory = try given ?? temporaryDirectory("pulse")
        ownsDirectory = given == nil
        server = try ChildProcess("/usr/bin/pulseaudio", [
            "--daemonize=no", "--exit-idle-time=-1", "-n", "--use-pid-file=no", "--disallow-exit",
            "--disable-shm=yes", "--log-target=stderr",
            "-L", "module-native-protocol-unix socket=\(directory.appendingPathComponent("native").path) auth-anonymous=1",
            "-L", "module-null-sink sink_name=\(Self.sinkName) rate=48000 channels=1",
        ], environment: ["HOME": directory.path, "XDG_RUNTIME_DIR": directory.path])
        // Ready once a client can talk to it (up to a minute: a busy machine starts it slowly).
        for _ in 0..<600 {
            if try ChildProcess.run("/usr/bin/pactl", ["-s", socket, "info"]).status == 0 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw CocoaError(.featureUnsupported)
    }

    /// ALSA's default device routed to this server (libasound2-plugins' pulse plugin).
    func alsaEnvironment() throws -> [String: String] {
        let config = directory.appendingPathComponent("asound.conf")
        try """
            pcm.!default { type pulse; server "\(socket)" }
            ctl.!default { type pulse; server "\(socket)" }

            """.write(to: config, atomically: true, encoding: .utf8)
        return ["ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + config.path, "PULSE_SERVER": socket]
    }

    deinit {
        server.signal(SIGTERM)
        server.wait()
        if ownsDirectory { try? FileManager.default.removeItem(at: directory) }
    }
}

@Suite struct PulseRealtimeTests {
    /// The breathing period heard through a real sound server, by the samples the server played
    /// (its monitor), not by the wall clock: a busy machine may make the server underrun (it plays
    /// silence meanwhile), and each underrun the player recovered from may drop at most one buffer
    /// of samples it had written, which widens the tolerance by exactly that. How long it took in real time is `make bench-xruns`'s business.
    @Test func realTimePeriodMatchesTheRate() throws {
        let server = try PulseServer()
        let wav = server.directory.appendingPathComponent("recorded.wav")
        let recorder = try ChildProcess("/usr/bin/parec", [
            "-s", server.socket, "-d", "\(PulseServer.sinkName).monitor", "--rate=48000", "--channels=1",
            "--format=s16le", "--file-format=wav", wav.path,
        ])
        let bufferMilliseconds = 200
        // 21.6 s at 7/min: three rises of the pitch through its middle, two whole periods.
        let result = try ChildProcess.run(
            breathctlPath(), ["play", "--minutes", "0.36", "--rate", "7", "--fade-in", "1", "--fade-out", "1",
                              "--buffer-ms", "\(bufferMilliseconds)", "--period-ms", "50", "--report"],
            environment: try server.alsaEnvironment())
        // The player drained before it exited, so the tone has ended; the recording is complete
        // once it holds half a second of silence after the last sound (parec may lag behind).
        while recorder.isRunning {
            let samples = (try? WavFile(path: wav.path).samples) ?? []
            if let last = samples.lastIndex(where: { $0 != 0 }), samples.count - last > 24_000 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        recorder.signal(SIGINT)
        recorder.wait()
        #expect(result.status == 0, "\(result.stderr)")
        let report = result.stdout
        let xruns = report.split(separator: " ").first { $0.hasPrefix("xruns=") }.flatMap { Int($0.dropFirst(6)) }
        #expect(xruns != nil, "\(report)")

        let file = try WavFile(path: wav.path)
        // A gap is either the player's samples delayed (PulseAudio waits for its prebuffer) or the
        // same time of them skipped: the period measured with the gaps cut and the one measured
        // as recorded bracket the truth, and they are the same when nothing went wrong.
        let (played, gaps) = removingSilentRuns(file.samples, minimumFrames: file.sampleRate / 200)
        let expected = 60.0 / 7
        var periods: [Double] = []
        for samples in [played, file.samples] {
            let contour = PitchContour(samples, sampleRate: file.sampleRate)
            let rises = contour.crossings(of: 0.5, rising: true)
            let falls = contour.crossings(of: 0.5, rising: false)
            #expect(rises.count >= 3 && falls.count >= 2, "rises \(rises) falls \(falls)")
            guard rises.count >= 2, falls.count >= 2 else { return }
            periods.append((fittedSpacing(rises) + fittedSpacing(falls)) / 2)
        }
        let lostSecondsBound = Double((xruns ?? 0) * bufferMilliseconds) / 1000
        let tolerance = 0.005 * expected + lostSecondsBound
        print("through PulseAudio: period \(periods[0]) s gaps cut, \(periods[1]) s as recorded, relative error \((periods[0] - expected) / expected); \(gaps) gaps; player: \(report)")
        #expect(periods.min()! - tolerance <= expected && expected <= periods.max()! + tolerance,
                "period \(periods) s vs \(expected) s; \(gaps) gaps; \(report)")
    }

    @Test func playbackResumesWhenTheServerComesBack() throws {
        let dir = try temporaryDirectory("pulse-restart")
        defer { try? FileManager.default.removeItem(at: dir) }
        var server: PulseServer? = try PulseServer(directory: dir)
        let environment = try server!.alsaEnvironment()
        let errors = dir.appendingPathComponent("play.err").path
        let started = Date()
        let player = try ChildProcess(breathctlPath(), ["play", "--minutes", "0.2", "--fade-in", "1", "--fade-out", "1"], environment: environment, stderr: .file(errors))
        Thread.sleep(forTimeInterval: 3)
        server = nil  // the sound server goes away mid-session
        Thread.sleep(forTimeInterval: 2)
        server = try PulseServer(directory: dir)
        let status = player.wait()
        let elapsed = Date().timeIntervalSince(started)
        let stderr = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(stderr)")
        // The player saw the server gone at least once (libasound's own messages now go through
        // our logger), and the session still played its 12 s.
        #expect(stderr.contains("audio device lost"), "\(stderr)")
        #expect(elapsed > 13, "finished after \(elapsed) s")
        #expect(elapsed < 30, "finished after \(elapsed) s")
        _ = server
    }
}
