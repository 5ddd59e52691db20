import HRV
import Testing

/// Nonsense in, no crash and no NaN out: artifacts, or "not enough data".
@Suite struct BadInputTests {
    private func expectNoNaN(_ u: BeatUpdate, sourceLocation: SourceLocation = #_sourceLocation) {
        let w = u.window
        let values: [Double?] = [
            u.timeSeconds, u.rrMilliseconds, w?.meanNNMilliseconds, w?.meanHeartRateBPM, w?.sdnnMilliseconds,
            w?.rmssdMilliseconds, w?.pnn50Percent, u.coherence?.score, u.coherence?.peakFrequencyHz,
            u.coherence?.peakPowerMs2, u.coherence?.totalPowerMs2,
        ]
        for case let v? in values { #expect(!v.isNaN, sourceLocation: sourceLocation) }
        if let ratio = u.coherence?.ratio { #expect(!ratio.isNaN, sourceLocation: sourceLocation) }
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, 0, -1, -.greatestFiniteMagnitude])
    func valuesThatCannotBeBeatsAreRejectedAndChangeNothing(_ value: Double) throws {
        var engine = HRVEngine()
        _ = engine.add(rrMilliseconds: 800)
        #expect(engine.add(rrMilliseconds: value) == .rejected)
        let next = try engine.beat(800)
        #expect(next.beatIndex == 1 && next.timeSeconds == 1.6)
    }

    @Test func absurdlyLargeValuesAreArtifactsOrRejected() throws {
        var engine = HRVEngine()
        for _ in 0..<100 { _ = engine.add(rrMilliseconds: 800) }
        #expect(engine.add(rrMilliseconds: 1e300) == .rejected, "beyond any real interval")
        let huge = try engine.beat(500_000)
        #expect(!huge.isNN)
        expectNoNaN(huge)
        #expect(huge.window?.nnCount == 0 && huge.window?.meanNNMilliseconds == nil)
        #expect(huge.coherence == nil)
        for _ in 0..<100 { expectNoNaN(try engine.beat(800)) }
    }

    @Test func nothingAndOneBeatAreNotEnoughData() throws {
        var summary = RecordingSummary()
        #expect(summary.frequencyDomain == nil)
        #expect(summary.meanCoherenceScore == nil)
        #expect(summary.timeDomain == .empty)
        var engine = HRVEngine()
        let only = try engine.beat(900)
        summary.add(only)
        #expect(only.window == nil && only.coherence == nil)
        #expect(summary.timeDomain.sdnnMilliseconds == nil && summary.timeDomain.rmssdMilliseconds == nil)
        #expect(summary.timeDomain.meanNNMilliseconds == 900)
        #expect(summary.frequencyDomain == nil)
    }

    @Test func aPerfectlyRegularHeartHasNoNaN() throws {
        // Constant RR: zero spectral power. The reference reports an infinite ratio, score 16.
        var engine = HRVEngine()
        var last: BeatUpdate?
        for _ in 0..<200 { last = engine.add(rrMilliseconds: 1000).update ?? last }
        let u = try #require(last)
        expectNoNaN(u)
        #expect(u.window?.sdnnMilliseconds == 0 && u.window?.rmssdMilliseconds == 0)
        #expect(u.coherence?.score == 16)
    }

    @Test func garbageBurstsKeepTheWindowBounded() throws {
        // Thousands of 1-ms "beats" inside one window: the ring keeps its fixed capacity.
        var engine = HRVEngine()
        for _ in 0..<100 { _ = try engine.beat(800) }
        for i in 0..<5000 {
            let u = try engine.beat(1)
            if i % 500 == 0 { expectNoNaN(u) }
        }
        #expect(engine.windowBeatCount == engine.configuration.maximumBeatsInWindow)
        for _ in 0..<200 { expectNoNaN(try engine.beat(800)) }
        #expect(engine.windowBeatCount < 100)
    }

    @Test func everyKindOfNonsenseInOneStream() throws {
        var engine = HRVEngine()
        var summary = RecordingSummary()
        let values: [Double] = [.nan, 0, -5, 1e-9, 5e6, 750, .infinity, 299, 2001, 760, 1e300, 740] + (0..<150).map { 700 + Double($0 % 7) * 20 }
        for v in values {
            guard let u = engine.add(rrMilliseconds: v).update else { continue }
            expectNoNaN(u)
            summary.add(u)
        }
        let td = summary.timeDomain
        for case let v? in [td.meanNNMilliseconds, td.sdnnMilliseconds, td.rmssdMilliseconds, td.pnn50Percent] {
            #expect(v.isFinite)
        }
        if let fd = summary.frequencyDomain {
            for v in [fd.vlfMs2, fd.lfMs2, fd.hfMs2] { #expect(v.isFinite) }
        }
    }
}
