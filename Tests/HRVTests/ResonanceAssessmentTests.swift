import HRV
import Sensor
import Testing

/// The stepped assessment, offline, with a simulated heart that resonates at one rate.
@Suite struct ResonanceAssessmentTests {
    static let rates = [6.5, 6.0, 5.5, 5.0, 4.5]

    static func step(rate: Double, settings: BreathFollowingHeart.Configuration, seconds: Double = 120) -> ResonanceFigures {
        let pacer = BreathCyclePosition.uniformPacer(ratePerMinute: rate, startSeconds: 0)
        var heart = BreathFollowingHeart(configuration: settings, pacerRatePerMinute: rate, pacer: pacer)
        var engine = HRVEngine()
        var updates: [BeatUpdate] = []
        var t = 0.0
        // Two minutes a rate, as `breathctl assess` runs it by default; the first 30 s are settling.
        while t < seconds {
            let rr = heart.nextRRMilliseconds()
            t += rr / 1000
            if let u = engine.add(rrMilliseconds: rr).update { updates.append(u) }
        }
        return ResonanceFigures(updates: updates, breathingRatePerMinute: rate, cycleStartSeconds: 0, breathPhase: pacer)
    }

    static func assess(resonance: Double, seed: UInt64, _ base: BreathFollowingHeart.Configuration) -> [ResonanceFigures] {
        rates.enumerated().map { index, rate in
            var settings = base
            settings.resonanceRatePerMinute = resonance
            settings.seed = seed + UInt64(index)
            return step(rate: rate, settings: settings)
        }
    }

    /// The choice itself, on an idealised heart (perfect breathing, no wander, 8 ms of beat noise):
    /// the exact rate, every time.
    @Test(arguments: [6.5, 5.5, 5.0, 4.5])
    func theResonatingRateIsPicked(resonance: Double) throws {
        var ideal = BreathFollowingHeart.Configuration.ideal
        ideal.resonanceAmplitudeBPM = 8
        ideal.noiseMilliseconds = 8
        let steps = Self.assess(resonance: resonance, seed: 10, ideal)
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

    /// The model person (wander, a ~0.1 Hz rhythm of its own, breath-to-breath jitter, a missed
    /// breath now and then): two minutes a rate 0.5 breaths/min apart cannot always tell the
    /// resonance from its neighbour (the model's swing there is 5-10 % smaller), as with people
    /// (Shaffer & Meehan 2020 advise fine-tuning after an assessment): the person's own wander
    /// and ~0.1 Hz rhythm sometimes lift a neighbour's swing within the 5 % tie. Held: the
    /// resonance itself in most of the runs, never more than one breath per minute off; every step
    /// reads at least "partly" synchronous (a missed breath drags a two-minute step's mean
    /// synchrony down to about 0.4).
    @Test(arguments: [5.5, 5.0])
    func aRealisticPersonsRateIsFoundWithinHalfABreath(resonance: Double) throws {
        var exact = 0
        let seeds: [UInt64] = [10, 20, 30, 40, 50, 60]
        for seed in seeds {
            let steps = Self.assess(resonance: resonance, seed: seed, .init())
            let chosen = Self.rates[try #require(ResonanceChoice.choose(steps))]
            print("realistic, resonance \(resonance), seed \(seed): chose \(chosen); swings \(steps.map { (($0.peakToTroughBPM ?? .nan) * 10).rounded() / 10 }), synchrony \(steps.map { (($0.synchrony ?? .nan) * 100).rounded() / 100 })")
            #expect(abs(chosen - resonance) <= 1, "seed \(seed): chose \(chosen)")
            if chosen == resonance { exact += 1 }
            for s in steps { #expect(try #require(s.synchrony) > 0.3) }
        }
        #expect(exact * 2 > seeds.count, "exact in \(exact) of \(seeds.count)")
    }

    /// What the end-to-end assessment asks of `simulate --follow --resonance-rate 5`: 6, 5 and 4
    /// breaths per minute, 1.5 minutes each (30 s of it settling). One breath per minute apart the
    /// model's swing at resonance is 1.6-1.8 times its neighbours' (6.5 vs 4.0 and 3.6 bpm). With
    /// one minute a rate (two or three whole breaths after settling) the person's wander made a
    /// neighbour win for 3-4 seeds in 40; with 1.5 minutes, 5 is chosen for every seed.
    @Test func theEndToEndAssessmentsPersonIsFound() throws {
        var exact = 0
        let seeds = (1...40).map { UInt64($0) * 7 }
        for seed in seeds {
            let steps = [6.0, 5.0, 4.0].enumerated().map { index, rate in
                var settings = BreathFollowingHeart.Configuration()
                settings.resonanceRatePerMinute = 5
                settings.meanHeartRateBPM = 64
                settings.seed = seed + UInt64(index)
                return Self.step(rate: rate, settings: settings, seconds: 90)
            }
            let chosen = [6.0, 5.0, 4.0][try #require(ResonanceChoice.choose(steps))]
            if chosen == 5 { exact += 1 } else {
                print("6,5,4 1.5 minutes each, seed \(seed): chose \(chosen); swings \(steps.map { $0.peakToTroughBPM ?? .nan })")
            }
        }
        print("6,5,4 1.5 minutes each: 5 chosen for \(exact) of \(seeds.count) seeds")
        #expect(exact == seeds.count)
    }
}
