import HRV
import Testing

/// Every beat of the live engine against `hrv_reference.py stream FILE --nn FLAGS`, fed the
/// engine's own live flags (3 beats of look-ahead), at the spec's tolerances: the classifier changed,
/// no metric's definition did.
@Suite struct ReferenceStreamTests {
    @Test(arguments: ["polar_h10_slow_breathing_600s", "polar_h10_pvc_600s", "nsr_5min"])
    func everyBeatMatchesTheReference(_ name: String) throws {
        let file = Fixtures.recordings[name]!
        var engine = HRVEngine()
        let updates = engine.stream(try Fixtures.rr(file))
        #expect(updates.map(\.beatIndex) == Array(updates.indices), "every beat reported once, in order")
        let expected = try ReferenceProcess.stream(rrFile: Fixtures.url("data/rr/\(file)"), flags: updates.map(\.isNN))
        let reported = updates.filter { $0.window != nil }
        try #require(reported.count == expected.count, "one update per reference line")
        for (u, e) in zip(reported, expected) {
            let beat = "\(name) beat \(u.beatIndex)"
            #expect(u.beatIndex == e["beat"] as? Int)
            #expect(u.isNN == e["nn"] as? Bool, "\(beat): NN classification")
            #expect(abs(u.timeSeconds - (e["t"] as! Double)) < 5e-7, "\(beat): time")
            #expect(u.rrMilliseconds == e["rr_ms"] as? Double)
            let w = try #require(u.window)
            #expect(w.nnCount == e["nn_count"] as? Int, "\(beat): nn_count")
            #expect(w.artifactCount == e["artifact_count"] as? Int, "\(beat): artifact_count")
            expectClose(w.meanNNMilliseconds, e["mean_nn_ms"], relative: Tolerance.timeDomain, "\(beat) mean_nn_ms")
            expectClose(w.meanHeartRateBPM, e["mean_hr_bpm"], relative: Tolerance.timeDomain, "\(beat) mean_hr_bpm")
            expectClose(w.sdnnMilliseconds, e["sdnn_ms"], relative: Tolerance.timeDomain, "\(beat) sdnn_ms")
            expectClose(w.rmssdMilliseconds, e["rmssd_ms"], relative: Tolerance.timeDomain, "\(beat) rmssd_ms")
            expectClose(w.pnn50Percent, e["pnn50_percent"], relative: Tolerance.timeDomain, "\(beat) pnn50_percent")
            let c = try #require(u.coherence, "\(beat): coherence")
            expectClose(c.ratio, e["coherence_ratio"], relative: Tolerance.spectral, "\(beat) coherence_ratio")
            expectClose(c.score, e["coherence_score"], relative: Tolerance.spectral, "\(beat) coherence_score")
            #expect(c.level.rawValue == e["coherence_level"] as? String, "\(beat): coherence level")
            expectClose(c.peakFrequencyHz, e["peak_frequency_hz"], relative: Tolerance.spectral, "\(beat) peak_frequency_hz")
            expectClose(c.peakPowerMs2, e["peak_power_ms2"], relative: Tolerance.spectral, "\(beat) peak_power_ms2")
            expectClose(c.totalPowerMs2, e["total_power_ms2"], relative: Tolerance.spectral, "\(beat) total_power_ms2")
        }
    }

    @Test(arguments: ChallengeLevel.allCases)
    func challengeLevelsOnlyMoveTheThresholds(_ level: ChallengeLevel) throws {
        var engine = HRVEngine(configuration: .init(challengeLevel: level))
        var sawUpdate = false
        for rr in try Fixtures.rr("polar_h10_slow_breathing_600s.csv") {
            guard let c = engine.add(rrMilliseconds: rr).update?.coherence else { continue }
            sawUpdate = true
            #expect(c.level == level.level(forScore: c.score))
        }
        #expect(sawUpdate)
    }
}
