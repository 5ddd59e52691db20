import Foundation
import HRV
import Testing

/// The independent anchor: RMSSD and SDNN equal NeuroKit2's `hrv_time` on an artifact-free
/// recording (the longest artifact-free stretch of the Polar H10 slow-breathing file).
@Suite struct NeuroKitAnchorTests {
    @Test func rmssdAndSDNNEqualNeuroKit2() throws {
        let all = try Fixtures.rr("polar_h10_slow_breathing_600s.csv")
        let flags = LipponenTarvainen.classify(rrMilliseconds: all).map { $0 == nil }
        var best = 0..<0
        var start = 0
        for i in 0...flags.count where i == flags.count || !flags[i] {
            if i - start > best.count { best = start..<i }
            start = i + 1
        }
        let stretch = Array(all[best])
        try #require(stretch.count >= 150, "an artifact-free stretch of at least 150 beats")

        var engine = HRVEngine()
        var summary = RecordingSummary()
        for rr in stretch { summary.add(try engine.beat(rr)) }
        let td = summary.timeDomain
        try #require(td.artifactCount == 0, "the stretch must be artifact-free on its own too")

        let nk = try neuroKitTime(rrMilliseconds: stretch)
        let rmssd = try #require(td.rmssdMilliseconds), sdnn = try #require(td.sdnnMilliseconds)
        #expect(rmssd.isApproximatelyEqual(to: nk.rmssd, relativeTolerance: Tolerance.timeDomain), "RMSSD \(rmssd) vs NeuroKit2 \(nk.rmssd)")
        #expect(sdnn.isApproximatelyEqual(to: nk.sdnn, relativeTolerance: Tolerance.timeDomain), "SDNN \(sdnn) vs NeuroKit2 \(nk.sdnn)")
    }

    /// Runs NeuroKit2 on the same intervals: R peaks at 1000 Hz from the integer-ms intervals.
    private func neuroKitTime(rrMilliseconds rr: [Double]) throws -> (rmssd: Double, sdnn: Double) {
        let script = """
            import json, sys
            import numpy as np
            import neurokit2 as nk
            rr = np.array(json.load(sys.stdin), dtype=float)
            peaks = np.concatenate([[0], np.cumsum(rr)]).astype(int)
            t = nk.hrv_time(peaks, sampling_rate=1000)
            print(json.dumps([float(t["HRV_RMSSD"].iloc[0]), float(t["HRV_SDNN"].iloc[0])]))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: rr))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "NeuroKit2 failed (make deps installs it): \(message)")
        let values = try JSONSerialization.jsonObject(with: data) as! [Double]
        return (values[0], values[1])
    }
}
