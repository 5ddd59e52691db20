import HRV
import Numerics
import Sensor
import Testing

/// The breath-following simulated heart itself: what the synchrony and assessment tests rely on.
@Suite struct BreathFollowingHeartTests {
    static func rrs(_ settings: BreathFollowingHeart.Configuration, rate: Double = 6, seconds: Double = 600) -> [Double] {
        var heart = BreathFollowingHeart(
            configuration: settings, pacerRatePerMinute: rate, pacer: BreathCyclePosition.uniformPacer(ratePerMinute: rate, startSeconds: 0))
        var t = 0.0
        var out: [Double] = []
        while t < seconds {
            out.append(heart.nextRRMilliseconds())
            t += out.last! / 1000
        }
        return out
    }

    @Test func deterministicForASeedAndCentredOnTheMeanRate() {
        var settings = BreathFollowingHeart.Configuration()
        settings.noiseMilliseconds = 10
        let a = Self.rrs(settings), b = Self.rrs(settings)
        #expect(a == b)
        settings.seed = 2
        #expect(Self.rrs(settings) != a)
        // Mean HR over whole cycles: 65 bpm within 1 bpm (the RSA is symmetric in HR, not in RR).
        let meanHR = a.map { 60000 / $0 }.reduce(0, +) / Double(a.count)
        #expect(meanHR.isApproximatelyEqual(to: 65, absoluteTolerance: 1))
    }

    @Test func amplitudePeaksAtTheResonanceRate() {
        var c = BreathFollowingHeart.Configuration()
        c.resonanceRatePerMinute = 5
        c.resonanceAmplitudeBPM = 8
        c.resonanceWidthPerMinute = 1
        #expect(BreathFollowingHeart.amplitudeBPM(atRatePerMinute: 5, configuration: c) == 8)
        #expect(BreathFollowingHeart.amplitudeBPM(atRatePerMinute: 6, configuration: c) == 4)
        #expect(BreathFollowingHeart.amplitudeBPM(atRatePerMinute: 4, configuration: c) == 4)
        // Noise-free: the HR swing over a recording is 2 × the amplitude at the pacer rate (within 3 %).
        c.noiseMilliseconds = 0
        for rate in [5.0, 6.0] {
            let hr = Self.rrs(c, rate: rate, seconds: 120).map { 60000 / $0 }
            let swing = hr.max()! - hr.min()!
            let expected = 2 * BreathFollowingHeart.amplitudeBPM(atRatePerMinute: rate, configuration: c)
            #expect(swing.isApproximatelyEqual(to: expected, relativeTolerance: 0.03), "rate \(rate): \(swing) vs \(expected)")
        }
    }

    @Test func complianceIsTheShareOfPacerCyclesFollowed() {
        // Not following and no own breathing: a flat heart in those cycles. Count the cycles of a
        // noise-free heart whose HR moves at all.
        var c = BreathFollowingHeart.Configuration()
        c.noiseMilliseconds = 0
        c.ownBreathingRatePerMinute = nil
        c.compliance = 0.6
        let rrs = Self.rrs(c, rate: 6, seconds: 3000)
        var t = 0.0
        var cycles: [Int: (low: Double, high: Double)] = [:]
        for rr in rrs {
            t += rr / 1000
            let cycle = Int(t / 10)
            let hr = 60000 / rr
            let now = cycles[cycle] ?? (hr, hr)
            cycles[cycle] = (min(now.low, hr), max(now.high, hr))
        }
        let moving = cycles.values.filter { $0.high - $0.low > 1 }.count
        let share = Double(moving) / Double(cycles.count)
        // 300 cycles drawn with p = 0.6: 3 standard deviations are 0.085.
        #expect(share.isApproximatelyEqual(to: 0.6, absoluteTolerance: 0.085), "share followed \(share)")
    }
}
