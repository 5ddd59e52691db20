import Foundation
import HRV
import Numerics
import Testing

/// Beats of a heart whose rate is a known function of time: each RR is 60000 / HR at the beat
/// that ends it (a few fixed-point steps), which is where analysis places it.
func beats(seconds: Double, heartRateBPM: (Double) -> Double) -> [Double] {
    var t = 0.0
    var rrs: [Double] = []
    while t < seconds {
        var rr = 60000 / heartRateBPM(t)
        for _ in 0..<6 { rr = 60000 / heartRateBPM(t + rr / 1000) }
        rrs.append(rr)
        t += rr / 1000
    }
    return rrs
}

func engineUpdates(_ rrs: [Double]) -> [BeatUpdate] {
    var engine = HRVEngine()
    return engine.stream(rrs)
}

@Suite struct ResonanceFiguresTests {
    /// A pure sine RSA at the pacer rate: each cycle's swing is 2 × amplitude, less the distance
    /// of the nearest beat from the crest and the trough. At 65 bpm a beat is within 0.46 s of
    /// each; over a 10 s cycle that costs at most 1 - cos(2π · 0.046) = 4.2 % of the amplitude, so
    /// the tolerance is 5 % of 2 × amplitude, and it may never exceed 2 × amplitude.
    @Test(arguments: [6.0, 5.5, 4.5])
    func pureSinePeakToTroughIsTwiceTheAmplitude(rate: Double) throws {
        let amplitude = 6.0
        let rrs = beats(seconds: 300) { 65 + amplitude * sin(2 * Double.pi * rate / 60 * $0) }
        let figures = ResonanceFigures(updates: engineUpdates(rrs), breathingRatePerMinute: rate)
        let swing = try #require(figures.peakToTroughBPM)
        print("pure sine at \(rate)/min, amplitude \(amplitude) bpm: peak-to-trough \(swing) bpm over \(figures.cycleCount) cycles")
        #expect(swing.isApproximatelyEqual(to: 2 * amplitude, relativeTolerance: 0.05))
        #expect(swing <= 2 * amplitude + 1e-9)
        // 300 s less the 30 s of settling and the cycle cut at the end.
        #expect(figures.cycleCount == Int(((300 - 30) * rate / 60).rounded(.down)) - 1
            || figures.cycleCount == Int(((300 - 30) * rate / 60).rounded(.down)))
    }

    @Test func cyclesWithFewerThanTwoNNBeatsAndArtifactsDoNotCount() throws {
        // Steady 60 bpm but for one artifact of each rule: the figure ignores them.
        var rrs = [Double](repeating: 1000, count: 200)
        rrs[100] = 2500
        // And a plausible but 30 % long interval (rule 2): counted, it would swing HR by 14 bpm.
        rrs[150] = 1300
        let figures = ResonanceFigures(updates: engineUpdates(rrs), breathingRatePerMinute: 6)
        #expect(try #require(figures.peakToTroughBPM) == 0)
        // At 40/min, a 1.5 s cycle holds one or two beats of a 1000 ms heart: only those with two count.
        let fast = ResonanceFigures(updates: engineUpdates([Double](repeating: 1000, count: 200)), breathingRatePerMinute: 40)
        #expect(fast.cycleCount > 0 && fast.cycleCount < 120)
    }

    @Test func theFirstThirtySecondsAreDiscarded() throws {
        // A huge swing in the first 30 s only; afterwards a steady heart.
        let rrs = beats(seconds: 200) { $0 < 29 ? 65 + 20 * sin(2 * Double.pi * 0.1 * $0) : 65 }
        let figures = ResonanceFigures(updates: engineUpdates(rrs), breathingRatePerMinute: 6)
        #expect(try #require(figures.peakToTroughBPM) < 1e-6)
    }

    /// An RR sine exactly on a Welch bin (0.09375 Hz = 5.625/min, bin 6 of 0.015625 Hz): the
    /// periodic Hann puts 2/3 of the power a²/2 in that bin and 1/6 in each neighbour, which lie
    /// 0.0156 Hz away, outside ±0.015 Hz. Tolerance 2 %: the spline through beats is not the sine.
    @Test func lfPowerAtThePacerIsTheSinesShareInTheBand() throws {
        let rate = 5.625, amplitudeMs = 40.0
        var t = 0.0
        var rrs: [Double] = []
        while t < 330 {
            var rr = 900.0
            for _ in 0..<6 { rr = 900 + amplitudeMs * sin(2 * Double.pi * rate / 60 * (t + rr / 1000)) }
            rrs.append(rr)
            t += rr / 1000
        }
        let figures = ResonanceFigures(updates: engineUpdates(rrs), breathingRatePerMinute: rate)
        let power = try #require(figures.lfPowerAtPacerMs2)
        print("LF power at pacer: \(power) ms² (expected \(amplitudeMs * amplitudeMs / 3))")
        #expect(power.isApproximatelyEqual(to: amplitudeMs * amplitudeMs / 2 * 2 / 3, relativeTolerance: 0.02))
        // Off the pacer frequency there is almost nothing.
        let elsewhere = ResonanceFigures(updates: engineUpdates(rrs), breathingRatePerMinute: 9)
        #expect(try #require(elsewhere.lfPowerAtPacerMs2) < 0.01 * power)
    }

    @Test func meanCoherenceScoreIsOverTheBeatsAfterSettling() throws {
        let rrs = beats(seconds: 240) { 65 + 5 * sin(2 * Double.pi * 0.1 * $0) + 2 * sin(2 * Double.pi * 0.27 * $0) }
        let updates = engineUpdates(rrs)
        let scores = updates.filter { $0.timeSeconds >= updates[0].timeSeconds + 30 }.compactMap { $0.coherence?.score }
        let figures = ResonanceFigures(updates: updates, breathingRatePerMinute: 6)
        let mean = try #require(figures.meanCoherenceScore)
        #expect(mean.isApproximatelyEqual(to: scores.reduce(0, +) / Double(scores.count), relativeTolerance: 1e-12))
        #expect(mean > 1)
    }

    @Test func tooShortARecordingHasNoFigures() {
        let figures = ResonanceFigures(updates: engineUpdates([Double](repeating: 900, count: 30)), breathingRatePerMinute: 6)
        #expect(figures.peakToTroughBPM == nil && figures.cycleCount == 0)
        #expect(figures.meanCoherenceScore == nil && figures.synchrony == nil)
    }
}

