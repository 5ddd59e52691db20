import HRV
import Testing

/// Every beat of the three reference streams (`hrv_reference.py stream`), at the spec's tolerances.
@Suite struct ReferenceStreamTests {
    @Test(arguments: ["polar_h10_slow_breathing_600s", "polar_h10_pvc_600s", "nsr_5min"])
    func everyBeatMatchesTheReference(_ name: String) throws {
        let expected = try Fixtures.jsonLines("data/expected/\(name).stream.jsonl")
        var engine = HRVEngine()
        var reported: [BeatUpdate] = []
        for rr in try Fixtures.rr(Fixtures.recordings[name]!) {
            let update = try engine.beat(rr)
            if update.window != nil { reported.append(update) }
        }
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
            guard let c = engine.add(rrMilliseconds: rr)?.coherence else { continue }
            sawUpdate = true
            #expect(c.level == level.level(forScore: c.score))
        }
        #expect(sawUpdate)
    }
}
