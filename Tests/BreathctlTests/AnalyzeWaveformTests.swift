import BreathTestSupport
import Foundation
import Testing

/// `breathctl analyze` on waveform files, which it streams (`WaveformText`): the same beats and
/// figures whatever the line endings, format given or detected; clear errors otherwise.
@Suite struct AnalyzeWaveformTests {
    private let mitbih = TestPaths.shared.appendingPathComponent("data/ecg/mitdb100_mlii_360hz.txt").path

    private func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("breathctl-waveform-\(UUID().uuidString).txt")
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test func lineEndingsAndByteOrderMarkGiveTheSameBeatsAndFigures() async throws {
        // Five minutes of MIT-BIH 100.
        let lines = try String(contentsOfFile: mitbih, encoding: .utf8).split(whereSeparator: \.isNewline).prefix(108_001)
        let lf = try temporaryFile(Array(lines.joined(separator: "\n").utf8) + [0x0A])
        let variants = [
            try temporaryFile([0xEF, 0xBB, 0xBF] + Array(lines.joined(separator: "\r\n").utf8)),
            try temporaryFile(Array(lines.joined(separator: "\r").utf8) + [0x0D]),
        ]
        defer { for f in [lf] + variants { try? FileManager.default.removeItem(atPath: f) } }
        let beats = try await ClientProcess.run(["analyze", "--format", "ecg", "--sample-rate", "360", "--beats", "--json", lf])
        #expect(beats.status == 0, "\(beats.stderr)")
        // 371 annotated beats in these 108,000 samples: 370 intervals, the last beat may come too late.
        #expect((369...370).contains(beats.stdout.split(separator: "\n").count))
        let summary = try await ClientProcess.run(["analyze", "--format", "ecg", "--sample-rate", "360", "--json", lf])
        #expect(summary.status == 0)
        for file in variants {
            let listed = try await ClientProcess.run(["analyze", "--format", "ecg", "--sample-rate", "360", "--beats", "--json", file])
            #expect(listed.stdout == beats.stdout)
            // Not told the format: detected from the file's start, then streamed the same way.
            let detected = try await ClientProcess.run(["analyze", "--sample-rate", "360", "--json", file])
            #expect(detected.stdout == summary.stdout)
        }
    }

    @Test func aWaveformWithoutBeatsIsAClearError() async throws {
        let flat = try temporaryFile(Array(String(repeating: "512\n", count: 20 * 100).utf8))
        defer { try? FileManager.default.removeItem(atPath: flat) }
        let result = try await ClientProcess.run(["analyze", "--format", "ppg", "--sample-rate", "100", flat])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no heart beats found in the ppg waveform"), "\(result.stderr)")
        let missing = try await ClientProcess.run(["analyze", "--format", "ecg", "/nonexistent/ecg.txt"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent/ecg.txt: No such file or directory"), "\(missing.stderr)")
    }
}
