import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

// What the benchmarks share: where the built products are, a scratch directory, the shared data
// folder, the NeuroKit2 anchors and the figures' printing.

enum BenchmarkFiles {
    /// The folder of this executable: `swift build -c release` puts breathd, breathctl and the
    /// other products beside it.
    static var binaries: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The path of `product` beside this executable, or a failure saying how to build it.
    static func executable(_ product: String) throws -> String {
        let path = binaries.appendingPathComponent(product).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError("\(path) is missing: build it (swift build -c release --product \(product)).")
        }
        return path
    }

    /// A new directory `breathd-NAME-PID` in the temporary directory; the caller removes it.
    static func scratchDirectory(_ name: String) throws -> URL {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("breathd-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

/// `--shared`: the team's shared folder with the recordings (data/) and reference outputs.
struct SharedFolder: ParsableArguments {
    @Option(name: .customLong("shared"), help: "The shared folder holding data/ and reference/.")
    var path = "../shared"
}

/// The NeuroKit2 anchors: scripts/bench_neurokit*.py, run by python3, print one JSON object.
enum NeuroKitAnchor {
    static let failure = ValidationError("The NeuroKit2 benchmark failed; `make deps` installs NeuroKit2.")

    /// Runs scripts/`script` with `arguments`; its JSON object, or `failure`.
    static func run(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/\(script)").standardized.path
        process.arguments = ["python3", path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw failure
        }
        return json
    }
}

func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p + 0.5))]
}

func format(_ value: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

func megabytes(_ kilobytes: Int) -> String { format(Double(kilobytes) / 1024, digits: 1) }

/// A field of this process's /proc status in kB (VmRSS: resident now, VmHWM: peak resident).
func residentKilobytes(_ field: String) -> Int { kilobytes(field, getpid()) }
