import BreathHistory
import BreathConfig
@testable import BreathDaemon
import BreathProtocol
import BreathTestSupport
import Foundation
import HRV
import Logging
import Sensor
import Testing

/// The assessment's bookkeeping (stages, the beats of each paced part, the choice) and its place
/// in history, without a daemon: the end-to-end test drives the real thing.
@Suite struct AssessmentTests {
    let logger = Logger(label: "breathd-tests")
    let options = AssessOptions(rates: [6, 5, 4], minutesPerRate: 2, restSeconds: 10)

    /// The updates of `seconds` of beats from a model heart that swings most at 5 breaths per minute,
    /// breathing with a pacer at `rate`.
    private func beats(rate: Double, seconds: Double, engine: inout HRVEngine) -> [BeatUpdate] {
        // The bookkeeping, not the person: an idealised heart (8 bpm RSA at resonance, 5 ms of beat noise).
        var settings = BreathFollowingHeart.Configuration.ideal
        settings.resonanceAmplitudeBPM = 8
        settings.noiseMilliseconds = 5
        settings.resonanceRatePerMinute = 5
        var heart = BreathFollowingHeart(configuration: settings, pacerRatePerMinute: rate, pacer: BreathCyclePosition.uniformPacer(ratePerMinute: rate, startSeconds: 0))
        var updates: [BeatUpdate] = []
        var elapsed = 0.0
        while elapsed < seconds {
            let rr = heart.nextRRMilliseconds()
            elapsed += rr / 1000
            if let update = engine.add(rrMilliseconds: rr).update { updates.append(update) }
        }
        return updates
    }

