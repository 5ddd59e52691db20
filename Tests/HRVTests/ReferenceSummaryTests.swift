import Foundation
import HRV
import Testing

/// Whole-recording figures, as `analyze` computes them (centred windows), against
/// `hrv_reference.py summary FILE --nn FLAGS` with the flags the rule gives
/// (`Tests/Fixtures/artifacts/NAME.summary.json`, made by `scripts/artifact_figures.py summaries`).
@Suite struct ReferenceSummaryTests {
    @Test(arguments: Fixtures.recordings.keys.sorted())
    func summaryMatchesTheReference(_ name: String) throws {
        let e = try JSONSerialization.jsonObject(
            with: Data(contentsOf: ArtifactFixtures.directory.appendingPathComponent("\(name).summary.json"))) as! [String: Any]
        let flags = try ArtifactFixtures.text("\(name).flags.txt").split(separator: "\n").map { $0 == "1" }
        var engine = HRVEngine()
        var summary = RecordingSummary()
        let rr = try Fixtures.rr(Fixtures.recordings[name]!)
        engine.addRecording(rrMilliseconds: rr) { summary.add($0!) }
        try #require(summary.isNN == flags, "the flags the reference was fed")
        #expect(summary.beatCount == e["beats"] as? Int)
        expectClose(summary.durationSeconds, e["duration_s"], relative: Tolerance.timeDomain, "duration_s")
        let td = summary.timeDomain
        #expect(td.nnCount == e["nn_count"] as? Int)
        #expect(td.artifactCount == e["artifact_count"] as? Int)
        expectClose(td.meanNNMilliseconds, e["mean_nn_ms"], relative: Tolerance.timeDomain, "mean_nn_ms")
        expectClose(td.meanHeartRateBPM, e["mean_hr_bpm"], relative: Tolerance.timeDomain, "mean_hr_bpm")
        expectClose(td.sdnnMilliseconds, e["sdnn_ms"], relative: Tolerance.timeDomain, "sdnn_ms")
        expectClose(td.rmssdMilliseconds, e["rmssd_ms"], relative: Tolerance.timeDomain, "rmssd_ms")
        expectClose(td.pnn50Percent, e["pnn50_percent"], relative: Tolerance.timeDomain, "pnn50_percent")
        let fd = try #require(summary.frequencyDomain)
        expectClose(fd.vlfMs2, e["vlf_ms2"], relative: Tolerance.spectral, "vlf_ms2")
        expectClose(fd.lfMs2, e["lf_ms2"], relative: Tolerance.spectral, "lf_ms2")
        expectClose(fd.hfMs2, e["hf_ms2"], relative: Tolerance.spectral, "hf_ms2")
        expectClose(fd.lfHFRatio, e["lf_hf"], relative: Tolerance.spectral, "lf_hf")
        expectClose(fd.lfNormalizedUnits, e["lf_nu"], relative: Tolerance.spectral, "lf_nu")
        expectClose(fd.lfPeakHz, e["lf_peak_hz"], relative: Tolerance.spectral, "lf_peak_hz")
        expectClose(summary.meanCoherenceScore, e["mean_coherence_score"], relative: Tolerance.spectral, "mean_coherence_score")
        #expect(summary.coherenceUpdates == e["coherence_updates"] as? Int)
    }
}
