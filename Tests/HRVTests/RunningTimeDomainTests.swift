import HRV
import Testing

/// The running time-domain figures (constant memory, one beat at a time: how the daemon
/// summarises an 8-hour session) against the batch over the same beats.
@Suite struct RunningTimeDomainTests {
    @Test(arguments: ["nsr_60min", "healthy_holter_21h", "polar_h10_pvc_600s"])
    func runningFiguresEqualTheBatchOnes(name: String) throws {
        let rr = try ArtifactFixtures.rr(name)
        // The batch classifier's NN flags: artifacts break the successive differences.
        let isNN = LipponenTarvainen.classify(rrMilliseconds: rr).enumerated().map { index, kind in
            kind == nil && LipponenTarvainen.plausibleMilliseconds.contains(rr[index])
        }
        var running = RunningTimeDomain()
        for (value, flag) in zip(rr, isNN) { running.add(rrMilliseconds: value, isNN: flag) }
        let batch = TimeDomainMetrics(rrMilliseconds: rr, isNN: isNN)
        let metrics = running.metrics
        #expect(metrics.nnCount == batch.nnCount && metrics.artifactCount == batch.artifactCount)
        #expect(batch.artifactCount > 0 || name == "nsr_60min", "the recording exercises the NN-pair rule")
        expectClose(metrics.meanNNMilliseconds, batch.meanNNMilliseconds, relative: Tolerance.timeDomain, "\(name) mean NN")
        expectClose(metrics.meanHeartRateBPM, batch.meanHeartRateBPM, relative: Tolerance.timeDomain, "\(name) mean HR")
        expectClose(metrics.sdnnMilliseconds, batch.sdnnMilliseconds, relative: Tolerance.timeDomain, "\(name) SDNN")
        expectClose(metrics.rmssdMilliseconds, batch.rmssdMilliseconds, relative: Tolerance.timeDomain, "\(name) RMSSD")
        expectClose(metrics.pnn50Percent, batch.pnn50Percent, relative: Tolerance.timeDomain, "\(name) pNN50")
    }

    @Test func emptyAndSingleBeatSeriesLeaveWhatTheyCannotDefineAbsent() {
        var running = RunningTimeDomain()
        #expect(running.metrics == TimeDomainMetrics(rrMilliseconds: [], isNN: []))
        running.add(rrMilliseconds: 900, isNN: false)
        #expect(running.metrics == TimeDomainMetrics(rrMilliseconds: [900], isNN: [false]))
        running.add(rrMilliseconds: 1000, isNN: true)
        #expect(running.metrics == TimeDomainMetrics(rrMilliseconds: [900, 1000], isNN: [false, true]))
    }
}
