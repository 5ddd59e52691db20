import Audio
import BreathTestSupport
import Foundation
import Logging
import Pacer
import Testing

/// A device that takes samples faster than real time (ALSA's `file` plugin over `null`) must not
/// make the player run away: it used to burn a core, write ~173 MB/s and reach breath 1688 in 10 s.
/// The verdicts are ratios of samples to the test's own monotonic clock readings, with wide bounds.
@Suite struct RealTimePacingTests {
    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    @Test func thePlayerPacesARunawayDeviceByTheMonotonicClock() throws {
        let dir = try temporaryDirectory("pacing")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("session.wav")
        let player = AudioPlayer(logger: Logger(label: "test.audio"))
        try player.start(PlaybackSession(
            output: OutputConfiguration(device: "file:FILE=\(wav.path),FORMAT=wav", sampleRate: 48_000, format: .s16, bufferMicroseconds: 200_000, periodMicroseconds: 50_000),
            durationSeconds: 600))
        defer { player.stop(); player.wait() }
        let start = Self.monotonicSeconds()
        // Watch for 4 s of the test's clock; the samples played must track it.
        var elapsed = 0.0
        while elapsed < 4 {
            usleep(100_000)
            elapsed = Self.monotonicSeconds() - start
        }
        let samples = Double(player.samplesPlayed)
        let end = Self.monotonicSeconds() - start
        let ratio = samples / (48_000 * end)
        // Real time plus a lead of at most buffer + period + 0.1 s (0.35 s) over 4 s: <= ~1.09.
        // Unpaced, this was in the hundreds. A busy machine may fall behind: the lower bound is loose.
        #expect(ratio < 1.15, "played \(samples / 48_000) s of audio in \(end) s")
        #expect(ratio > 0.5, "played \(samples / 48_000) s of audio in \(end) s")
        let breath = try #require(player.phase).cycle
        #expect(breath <= 1, "breath \(breath) after \(end) s at 5.5/min")
        let bytes = (try FileManager.default.attributesOfItem(atPath: wav.path)[.size] as? Int) ?? 0
        #expect(Double(bytes) / end < 1.15 * 96_000 + 44, "\(bytes) bytes written in \(end) s")
    }

    @Test func breathctlPlayOnARunawayDeviceTakesRealTime() throws {
        let dir = try temporaryDirectory("pacing-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("captured.wav")
        let start = Self.monotonicSeconds()
        let result = try ChildProcess.run(
            breathctlPath(), ["play", "--minutes", "0.1", "--fade-in", "1", "--fade-out", "1", "--buffer-ms", "400", "--period-ms", "100"],
            environment: try fileCaptureEnvironment(in: dir, wav: wav, paced: true))
        let elapsed = Self.monotonicSeconds() - start
        #expect(result.status == 0, "\(result.stderr)")
        let file = try WavFile(path: wav.path)
        #expect(file.samples.count == 6 * 48_000)
        // 6 s of audio cannot have gone out in less than 6 s minus the lead: the buffer and period
        // plus 0.1 s (0.4 + 0.1 + 0.1 s), so at most 6 / 5.4 = 1.11 real time.
        let ratio = Double(file.samples.count) / (48_000 * elapsed)
        #expect(ratio < 1.12, "6 s of audio played in \(elapsed) s")
    }
}
