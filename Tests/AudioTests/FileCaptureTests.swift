import BreathTestSupport
import Foundation
import Testing

/// `breathctl play` through real ALSA, into the `file` plugin: the null device takes audio as
/// fast as it comes, so half a minute plays in well under a second.
@Suite struct FileCaptureTests {
    @Test func playedAudioHasThePatternsPeriodInhaleShareFadesAndNoClicks() async throws {
        let dir = try temporaryDirectory("alsa-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("captured.wav")
        let result = try await ChildProcess.run(
            breathctlPath(),
            ["play", "--minutes", "0.6", "--rate", "7", "--ratio", "4:6", "--fade-in", "3", "--fade-out", "3"],
            environment: try fileCaptureEnvironment(in: dir, wav: wav))
        try #require(result.status == 0, "\(result.stderr)")
        let file = try WavFile(path: wav.path)
        #expect(file.sampleRate == 48_000)
        // What follows indexes into the half minute: a shorter file ends the test here.
        try #require(file.samples.count == 36 * 48_000)

        // Breathing period and inhale share from the pitch contour: 7/min is 8.571 s; the pitch
        // rises from level 0.25 to 0.75 in a third of the inhale and falls back in a third of the exhale.
        let contour = PitchContour(file.samples, sampleRate: file.sampleRate)
        let rises = contour.crossings(of: 0.5, rising: true)
        #expect(rises.count >= 4)
        let period = fittedSpacing(rises)
        #expect(abs(period - 60.0 / 7) < 0.01, "period \(period) s")
        let up25 = contour.crossings(of: 0.25, rising: true), up75 = contour.crossings(of: 0.75, rising: true)
        let down75 = contour.crossings(of: 0.75, rising: false), down25 = contour.crossings(of: 0.25, rising: false)
        let rise = zip(up25, up75).map { $1 - $0 }.reduce(0, +) / Double(min(up25.count, up75.count))
        let fall = zip(down75, down25).map { $1 - $0 }.reduce(0, +) / Double(min(down75.count, down25.count))
        #expect(abs(rise / (rise + fall) - 0.4) < 0.02, "inhale share \(rise / (rise + fall))")

        // No clicks: no step above a full-scale-at-this-volume sine at 330 Hz (plus rounding).
        let bound = 0.1 * 32767 * 2 * Double.pi * 330 / 48_000 + 2
        #expect(Double(largestStep(file.samples)) < bound)

        // Fades: silent at both ends, rising and falling over the first and last 3 s.
        let second = 48_000
        let steady = rms(file.samples[(10 * second)..<(20 * second)])
        #expect(rms(file.samples[0..<(second / 10)]) < steady * 0.01)
        #expect(rms(file.samples[(second / 2)..<second]) < rms(file.samples[(2 * second)..<(3 * second)]))
        #expect(abs(Int(file.samples.last!)) < 20)
        #expect(rms(file.samples[(file.samples.count - second / 10)...]) < steady * 0.01)
    }

    @Test func floatFormatPlaysToo() async throws {
        let dir = try temporaryDirectory("alsa-float")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("captured.wav")
        let result = try await ChildProcess.run(
            breathctlPath(), ["play", "--minutes", "0.1", "--format", "float", "--voice", "bowl"],
            environment: try fileCaptureEnvironment(in: dir, wav: wav))
        #expect(result.status == 0, "\(result.stderr)")
        let header = try WavFile.header(try Data(contentsOf: wav))
        #expect(header.bitsPerSample == 32)
        #expect(header.dataBytes == 6 * 48_000 * 4)
    }

    @Test func unknownDeviceIsAClearError() async throws {
        let result = try await ChildProcess.run(breathctlPath(), ["play", "--device", "no_such_device_xyz"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot play on ALSA device 'no_such_device_xyz'"), "\(result.stderr)")
    }

    @Test(arguments: [
        (["--rate", "9"], "--rate must be between 4.0 and 7.0"),
        (["--ratio", "1:5"], "--ratio must be INHALE:EXHALE"),
        (["--volume", "2"], "--volume must be between 0.0 and 1.0"),
        (["--sample-rate", "100"], "--sample-rate must be between 4000 and 192000"),
        (["--minutes", "0"], "--minutes must be between 0.1 and 1440"),
        (["--hold-in", "11"], "--hold-in must be between 0 and 10"),
    ])
    func outOfRangeOptionsNameTheOptionAndRange(arguments: [String], message: String) async throws {
        let result = try await ChildProcess.run(breathctlPath(), ["render", "--output", "/dev/null"] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