    @Test func stagesFollowTheProtocolAndTheLargestSwingIsChosen() throws {
        let clock = EngineClock.system
        var now = clock.now
        var run = AssessmentRun(options: options, now: now)
        #expect(run.stage == .announcing && run.step == 0 && run.rateBreathsPerMinute == 6)
        // 3 rates x (3 s chime + 120 s) + 2 rests of 10 s.
        #expect(abs(run.remainingSeconds(now: now) - 389) < 1e-9)
        #expect(!run.isStageOver(now: now.advanced(by: .seconds(2.9))))
        var engine = HRVEngine()
        for (index, rate) in options.rates.enumerated() {
            now = now.advanced(by: .seconds(AssessmentRun.announceSeconds))
            #expect(run.isStageOver(now: now))
            run.beginPacing(at: now)
            #expect(run.stage == .pacing && run.stageRemainingSeconds(now: now) == 120)
            let updates = beats(rate: rate, seconds: 120, engine: &engine)
            // Beats arrive 0.4 s after the pacer's clock says they happened, the first three 3 s
            // later still (held back, as format detection does): the step's start comes out right.
            let pacerStart = updates[0].timeSeconds - 0.5
            for (i, update) in updates.enumerated() {
                run.add(update, pacerSeconds: update.timeSeconds - pacerStart + 0.4 + (i < 3 ? 3 : 0))
            }
            #expect(run.cycleStartSeconds.map { abs($0 - (pacerStart - 0.4)) < 1e-9 } == true)
            now = now.advanced(by: .seconds(120))
            #expect(run.isStageOver(now: now))
            run.endPacing(at: now, inhaleShare: 0.5)
            #expect(run.stage == (index == 2 ? .finished : .resting))
            #expect(run.result.resonanceRateBPM == nil || index == 2)
            if index < 2 {
                #expect(abs(run.remainingSeconds(now: now) - Double(2 - index) * 133) < 1e-9)
                now = now.advanced(by: .seconds(10))
                run.beginNextStep(at: now)
            }
        }
        let result = run.result
        #expect(result.steps.map(\.rateBreathsPerMinute) == [6, 5, 4])
        #expect(result.resonanceRateBPM == 5)
        let swings = result.steps.map { $0.peakToTroughBPM ?? 0 }
        // The model's swing at resonance is 1.67 and 1.88 times that one breath per minute away
        // (16 vs 9.6 and 8.5 bpm: BreathFollowingHeart.response).
        #expect(swings[1] > 1.3 * max(swings[0], swings[2]), "\(swings)")
        // Every whole breath after the 30 s of settling, but for one cut by the step's end.
        for step in result.steps { #expect(step.breathCycles >= Int(90 / (60 / step.rateBreathsPerMinute)) - 1, "\(step)") }
        let progress = run.progress(session: 7, now: now)
        #expect(progress.stage == .finished && progress.result == result && progress.step == 3)
    }

    @Test func beatsOutsideThePacedPartAreNotCounted() {
        var run = AssessmentRun(options: options, now: EngineClock.system.now)
        var engine = HRVEngine()
        let update = engine.add(rrMilliseconds: 900, artifact: nil)!
        run.add(update, pacerSeconds: 0)
        #expect(run.updates.isEmpty && run.cycleStartSeconds == nil)
    }

    @Test func anAssessmentStoppedEarlyKeepsItsStepsButChoosesNothing() {
        let clock = EngineClock.system
        var run = AssessmentRun(options: options, now: clock.now)
        run.beginPacing(at: clock.now)
        var engine = HRVEngine()
        for update in beats(rate: 6, seconds: 120, engine: &engine) { run.add(update, pacerSeconds: 0) }
        run.endPacing(at: clock.now, inhaleShare: 0.5)
        #expect(run.result.steps.count == 1)
        #expect(run.result.resonanceRateBPM == nil)
    }

    @Test func historyKeepsTheResultAndTheNewestChoice() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try HistoryStore(path: "\(directory.path)/history.sqlite", logger: logger)
        #expect(try await store.latestResonance() == nil)
        let settings = SessionSettings(durationSeconds: 389, rateBreathsPerMinute: 6, ratio: .even, voice: .glide, volume: 0.1)
        let step = { (rate: Double, swing: Double?) in
            AssessmentStep(
                rateBreathsPerMinute: rate, peakToTroughBPM: swing, breathCycles: swing == nil ? 0 : 9, lfPowerAtPacerMs2: swing.map { $0 * 100 },
                meanCoherenceScore: 2, synchrony: 0.8, phaseDegrees: -12)
        }
        let chosen = AssessmentResult(steps: [step(6, 9), step(5, 15.5), step(4, nil)], resonanceRateBPM: 5, minutesPerRate: 2, restSeconds: 10)
        let first = try await store.beginSession(startedAt: Timestamp(unixMilliseconds: 1000), settings: settings, kind: .assessment)
        try await store.finishSession(
            id: first, endedAt: Timestamp(unixMilliseconds: 390_000), reason: .completed, summary: SessionSummary(), assessment: chosen)
        // A later assessment stopped early chooses nothing and leaves the choice as it was.
        let stopped = AssessmentResult(steps: [step(6.5, 7)], resonanceRateBPM: nil, minutesPerRate: 2, restSeconds: 10)
        let second = try await store.beginSession(startedAt: Timestamp(unixMilliseconds: 500_000), settings: settings, kind: .assessment)
        try await store.finishSession(
            id: second, endedAt: Timestamp(unixMilliseconds: 600_000), reason: .stopped, summary: SessionSummary(), assessment: stopped)
        let plain = try await store.beginSession(startedAt: Timestamp(unixMilliseconds: 700_000), settings: settings)

        let latest = try #require(try await store.latestResonance())
        #expect(latest.rateBreathsPerMinute == 5 && latest.sessionID == first)
        let reply = try #require(try await store.session(.id(first)))
        #expect(reply.session.kind == .assessment)
        #expect(reply.assessment == chosen)
        #expect(try await store.session(.id(second))?.assessment == stopped)
        #expect(try await store.session(.id(plain))?.assessment == nil)
        #expect(try await store.session(.id(plain))?.session.kind == .session)
        #expect(try await store.history(limit: 10).map(\.kind) == [.session, .assessment, .assessment])
    }

    @Test func theConfigurationTakesResonanceAsARate() throws {
        let parsed = try ConfigurationParser.parse("[pacer]\nrate = \"resonance\"\n", file: "breathd.toml", environment: [:])
        #expect(parsed.pacer.rateFromResonance)
        #expect(parsed.pacer.rateBreathsPerMinute == 5.5)
        let numeric = try ConfigurationParser.parse("[pacer]\nrate = 6\n", file: "breathd.toml", environment: [:])
        #expect(!numeric.pacer.rateFromResonance && numeric.pacer.rateBreathsPerMinute == 6)
    }
}
