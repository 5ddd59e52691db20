import Testing
@testable import Pacer

@Suite struct ScheduleTests {
    static let sampleRates = [8000, 22050, 44100, 48000, 96000]
    static let rates = [4.0, 4.321, 5.5, 6.0, 6.789, 7.0]

    @Test(arguments: sampleRates)
    func cycleStartsAreTheExactFormulaForEightHours(sampleRate: Int) throws {
        for rate in Self.rates {
            let schedule = PacerSchedule(pattern: try BreathPattern(ratePerMinute: rate), sampleRate: sampleRate)
            let rateMilli = Int64((rate * 1000).rounded())
            let eightHours = Int64(8 * 3600 * sampleRate)
            var k: Int64 = 0
            while true {
                // floor(k * 60 * sampleRate / rate) with the rate as an exact fraction of 1000.
                let expected = k * 60_000 * Int64(sampleRate) / rateMilli
                let start = schedule.cycleStart(k)
                #expect(start == expected)
                #expect(schedule.cycle(containing: start) == k)
                if k > 0 { #expect(schedule.cycle(containing: start - 1) == k - 1) }
                if start > eightHours { break }
                k += 1
            }
        }
    }

    @Test func eightHoursAtFivePointFiveEndOnAWholeCycle() throws {
        // 8 h at 5.5/min is 2640 cycles: the boundary must be the last sample + 1 of the 8 hours.
        let schedule = PacerSchedule(pattern: .standard, sampleRate: 48_000)
        #expect(schedule.cycleStart(2640) == 8 * 3600 * 48_000)
        #expect(schedule.cycleStart(1) == 523_636)  // floor(60 * 48000 / 5.5) = floor(523636.36)
        #expect(schedule.cycleStart(11) == 5_760_000)  // 11 cycles = 120 s exactly
    }

    @Test func phasesFollowRatioAndHolds() throws {
        let pattern = try BreathPattern(
            ratePerMinute: 5, inhaleShare: try InhaleShare(ratio: "4:6"),
            holdAfterInhaleSeconds: 1, holdAfterExhaleSeconds: 0.5)
        let schedule = PacerSchedule(pattern: pattern, sampleRate: 8000)
        // 12 s cycles = 96000 samples; holds 8000 + 4000; breathing 84000 split 4:6.
        let lengths = schedule.phaseLengths(ofCycle: 3)
        #expect(lengths.inhale == 33_600)
        #expect(lengths.holdIn == 8000)
        #expect(lengths.exhale == 50_400)
        #expect(lengths.holdOut == 4000)
        let events = schedule.phaseChanges(from: 0, to: 2 * 96_000)
        #expect(events.map(\.sample) == [0, 33_600, 41_600, 92_000, 96_000, 129_600, 137_600, 188_000])
        #expect(events.map(\.phase) == [.inhale, .holdIn, .exhale, .holdOut, .inhale, .holdIn, .exhale, .holdOut])
        #expect(events.map(\.cycle) == [0, 0, 0, 0, 1, 1, 1, 1])
    }

    @Test func positionAgreesWithEventsAtEverySample() throws {
        let pattern = try BreathPattern(
            ratePerMinute: 6.789, inhaleShare: try InhaleShare(share: 0.37),
            holdAfterInhaleSeconds: 0.75, holdAfterExhaleSeconds: 1.25)
        let sampleRate = 4001  // odd rate: cycles of uneven integer length
        let schedule = PacerSchedule(pattern: pattern, sampleRate: sampleRate)
        let end = schedule.cycleStart(3)
        let events = schedule.phaseChanges(from: 0, to: end)
        var index = 0
        for n in Int64(0)..<end {
            if index + 1 < events.count, events[index + 1].sample == n { index += 1 }
            let position = schedule.position(at: n)
            #expect(position.phase == events[index].phase)
            #expect(position.cycle == events[index].cycle)
            #expect(position.phaseStart == events[index].sample)
            #expect(position.progress >= 0 && position.progress < 1)
        }
        // Inhale share 0.37 of the breathing time, to the sample.
        let lengths = schedule.phaseLengths(ofCycle: 1)
        let breathing = Double(lengths.inhale + lengths.exhale)
        #expect(abs(Double(lengths.inhale) - 0.37 * breathing) < 1)
    }

    @Test func liveChangeStartsAtTheNextBoundaryAndKeepsExactFormulaFromThere() throws {
        let old = PacerSchedule(pattern: .standard, sampleRate: 48_000)
        let faster = try BreathPattern(ratePerMinute: 7)
        let changed = old.changing(to: faster, atBoundaryAtOrAfter: 600_000)
        let boundary = old.cycleStart(2)  // 1_047_272, the first boundary after 600000
        #expect(changed.originSample == boundary)
        #expect(changed.originCycle == 2)
        for k in Int64(2)..<200 {
            #expect(changed.cycleStart(k) == boundary + (k - 2) * 60 * 48_000 / 7)
        }
        // A change requested exactly on a boundary takes effect there.
        #expect(old.changing(to: faster, atBoundaryAtOrAfter: boundary).originSample == boundary)
    }

    @Test func samplesBeforeALiveChangeKeepThePreviousRhythm() throws {
        let old = PacerSchedule(pattern: .standard, sampleRate: 48_000)
        let changed = old.changing(to: try BreathPattern(ratePerMinute: 7), atBoundaryAtOrAfter: 600_000)
        let inForce = SchedulesInForce(current: changed, previous: old)
        let boundary = changed.originSample
        // The breath before the boundary is the old one to its last sample, then the new begins.
        #expect(inForce.position(at: boundary - 1) == old.position(at: boundary - 1))
        #expect(inForce.position(at: 100) == old.position(at: 100))
        #expect(inForce.position(at: boundary) == changed.position(at: boundary))
        #expect(inForce.frequencyHz(at: boundary - 1) == BreathPattern.standard.ratePerMinute / 60)
        #expect(inForce.frequencyHz(at: boundary) == 7.0 / 60)
        // Before any change both are the first schedule.
        #expect(SchedulesInForce(old).position(at: 700_000) == old.position(at: 700_000))
    }

    @Test func outOfRangeValuesNameTheOptionAndRange() {
        #expect(throws: PatternError.self) { try BreathPattern(ratePerMinute: 3.9) }
        do {
            _ = try BreathPattern(ratePerMinute: 12)
            Issue.record("rate 12 accepted")
        } catch {
            #expect(error.option == "rate")
            #expect(error.message.contains("between 4.0 and 7.0"))
        }
        #expect(throws: PatternError.self) { try InhaleShare(ratio: "1:4") }
        #expect(throws: PatternError.self) { try InhaleShare(ratio: "abc") }
        #expect(throws: PatternError.self) { try InhaleShare(share: 0.8) }
        #expect(throws: PatternError.self) { try ToneSettings(volume: 1.5) }
        #expect(throws: PatternError.self) { try BreathPattern(ratePerMinute: 7, holdAfterInhaleSeconds: 6, holdAfterExhaleSeconds: 0) }
    }

    @Test func ratiosAreExactFractions() throws {
        let share = try InhaleShare(ratio: "4:6")
        #expect(share.numerator == 2 && share.denominator == 5)
        let third = try InhaleShare(ratio: "1:2")
        #expect(third.numerator == 1 && third.denominator == 3)
        #expect(try InhaleShare(ratio: "1.5:2").value == 1.5 / 3.5)
    }
}
