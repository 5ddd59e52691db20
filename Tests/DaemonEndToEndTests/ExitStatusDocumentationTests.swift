import BreathTestSupport
import Foundation
import Testing

/// breathd(8) and breathctl(1) list, in EXIT STATUS, exactly the statuses each program's code can
/// exit with. The pages print each program's `ExitStatusManual` (`--print-exit-status-manual`,
/// scripts/make-man); here that list is compared with the exit sites found in the sources that
/// go into the program. An exit site names an `ExitStatus` (a bare number would escape this check).
/// scripts/check-man checks that the generated pages carry the list.
@Suite struct ExitStatusDocumentationTests {
    /// The source directories whose code runs in each program (benchmarks and test helpers aside).
    private static let breathdOnly = ["breathd", "BreathDaemon"]
    private static let breathctlOnly = ["breathctl", "BreathctlCore", "BreathClient", "SessionReport", "SVGRendering", "DesktopNotifications"]
    private static let notLinked = ["breathbench", "breathbench-grdb-floor", "synthbench", "breathd-history-writer"]

    private static var sources: URL { TestPaths.repositoryRoot.appendingPathComponent("Sources") }

    private static func swiftFiles(in directories: [String]) throws -> [(path: String, text: String)] {
        try directories.flatMap { directory -> [(path: String, text: String)] in
            let root = sources.appendingPathComponent(directory)
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
            return try walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }.map {
                ("\(directory)/\($0.lastPathComponent)", try String(contentsOf: $0, encoding: .utf8))
            }
        }
    }

    private static func shared() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sources.path).filter {
            !breathdOnly.contains($0) && !breathctlOnly.contains($0) && !notLinked.contains($0)
        }
    }

    private static func matches(_ pattern: String, in text: String) -> [[String]] {
        let expression = try! NSRegularExpression(pattern: pattern)
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
            (0..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
        }
    }

    /// The statuses the code names at its exit sites, by sysexits value.
    private static func statusesUsed(in files: [(path: String, text: String)]) -> Set<Int32> {
        let named: [String: Int32] = [
            "success": 0, "failure": 1, "usage": 64, "unavailable": 69, "configuration": 78, "killedBySignal": 128, "onSignal": 128,
        ]
        var used: Set<Int32> = []
        for file in files where file.path != "SystemCalls/ExitStatus.swift" {
            for match in matches(#"\bExitStatus\.(\w+)"#, in: file.text) { used.insert(named[match[1]] ?? -1) }
            if file.text.contains("ConfigurationError.exitStatus") { used.insert(78) }
            for match in matches(#"\bExitCode\.(success|failure|validationFailure)\b"#, in: file.text) {
                used.insert(["success": 0, "failure": 1, "validationFailure": 64][match[1]]!)
            }
        }
        return used
    }

    /// The statuses a program's manual page lists (`.It Sy 78`; `128+n` as 128).
    private static func documented(by program: String) throws -> Set<Int32> {
        let result = try ChildProcess.run(TestPaths.binary(program), ["--print-exit-status-manual"])
        #expect(result.status == 0, "\(program) --print-exit-status-manual: \(result.stderr)")
        return Set(matches(#"(?m)^\.It Sy (\d+)"#, in: result.stdout).compactMap { Int32($0[1]) })
    }

    @Test func noExitSiteUsesABareNumber() throws {
        let files = try Self.swiftFiles(in: Self.breathdOnly + Self.breathctlOnly + Self.shared())
        let bare = files.flatMap { file in
            Self.matches(#"(?:exitCode:\s*|exitCode\s*==\s*|ExitCode\(\s*|\bexit\(\s*)\d+[^\n]*"#, in: file.text).map { "\(file.path): \($0[0])" }
        }
        #expect(bare.isEmpty, "exit statuses named by number, out of reach of the manual pages' list:\n\(bare.joined(separator: "\n"))")
    }

    /// Every status the code exits with is documented, and nothing else is; 0 and 64 come from
    /// swift-argument-parser itself (success, and its usage errors), so they are always possible.
    @Test(arguments: ["breathd", "breathctl"]) func pageListsTheStatusesTheCodeUses(program: String) throws {
        let own = program == "breathd" ? Self.breathdOnly : Self.breathctlOnly
        let used = Self.statusesUsed(in: try Self.swiftFiles(in: own + Self.shared())).union([0, 64])
        #expect(!used.contains(-1), "an ExitStatus member this test does not know")
        let documented = try Self.documented(by: program)
        #expect(documented == used, "\(program): documented \(documented.sorted()), used \(used.sorted())")
    }
}
