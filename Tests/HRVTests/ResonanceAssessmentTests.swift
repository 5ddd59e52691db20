import HRV
import Sensor
import Testing

/// The stepped assessment, offline, with a simulated heart that resonates at one rate.
@Suite struct ResonanceAssessmentTests {
    static let rates = [6.5, 6.0, 5.5, 5.0, 4.5]

    static func step(rate: Double, resonance: Double, seed: UInt64) -> ResonanceFigures {
        var settings = BreathFollowingHeart.Configuration()
        settings.resonanceRatePerMinute = resonance
        settings.noiseMilliseconds = 8
        settings.seed = seed
        let pacer = BreathCyclePosition.uniformPacer(ratePerMinute: rate, startSeconds: 0)
        var heart = BreathFollowingHeart(configuration: settings, pacerRatePerMinute: rate, pacer: pacer)
        var engine = HRVEngine()
        var updates: [BeatUpdate] = []
        var t = 0.0
        // Two minutes a rate, as `breathctl assess` runs it by default; the first 30 s are settling.
        while t < 120 {
            let rr = heart.nextRRMilliseconds()
            t += rr / 1000
            if let u = engine.add(rrMilliseconds: rr).update { updates.append(u) }
        }
        return ResonanceFigures(updates: updates, breathingRatePerMinute: rate, cycleStartSeconds: 0, breathPhase: pacer)
    }

    @Test(arguments: [6.5, 5.5, 5.0, 4.5])
    func theResonatingRateIsPicked(resonance: Double) throws {
        let steps = Self.rates.enumerated().map { Self.step(rate: $0.element, resonance: resonance, seed: UInt64(10 + $0.offset)) }
        for s in steps {
            print("resonance \(resonance): rate \(s.breathingRatePerMinute) peak-to-trough \(s.peakToTroughBPM ?? .nan) LF@pacer \(s.lfPowerAtPacerMs2 ?? .nan) synchrony \(s.synchrony ?? .nan)")
        }
        let chosen = try #require(ResonanceChoice.choose(steps))
        #expect(Self.rates[chosen] == resonance)
        // The simulated amplitude at resonance is 8 bpm: a swing of about 16 bpm, less noise and sampling.
        let swing = try #require(steps[chosen].peakToTroughBPM)
        #expect(swing > 12 && swing < 20)
        for s in steps { #expect(try #require(s.synchrony) > 0.8) }
    }
}
