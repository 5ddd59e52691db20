import BreathProtocol
import Foundation
import HRV
import Sensor
import Testing

/// "Following the pacer" on the model person: synchrony and phase together (issue 13, item 4).
/// The live status measures each 64 s window against the pacer's clock; so do these tests.
@Suite struct FollowingRuleTests {
    /// The verdicts of the windows ending every 10 s from 64 s on, for a person whose breathing
    /// follows `breathed` while the status compares with `pacer` (both at `rate` per minute).
    static func verdicts(
        rate: Double, pacerStartSeconds: Double = 0, breathedStartSeconds: Double = 0, seconds: Double = 300,
        _ configure: (inout BreathFollowingHeart.Configuration) -> Void = { _ in }
    ) -> [(verdict: PacerFollowing, synchrony: Double, phase: Double?)] {
        var settings = BreathFollowingHeart.Configuration()
        configure(&settings)
        let breathed = BreathCyclePosition.uniformPacer(ratePerMinute: rate, startSeconds: breathedStartSeconds)
        let pacer = BreathCyclePosition.uniformPacer(ratePerMinute: rate, startSeconds: pacerStartSeconds)
        var heart = BreathFollowingHeart(configuration: settings, pacerRatePerMinute: rate, pacer: breathed)
        var engine = HRVEngine()
        var times: [Double] = [], rrs: [Double] = []
        while (times.last ?? 0) < seconds {
            guard let u = engine.add(rrMilliseconds: heart.nextRRMilliseconds()).update, u.isNN else { continue }
            times.append(u.timeSeconds)
            rrs.append(u.rrMilliseconds)
        }
        var synchrony = BreathHeartSynchrony()
        return stride(from: 64.0, through: times.last!, by: 10).compactMap { end in
            synchrony.measure(timesSeconds: times, rrMilliseconds: rrs, endSeconds: end, pacerFrequencyHz: rate / 60, breathPhase: pacer)
        }.map { (PacerFollowing(synchrony: $0.coherence, phaseDegrees: $0.phaseDegrees), $0.coherence, $0.phaseDegrees) }
    }

    static func share(_ verdicts: [(verdict: PacerFollowing, synchrony: Double, phase: Double?)], _ answer: PacerFollowing) -> Double {
        Double(verdicts.count { $0.verdict == answer }) / Double(verdicts.count)
    }

    static func describe(_ verdicts: [(verdict: PacerFollowing, synchrony: Double, phase: Double?)]) -> String {
        verdicts.map { "\($0.verdict) \(Int(($0.synchrony * 100).rounded()))% \($0.phase.map { "\(Int($0.rounded()))°" } ?? "-")" }
            .joined(separator: ", ")
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func breathingWithThePacerIsFollowing(seed: UInt64) {
        // The realistic person at their resonance: jitter, a missed breath now and then, wander.
        let verdicts = Self.verdicts(rate: 6) {
            $0.resonanceRatePerMinute = 6
            $0.seed = seed
        }
        print("with the pacer, seed \(seed): \(Self.describe(verdicts))")
        // A missed breath (3 % of cycles) drops the synchrony of the windows that hold it.
        #expect(Self.share(verdicts, .yes) >= 0.6, "\(Self.describe(verdicts))")
        #expect(Self.share(verdicts, .no) <= 0.2, "\(Self.describe(verdicts))")
        // "no" only ever for a low synchrony, never for the phase.
        #expect(verdicts.allSatisfy { $0.verdict != .no || $0.synchrony < PacerFollowing.notFollowingBelowSynchrony })
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func breathingAgainstThePacerIsNotFollowing(seed: UInt64) {
        // Breathing in on the pacer's exhale: the person's breath runs half a cycle (5 s at 6/min)
        // from the pacer's. Synchrony alone would say "yes"; the phase, near 180°, says no.
        let verdicts = Self.verdicts(rate: 6, breathedStartSeconds: 5) {
            $0.resonanceRatePerMinute = 6
            $0.seed = seed
        }
        print("against the pacer, seed \(seed): \(Self.describe(verdicts))")
        #expect(verdicts.count { $0.synchrony > PacerFollowing.followingAboveSynchrony } * 2 > verdicts.count, "as synchronous as following")
        #expect(Self.share(verdicts, .yes) == 0, "\(Self.describe(verdicts))")
        #expect(Self.share(verdicts, .no) >= 0.9, "\(Self.describe(verdicts))")
    }

    /// Across the rates of an assessment the phase moves (HR leads below the resonance, lags
    /// above it) but stays inside the window: every rate a person follows reads "yes".
    @Test(arguments: [4.0, 4.5, 5.5, 6.5, 7.0])
    func thePhaseMovesWithTheRateButStaysInTheWindow(rate: Double) throws {
        let verdicts = Self.verdicts(rate: rate) { $0.seed = 7 }
        let phases = verdicts.compactMap(\.phase)
        let x = phases.map { cos($0 * .pi / 180) }.reduce(0, +), y = phases.map { sin($0 * .pi / 180) }.reduce(0, +)
        let mean = atan2(y, x) * 180 / .pi
        let model = BreathFollowingHeart.response(atRatePerMinute: rate, configuration: .init()).lagDegrees
        print("rate \(rate)/min against resonance 5.5: mean phase \(mean)° (model \(model)°): \(Self.describe(verdicts))")
        #expect(abs(mean - model) < 20, "measured \(mean)°, model \(model)°")
        if rate < 5.5 { #expect(mean < 0) } else if rate > 5.5 { #expect(mean > 0) }
        #expect(Self.share(verdicts, .yes) >= 0.5, "\(Self.describe(verdicts))")
        // Wherever the heart follows at all, its phase is in the window.
        #expect(verdicts.filter { $0.synchrony >= 0.5 }.allSatisfy { PacerFollowing.phaseInWindow($0.phase) })
    }

    /// The window's edges on a heart: lagging 60° follows, 120° does not, either sign.
    @Test(arguments: [60.0, -60, 120, -120])
    func aHeartLaggingOrLeadingTheBreath(lag: Double) {
        let verdicts = Self.verdicts(rate: 6) {
            $0.resonanceRatePerMinute = 6
            $0.lagDegrees = lag
            $0.seed = 11
        }
        print("lag \(lag)°: \(Self.describe(verdicts))")
        if abs(lag) < 90 {
            #expect(Self.share(verdicts, .yes) >= 0.75, "\(Self.describe(verdicts))")
        } else {
            #expect(Self.share(verdicts, .yes) == 0 && Self.share(verdicts, .no) >= 0.9, "\(Self.describe(verdicts))")
        }
    }
}
