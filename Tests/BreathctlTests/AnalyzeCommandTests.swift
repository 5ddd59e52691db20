import BreathTestSupport
import Foundation
import Numerics
import Testing

/// `breathctl analyze` end to end: the real binary on real recordings.
@Suite struct AnalyzeCommandTests {
    private func rrFile(_ name: String) -> String { TestPaths.shared.appendingPathComponent("data/rr/\(name)").path }
    private func expected(_ name: String) -> URL { TestPaths.shared.appendingPathComponent("data/expected/\(name)") }

    private func temporaryFile(_ contents: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("breathctl-\(UUID().uuidString).txt")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func expectSameFigures(_ actual: [String: Any], _ reference: [String: Any], _ context: String) {
        for (key, value) in reference {
            switch value {
            case let e as Double where !(value is Int) || key.hasSuffix("_ms") || key.hasSuffix("_s"):
                let a = actual[key] as? Double
                #expect(a?.isApproximatelyEqual(to: e, relativeTolerance: 1e-6) == true, "\(context) \(key): \(String(describing: a)) vs \(e)")
            default:
                #expect("\(actual[key] ?? "missing")" == "\(value)", "\(context) \(key)")
            }
        }
    }

    @Test func jsonSummaryHasTheReferenceKeysAndFigures() async throws {
        let result = try await ClientProcess.run(["analyze", rrFile("polar_h10_slow_breathing_600s.csv"), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let actual = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let reference = try JSONSerialization.jsonObject(
            with: Data(contentsOf: expected("polar_h10_slow_breathing_600s.summary.json"))) as! [String: Any]
        expectSameFigures(actual, reference, "summary")
    }

    @Test func perBeatJSONFollowsTheReferenceStream() async throws {
        let result = try await ClientProcess.run(["analyze", rrFile("polar_h10_pvc_600s.txt"), "--per-beat", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let reference = try String(contentsOf: expected("polar_h10_pvc_600s.stream.jsonl"), encoding: .utf8).split(separator: "\n")
        try #require(lines.count == reference.count)
        for (a, e) in zip(lines, reference) {
            let actual = try JSONSerialization.jsonObject(with: Data(a.utf8)) as! [String: Any]
            let ref = try JSONSerialization.jsonObject(with: Data(e.utf8)) as! [String: Any]
            #expect(Set(actual.keys) == Set(ref.keys))
            expectSameFigures(actual, ref, "beat \(ref["beat"]!)")
        }
    }

    @Test func readableSummaryNamesEveryFigure() async throws {
        let result = try await ClientProcess.run(["analyze", rrFile("polar_h10_slow_breathing_600s.csv")])
        #expect(result.status == 0)
        for label in ["beats", "artifacts", "mean HR", "SDNN", "RMSSD", "pNN50", "VLF / LF / HF", "LF/HF", "coherence", "time in level"] {
            #expect(result.stdout.contains(label), "summary shows \(label)")
        }
        #expect(result.stdout.contains("RMSSD            36.8 ms"))
    }

    @Test func secondsAndCSVGiveTheSameAnswerAsMilliseconds() async throws {
        let ms = try String(contentsOfFile: rrFile("nsr_5min.txt"), encoding: .utf8).split(separator: "\n").compactMap { Double($0) }
        let seconds = try temporaryFile(ms.map { "\($0 / 1000)" }.joined(separator: "\n"))
        let csv = try temporaryFile("# comment\ntime,rr\n" + ms.enumerated().map { "\($0.offset),\($0.element)" }.joined(separator: "\n"))
        let reference = try await ClientProcess.run(["analyze", rrFile("nsr_5min.txt"), "--json"]).stdout
        let fromSeconds = try await ClientProcess.run(["analyze", seconds, "--json"]).stdout
        let fromCSV = try await ClientProcess.run(["analyze", csv, "--json"]).stdout
        #expect(fromCSV == reference)
        let a = try JSONSerialization.jsonObject(with: Data(fromSeconds.utf8)) as! [String: Any]
        let r = try JSONSerialization.jsonObject(with: Data(reference.utf8)) as! [String: Any]
        expectSameFigures(a, r, "seconds")
    }

    @Test(arguments: [
        ("/nonexistent/rr.txt", "No such file or directory"),
        ("", "no RR intervals"),
        ("time,rr\n# only a header\n", "no RR intervals"),
        ("0\n-5\n0\n", "no usable RR intervals"),
    ])
    func badFilesGiveOneLineNamingTheFile(contents: String, message: String) async throws {
        let path = contents.hasPrefix("/") ? contents : try temporaryFile(contents)
        let result = try await ClientProcess.run(["analyze", path])
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(result.stderr)")
        #expect(result.stderr.contains(path) && result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func levelOutOfRangeNamesTheAcceptedRange() async throws {
        let result = try await ClientProcess.run(["analyze", rrFile("nsr_5min.txt"), "--level", "5"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--level must be between 1 and 4"))
    }
}
