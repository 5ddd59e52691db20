import BreathTestSupport
import Foundation
import Numerics
import Testing

/// `breathctl analyze` end to end: the real binary on real recordings.
@Suite struct AnalyzeCommandTests {
    private func rrFile(_ name: String) -> String { TestPaths.shared.appendingPathComponent("data/rr/\(name)").path }
    /// `hrv_reference.py summary FILE --nn FLAGS` with the flags of the classifier (scripts/artifact_figures.py).
    private func expected(_ name: String) -> URL { TestPaths.repositoryRoot.appendingPathComponent("Tests/Fixtures/artifacts/\(name)") }

    private func temporaryFile(_ contents: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("breathctl-\(UUID().uuidString).txt")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func expectSameFigures(_ actual: [String: Any], _ reference: [String: Any], _ context: String) {
        for (key, value) in reference {
            switch value {
            case let e as Double where !(value is Int) || key.hasSuffix("_ms") || key.hasSuffix("_s"):
                // analyze rounds each figure to its measurement's precision (FigureRounding.Decimals,
                // at most 0.1): equal to the reference's full digits within half that step.
                let a = actual[key] as? Double
                #expect(a.map { abs($0 - e) <= 0.05 + 1e-9 * abs(e) } == true, "\(context) \(key): \(String(describing: a)) vs \(e)")
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
        let file = rrFile("polar_h10_pvc_600s.txt")
        let result = try await ClientProcess.run(["analyze", file, "--per-beat", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        // The reference fed analyze's own flags (every beat's, from --beats).
        let beats = try await ClientProcess.run(["analyze", file, "--beats", "--json"]).stdout.split(separator: "\n")
        let flags = try beats.map { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["nn"] as! Bool }
        let reference = try referenceStream(file, flags: flags)
        try #require(lines.count == reference.count)
        for (a, e) in zip(lines, reference) {
            let actual = try JSONSerialization.jsonObject(with: Data(a.utf8)) as! [String: Any]
            let ref = try JSONSerialization.jsonObject(with: Data(e.utf8)) as! [String: Any]
            #expect(Set(actual.keys) == Set(ref.keys))
            expectSameFigures(actual, ref, "beat \(ref["beat"]!)")
        }
    }

    private func referenceStream(_ file: String, flags: [Bool]) throws -> [Substring] {
        let mask = try temporaryFile(flags.map { $0 ? "1" : "0" }.joined(separator: "\n"))
        defer { try? FileManager.default.removeItem(atPath: mask) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestPaths.shared.appendingPathComponent("reference/hrv_reference.py").path, "stream", file, "--nn", mask]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "hrv_reference.py (make deps)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
    }

    /// `--beats --json`: every beat with its NN flag and, for artifacts, the kind; the flags are the
    /// classifier's (systole's kinds, both halves of an extra beat), offline with centred windows.
    @Test func beatsJSONGivesEveryBeatItsFlagAndKind() async throws {
        let result = try await ClientProcess.run(["analyze", rrFile("polar_h10_pvc_600s.txt"), "--beats", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let beats = try result.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let flags = try String(contentsOf: expected("polar_h10_pvc_600s.flags.txt"), encoding: .utf8).split(separator: "\n").map { $0 == "1" }
        try #require(beats.count == flags.count)
        let kinds: Set<String> = ["ectopic", "long", "short", "missed", "extra", "implausible"]
        for (beat, flag) in zip(beats, flags) {
            #expect(beat["nn"] as? Bool == flag)
            if flag { #expect(beat["artifact"] == nil) } else { #expect(kinds.contains(beat["artifact"] as? String ?? "none")) }
        }
        let live = try await ClientProcess.run(["analyze", rrFile("polar_h10_pvc_600s.txt"), "--beats", "--json", "--live"])
        #expect(live.status == 0 && live.stdout.split(separator: "\n").count == flags.count)
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

    /// Line endings of every system, a byte-order mark and no final newline: the same beats and
    /// figures as the plain file, for RR files (`analyze`) and waveforms (`analyze --format ecg`).
    @Test(arguments: ["\n", "\r\n", "\r"], [false, true])
    func anyLineEndingByteOrderMarkAndMissingFinalNewlineReadTheSame(ending: String, bom: Bool) async throws {
        for (source, arguments) in [
            (rrFile("nsr_5min.txt"), ["--json"]),
            (rrFile("polar_h10_slow_breathing_600s.csv"), ["--beats", "--json"]),
            (TestPaths.shared.appendingPathComponent("data/ecg/biosppy_ecg_1000hz.txt").path, ["--format", "ecg", "--sample-rate", "1000", "--beats", "--json"]),
        ] {
            let plain = try await ClientProcess.run(["analyze", source] + arguments)
            #expect(plain.status == 0, "\(plain.stderr)")
            let lines = try String(contentsOfFile: source, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
            for finalNewline in [true, false] {
                var text = lines.joined(separator: ending).trimmingCharacters(in: .newlines)
                if finalNewline { text += ending }
                if bom { text = "\u{FEFF}" + text }
                let converted = try temporaryFile(text)
                defer { try? FileManager.default.removeItem(atPath: converted) }
                let result = try await ClientProcess.run(["analyze", converted] + arguments)
                let what = "\(source) with \(ending.debugDescription) endings, BOM \(bom), final newline \(finalNewline)"
                #expect(result.status == 0, "\(what): \(result.stderr)")
                #expect(result.stdout == plain.stdout, "\(what): not the same output")
            }
        }
    }

    @Test func levelOutOfRangeNamesTheAcceptedRange() async throws {
        let result = try await ClientProcess.run(["analyze", rrFile("nsr_5min.txt"), "--level", "5"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--level must be between 1 and 4"))
    }
}