@Suite struct ResonanceChoiceTests {
    private func step(_ rate: Double, _ swing: Double?, _ power: Double?) -> ResonanceFigures {
        ResonanceFigures(breathingRatePerMinute: rate, peakToTroughBPM: swing, cycleCount: 10, lfPowerAtPacerMs2: power, meanCoherenceScore: nil)
    }

    @Test func largestPeakToTroughWins() {
        #expect(ResonanceChoice.choose([step(6.5, 10, 900), step(6, 14, 100), step(5.5, 12, 2000)]) == 1)
    }

    @Test func withinFivePercentTheLFPowerDecides() {
        // 13.4 is within 5 % of 14 (>= 13.3): tied, and its LF power is larger.
        #expect(ResonanceChoice.choose([step(6.5, 10, 900), step(6, 14, 100), step(5.5, 13.4, 2000)]) == 2)
        // 13.2 is not within 5 %: the largest swing wins whatever the power.
        #expect(ResonanceChoice.choose([step(6.5, 10, 900), step(6, 14, 100), step(5.5, 13.2, 2000)]) == 1)
        // 4 % below is tied; equal power keeps the larger swing.
        #expect(ResonanceChoice.choose([step(6, 20, 100), step(5, 19.2, 101)]) == 1)
        #expect(ResonanceChoice.choose([step(6, 20, 100), step(5, 19.2, 100)]) == 0)
    }

    @Test func stepsWithoutFiguresAreSkipped() {
        #expect(ResonanceChoice.choose([]) == nil)
        #expect(ResonanceChoice.choose([step(6, nil, 100)]) == nil)
        #expect(ResonanceChoice.choose([step(6, nil, 5000), step(5, 8, nil), step(4.5, 8.1, nil)]) == 2)
        #expect(ResonanceChoice.choose([step(6, 8, nil), step(5, 8.1, 1)]) == 1)
    }
}
