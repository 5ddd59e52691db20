import Audio
@testable import BreathDaemon
import BreathConfig
import BreathProtocol
import Clocks
import Foundation
import HRV
import Pacer
import Sensor
import ServiceLifecycleTestKit
import Testing

/// The session engine's state machine, in process: its time is a `TestClock` moved in
/// milliseconds, its sound a stepped output rendering through the real Pacer, its history a real
/// SQLite file. No ALSA, no socket, no sleep: every verdict is in simulated time.
@Suite struct SessionEngineTests {
    // MARK: start

    /// breathd.toml's default buffer and period are the audio player's (two homes: BreathConfig
    /// does not depend on Audio).
    @Test func theConfigurationsAudioDefaultsAreThePlayers() {
        let audio = Configuration(environment: [:]).audio
        #expect(audio.bufferMilliseconds == OutputConfiguration.standardBufferMilliseconds)
        #expect(audio.periodMilliseconds == OutputConfiguration.standardPeriodMilliseconds)
        #expect(OutputConfiguration().bufferMicroseconds == audio.bufferMilliseconds * 1000)
        #expect(OutputConfiguration().periodMicroseconds == audio.periodMilliseconds * 1000)
    }

    @Test func startPacesFromTheSamplesHeardAndOpensTheSessionInHistory() async throws {
        let h = try EngineHarness()
        let reply = await h.request(.start(StartOptions(minutes: 1)))
        let id = try #require(reply.okSession)
        let started = try #require(await h.drain().compactMap(\.sessionChange).first)
        #expect(started.event == .started && started.startedBy == .client && started.session.id == id)
        #expect(await h.status().state == .running)
        let playback = try #require(h.output.starts.first)
        #expect(playback.settings.pattern.ratePerMinute == 6 && playback.settings.tone.voice == .glide)
        #expect(playback.output.sampleRate == EngineHarness.sampleRate && playback.durationSeconds == nil)
        let open = try #require(try await h.stored(id))
        #expect(open.session.endedAt == nil && open.session.settings.durationSeconds == 60)
        #expect(open.session.startedAt == Timestamp(unixSeconds: EngineHarness.wallAtStart.timeIntervalSince1970))

        await h.advance(milliseconds: 4_900)
        #expect(await h.drain().phases == [PhaseEvent(phase: .inhale, cycle: 0, durationSeconds: 5)])
        // The clock runs on but the listener hears nothing more: the breath stays where the samples are.
        await h.advance(milliseconds: 2_000, playing: false)
        #expect(await h.drain().phases.isEmpty)
        #expect(await h.status().pacer.phase == .inhale)
        // 150 ms more heard: 5.05 s of samples, into the out-breath.
        await h.advance(milliseconds: 150)
        #expect(await h.drain().phases == [PhaseEvent(phase: .exhale, cycle: 0, durationSeconds: 5)])
        let status = await h.status()
        #expect(status.pacer.phase == .exhale && status.pacer.cycle == 0)
        #expect(abs((status.session?.elapsedSeconds ?? 0) - 7.05) < 1e-9)
    }

    @Test func startIsRefusedWhileASessionRunsAndWhenHistoryFails() async throws {
        let h = try EngineHarness()
        let id = try #require(await h.request(.start(StartOptions(minutes: 1))).okSession)
        let again = try #require(await h.request(.start(StartOptions())).errorMessage)
        #expect(again == "start: session \(id) is already running; stop it first")
        #expect(h.output.starts.count == 1)

        let broken = try EngineHarness(history: UnavailableHistory())
        let refused = try #require(await broken.request(.start(StartOptions())).errorMessage)
        #expect(refused.hasPrefix("start: history is unavailable: "))
        #expect(await broken.status().state == .idle && broken.output.starts.isEmpty)
    }

    // MARK: ending

    @Test func aSessionCompletesWithItsFadeAndIsWrittenToHistory() async throws {
        let h = try EngineHarness()
        let id = try #require(await h.request(.start(StartOptions(minutes: 0.5))).okSession)
        // A beat a second while the session runs.
        for second in 1...24 {
            await h.advance(toSeconds: Double(second))
            await h.engine.addBeat(rrMilliseconds: 1000)
        }
        await h.advance(toSeconds: 24.9)
        #expect(await h.status().state == .running && !h.output.stopRequested)
        // The fade-out starts 5 s before the end.
        await h.advance(toSeconds: 25.1)
        #expect(await h.status().state == .stopping && h.output.stopRequested)
        await h.engine.addBeat(rrMilliseconds: 1000)
        await h.advance(toSeconds: 29.9)
        #expect(await h.status().state == .stopping)
        await h.advance(toSeconds: 30.2)
        let events = await h.drain()
        #expect(events.sessionChanges == [.started, .finished])
        // The breath went on through the fade: 5 s phases, in order.
        let phases = events.phases
        #expect(phases.count >= 6)
        for (index, phase) in phases.enumerated() {
            #expect(phase.phase == (index % 2 == 0 ? .inhale : .exhale) && phase.cycle == index / 2 && phase.durationSeconds == 5)
        }
        #expect(await h.status().state == .idle && h.output.status.state == .idle)
        let stored = try #require(try await h.stored(id))
        #expect(stored.session.endReason == .completed)
        let endedAt = try #require(stored.session.endedAt)
        let seconds = Double(endedAt.unixMilliseconds - stored.session.startedAt.unixMilliseconds) / 1000
        #expect(seconds >= 30 && seconds < 30.3)
        #expect(stored.beats.count == 25 && stored.session.summary?.beats == 25)
        #expect(stored.beats.first?.offsetSeconds == 1 && abs((stored.beats.last?.offsetSeconds ?? 0) - 25.1) < 1e-6)
    }

    @Test func stopFadesOutAndClosesTheSessionAsStopped() async throws {
        let h = try EngineHarness()
        #expect(await h.request(.stop).errorMessage == "stop: no session is running")
        let id = try #require(await h.request(.start(StartOptions(minutes: 10))).okSession)
        await h.advance(milliseconds: 3_000)
        #expect(await h.request(.stop).okMessage == "session \(id) stopping")
        #expect(await h.status().state == .stopping && h.output.stopRequested)
        #expect(await h.request(.stop).okMessage == "session \(id) is already ending")
        #expect(await h.request(.set(.rate(5))).errorMessage == "set: session \(id) is ending")
        #expect(await h.request(.pause).errorMessage == "pause: the session is not playing")
        // The fade takes its 5 s of samples; the session closes once the tone has faded.
        await h.advance(milliseconds: 4_900)
        #expect(await h.status().state == .stopping)
        await h.advance(milliseconds: 200)
        #expect(await h.status().state == .idle)
        #expect(await h.drain().sessionChanges == [.started, .finished])
        let stored = try #require(try await h.stored(id))
        #expect(stored.session.endReason == .stopped)
        let seconds = Double(stored.session.endedAt!.unixMilliseconds - stored.session.startedAt.unixMilliseconds) / 1000
        #expect(seconds >= 8 && seconds <= 8.1)
    }

    @Test func aFadeThatNeverEndsIsCutAtItsDeadline() async throws {
        let h = try EngineHarness()
        let id = try #require(await h.request(.start(StartOptions(minutes: 10))).okSession)
        await h.advance(milliseconds: 1_000)
        _ = await h.request(.stop)
        // The device takes no more samples: the fade never finishes. Fade 5 s + the buffer it
        // starts after (2 s by default) + grace 2 s.
        await h.advance(milliseconds: 8_950, playing: false)
        #expect(await h.status().state == .stopping)
        await h.advance(milliseconds: 100, playing: false)
        #expect(await h.status().state == .idle)
        #expect(try await h.stored(id)?.session.endReason == .stopped)
    }

    @Test func startWhileTheLastSessionFadesWaitsForItsAudioToEnd() async throws {
        let h = try EngineHarness()
        let first = try #require(await h.request(.start(StartOptions(minutes: 10))).okSession)
        await h.advance(milliseconds: 2_000)
        _ = await h.request(.stop)
        let engine = h.engine
        let second = Task { await engine.reply(to: .start(StartOptions(minutes: 10)), from: EngineHarness.peer) }
        // The start sleeps on the test clock until the fade has played out.
        var waited = Duration.zero
        while h.output.starts.count < 2 && waited < .seconds(10) {
            await h.advance(milliseconds: 20)
            waited += .milliseconds(20)
        }
        let id = try #require(await second.value.okSession)
        #expect(id == first + 1)
        #expect(waited >= .seconds(5))
        #expect(await h.drain().sessionChanges == [.started, .finished, .started])
        #expect(try await h.stored(first)?.session.endReason == .stopped)
    }

    @Test func aStartThatWaitedOutTheFadeDoesNotRaceTheTickToTheLastSession() async throws {
        let h = try EngineHarness()
        let first = try #require(await h.request(.start(StartOptions(minutes: 10))).okSession)
        await h.advance(milliseconds: 2_000)
        _ = await h.request(.stop)
        let engine = h.engine
        let second = Task { await engine.reply(to: .start(StartOptions(minutes: 10)), from: EngineHarness.peer) }
        // Wait until the start sleeps on the clock, waiting for the fade.
        while (try? await h.clock.checkSuspension()) != nil { await Task.yield() }
        // The fade plays out and the clock moves, but no tick runs before the start wakes.
        h.output.play(samples: 6 * EngineHarness.sampleRate)
        await h.clock.advance(by: .milliseconds(20))
        #expect(await second.value.okSession == first + 1)
        #expect(await h.drain().sessionChanges == [.started, .finished, .started])
        #expect(try await h.stored(first)?.session.endReason == .stopped)
    }

    // MARK: pause and resume

    @Test func pauseHoldsTheSessionAndResumeStartsTheNextCycle() async throws {
        let h = try EngineHarness()
        #expect(await h.request(.pause).errorMessage == "pause: no session is running")
        #expect(await h.request(.resume).errorMessage == "resume: no session is running")
        let id = try #require(await h.request(.start(StartOptions(minutes: 1))).okSession)
        await h.advance(milliseconds: 7_000)
        #expect(await h.request(.resume).errorMessage == "resume: the session is not paused")
        #expect(await h.request(.pause).okMessage == "session \(id) paused")
        #expect(await h.status().state == .paused && h.output.stopRequested)
        #expect(await h.request(.pause).errorMessage == "pause: the session is not playing")
        _ = await h.drain()
        // A minute paused: the fade plays out, the session's time stands still, beats are not its own.
        await h.advance(milliseconds: 60_000)
        await h.engine.addBeat(rrMilliseconds: 1000)
        let paused = await h.drain()
        #expect(paused.phases.isEmpty && h.output.status.state == .idle)
        let status = await h.status()
        #expect(status.session?.elapsedSeconds == 7 && status.session?.remainingSeconds == 53 && status.pacer.cycle == 1)

        #expect(await h.request(.resume).okMessage == "session \(id) resumed")
        #expect(await h.status().state == .running && h.output.starts.count == 2)
        await h.advance(milliseconds: 100)
        let resumed = await h.drain()
        #expect(resumed.sessionChanges == [.resumed])
        // Paused in cycle 0: the resumed playback is cycle 1.
        #expect(resumed.phases == [PhaseEvent(phase: .inhale, cycle: 1, durationSeconds: 5)])
        #expect(abs((await h.status().session?.elapsedSeconds ?? 0) - 7.1) < 1e-9)
        _ = await h.request(.stop)
        await h.advance(milliseconds: 5_100)
        #expect(try await h.stored(id)?.beats.isEmpty == true)
    }

    // MARK: set

    @Test func setWhileIdleChangesTheNextSession() async throws {
        let h = try EngineHarness()
        #expect(await h.request(.set(.rate(5))).okMessage == "rate set for the next session")
        #expect(await h.request(.set(.voice(.bowl))).okMessage == "voice set for the next session")
        let refused = try #require(await h.request(.set(.rate(9))).errorMessage)
        #expect(refused.hasPrefix("set: "))
        _ = await h.request(.start(StartOptions()))
        let playback = try #require(h.output.starts.first)
        #expect(playback.settings.pattern.ratePerMinute == 5 && playback.settings.tone.voice == .bowl)
        #expect(await h.status().pacer.rateSource == .set)
    }

    @Test func setWhileRunningChangesRateRatioAndVoiceFromTheNextBreath() async throws {
        let h = try EngineHarness()
        let id = try #require(await h.request(.start(StartOptions(minutes: 5))).okSession)
        await h.advance(milliseconds: 2_000)
        #expect(await h.request(.set(.rate(4))).okMessage == "rate changed from the next breath")
        #expect(await h.request(.set(.ratio(BreathRatio(inhale: 4, exhale: 6)))).okSession == id)
        #expect(await h.request(.set(.voice(.bowl))).okSession == id)
        #expect(await h.request(.set(.ratio(BreathRatio(inhale: 1, exhale: 9)))).errorMessage != nil)
        let status = await h.status()
        #expect(status.pacer.rateBreathsPerMinute == 4 && status.pacer.ratio == BreathRatio(inhale: 4, exhale: 6))
        #expect(status.pacer.voice == .bowl)
        // The current breath finishes as it began; the renderer changes at the cycle boundary.
        await h.advance(milliseconds: 7_900)
        #expect(h.output.voice == .glide)
        await h.advance(milliseconds: 200)
        #expect(h.output.voice == .bowl)
        // 4 a minute, 4:6: 15 s cycles of 6 s in and 9 s out.
        await h.advance(toSeconds: 16.1)
        let phases = await h.drain().phases
        #expect(phases == [
            PhaseEvent(phase: .inhale, cycle: 0, durationSeconds: 5), PhaseEvent(phase: .exhale, cycle: 0, durationSeconds: 5),
            PhaseEvent(phase: .inhale, cycle: 1, durationSeconds: 6), PhaseEvent(phase: .exhale, cycle: 1, durationSeconds: 9),
        ])
    }

    /// Issue 15: a live `set` of the rate, ratio or voice is kept in history at once, with the
    /// session time (pauses excluded) and the wall clock; volume and unchanged values are not.
    /// Dated when it takes effect, at the next breath (it used to be dated at the request, so the
    /// report's marker stood up to a breath before the change); one made while paused, or still
    /// waiting for its breath when the session paused, takes effect with the breath the resume starts.
    /// A pause is in history at the resume (its session time and length), so that `export` dates
    /// the beats after it on the wall clock; session time stands still meanwhile.
    @Test func aPauseIsRecordedInHistoryAtTheResume() async throws {
        let h = try EngineHarness()
        let id = try #require(await h.request(.start(StartOptions(minutes: 5))).okSession)
        await h.advance(milliseconds: 3_000)
        _ = await h.request(.pause)
        await h.advance(milliseconds: 45_250)
        #expect(try await h.store.session(.id(id))?.pauses == [], "not known until it ends")
        _ = await h.request(.resume)
        let stored = try #require(try await h.store.session(.id(id)))
        #expect(stored.pauses.count == 1)
        let pause = try #require(stored.pauses.first)
        #expect(abs(pause.offsetSeconds - 3) < 0.001 && abs(pause.durationSeconds - 45.25) < 0.001, "\(pause)")
        #expect(abs(stored.wallClockSeconds(atOffsetSeconds: 4) - 49.25) < 0.001)
        #expect(abs(stored.wallClockSeconds(atOffsetSeconds: 2) - 2) < 0.001)
        _ = await h.request(.stop)
        await h.advance(milliseconds: 5_100)
        #expect(try await h.store.session(.id(id))?.pauses.count == 1)
    }

    @Test func liveChangesOfThePacingAreRecordedInHistoryAtOnce() async throws {
        let h = try EngineHarness()
        let id = try #require(await h.request(.start(StartOptions(minutes: 5))).okSession)
        await h.advance(milliseconds: 2_000)
        #expect(await h.request(.set(.rate(5.5))).okSession == id)
        #expect(await h.request(.set(.volume(0.2))).okSession == id)
        #expect(await h.request(.set(.rate(5.5))).okSession == id, "the same rate again: nothing changes")
        await h.advance(milliseconds: 1_000)
        _ = await h.request(.pause)
        await h.advance(milliseconds: 5_100)  // the fade-out ends: resume waits for it
        #expect(await h.request(.set(.ratio(BreathRatio(inhale: 4, exhale: 6)))).okSession == id)
        _ = await h.request(.resume)
        await h.advance(milliseconds: 500)
        #expect(await h.request(.set(.voice(.bowl))).okSession == id)

        // In the database while the session still runs, before any periodic flush.
        let stored = try #require(try await h.store.session(.id(id)))
        #expect(stored.session.endReason == nil)
        let wall = { (seconds: Double) in Timestamp(unixSeconds: EngineHarness.wallAtStart.timeIntervalSince1970 + seconds) }
        // The rate asked for at 2 s was to start with the second breath (at 10 s: 6/min, 1:1), but
        // the pause at 3 s came first: it took effect with the breath the resume started, at 3 s
        // (8.1 s on the wall), as the ratio asked for while paused did. That breath lasts 60/5.5 s:
        // the voice asked for at 3.5 s took effect at its end. `at` is when each was asked for.
        let breath = 60 / 5.5
        let expected = [
            PacingChange(offsetSeconds: 3, at: wall(2), setting: .rate, rateBreathsPerMinute: 5.5, ratio: .even, voice: .glide),
            PacingChange(
                offsetSeconds: 3, at: wall(8.1), setting: .ratio, rateBreathsPerMinute: 5.5, ratio: BreathRatio(inhale: 4, exhale: 6),
                voice: .glide),
            PacingChange(
                offsetSeconds: 3 + breath, at: wall(8.6), setting: .voice, rateBreathsPerMinute: 5.5,
                ratio: BreathRatio(inhale: 4, exhale: 6), voice: .bowl),
        ]
        #expect(stored.pacingChanges.count == 3)
        for (change, want) in zip(stored.pacingChanges, expected) {
            #expect(
                abs(change.offsetSeconds - want.offsetSeconds) < 0.001 && abs(change.at.unixMilliseconds - want.at.unixMilliseconds) <= 1
                    && change.setting == want.setting && change.rateBreathsPerMinute == want.rateBreathsPerMinute
                    && change.ratio == want.ratio && change.voice == want.voice,
                "\(change) != \(want)")
        }
        #expect(stored.pacing(atOffsetSeconds: 2.5).rateBreathsPerMinute == 6, "asked for, not yet in effect")
        #expect(stored.pacing(atOffsetSeconds: 3).ratio == BreathRatio(inhale: 4, exhale: 6))
        #expect(stored.pacing(atOffsetSeconds: 13.8).voice == .glide && stored.pacing(atOffsetSeconds: 14).voice == .bowl)
        _ = await h.request(.stop)
        await h.advance(milliseconds: 5_100)
        #expect(try await h.store.session(.id(id))?.pacingChanges.count == 3)
        // Changes for the next session are no change of a session.
        #expect(await h.request(.set(.rate(4.5))).okMessage == "rate set for the next session")
        #expect(try await h.store.session(.id(id))?.pacingChanges.count == 3)
    }

    /// Without a sound card the pacer runs on the wall clock: a live change waits for the next
    /// breath there too, and until then the breath in progress goes on as it began (status read
    /// "inhale -226 %" and the next PHASE came late, from the new schedule read before its start).
    @Test func setWhilePacingOnTheClockFinishesTheCurrentBreathFirst() async throws {
        let h = try EngineHarness()
        h.output.loseDevice()
        await h.engine.noteAudioProbe("snd_pcm_open: No such file or directory")
        _ = try #require(await h.request(.start(StartOptions(minutes: 5))).okSession)
        await h.advance(milliseconds: 2_000, playing: false)
        #expect(await h.request(.set(.rate(4))).okMessage == "rate changed from the next breath")
        var pacer = await h.status().pacer
        #expect(pacer.phase == .inhale && abs(pacer.progress - 0.4) < 0.01 && pacer.cycle == 0, "\(pacer)")
        await h.advance(toSeconds: 6, playing: false)
        pacer = await h.status().pacer
        #expect(pacer.phase == .exhale && abs(pacer.progress - 0.2) < 0.01 && pacer.cycle == 0, "\(pacer)")
        // 4 a minute, 1:1: 15 s cycles of 7.5 s in and out, from the boundary at 10 s.
        await h.advance(toSeconds: 18, playing: false)
        pacer = await h.status().pacer
        #expect(pacer.phase == .exhale && abs(pacer.progress - 0.5 / 7.5) < 0.01 && pacer.cycle == 1, "\(pacer)")
        #expect(await h.drain().phases == [
            PhaseEvent(phase: .inhale, cycle: 0, durationSeconds: 5), PhaseEvent(phase: .exhale, cycle: 0, durationSeconds: 5),
            PhaseEvent(phase: .inhale, cycle: 1, durationSeconds: 7.5), PhaseEvent(phase: .exhale, cycle: 1, durationSeconds: 7.5),
        ])
    }

    @Test func setWhilePausedPlaysAtResume() async throws {
        let h = try EngineHarness()
        _ = await h.request(.start(StartOptions(minutes: 5)))
        await h.advance(milliseconds: 1_000)
        _ = await h.request(.pause)
        await h.advance(milliseconds: 5_100)
        #expect(await h.request(.set(.rate(5))).okMessage == "rate changed from the next breath")
        #expect(h.output.starts.count == 1)
        _ = await h.request(.resume)
        #expect(h.output.starts.last?.settings.pattern.ratePerMinute == 5)
        await h.advance(milliseconds: 100)
        #expect(await h.drain().phases.last == PhaseEvent(phase: .inhale, cycle: 1, durationSeconds: 6))
    }

    // MARK: assessment

    @Test func anAssessmentStepsThroughChimePacingAndRestAndStoresItsResult() async throws {
        let h = try EngineHarness(configure: { $0.sensor.device = "/dev/ttyTEST" })
        let options = AssessOptions(rates: [6, 5], minutesPerRate: 0.5, restSeconds: 10)
        let id = try #require(await h.request(.assess(options)).okSession)
        var events = await h.drain()
        #expect(events.sessionChanges == [.started])
        #expect(events.compactMap(\.assessment).map(\.stage) == [.announcing])
        #expect(await h.status().state == .assessing)
        #expect(await h.request(.pause).errorMessage?.hasPrefix("pause: an assessment cannot pause") == true)
        #expect(await h.request(.set(.rate(5))).errorMessage == "set: rate: assessment \(id) paces its own rates; stop it first")
        // The announcement: a 1 s bowl chime, whatever the session's voice.
        let chime = try #require(h.output.starts.first)
        #expect(chime.settings.tone.voice == .bowl && chime.durationSeconds == AssessmentRun.chimeSeconds)
        await h.advance(milliseconds: 1_100)
        #expect(h.output.status.state == .idle && h.output.starts.count == 1)

        // Beats, a second apart, through every stage: only the paced parts' count.
        func beats(until seconds: Double) async {
            while h.elapsed < .seconds(seconds) {
                await h.advance(milliseconds: 1_000)
                await h.engine.addBeat(rrMilliseconds: 1_000)
            }
        }
        await beats(until: 3.1)
        let pacer = try #require(h.output.starts.last)
        #expect(h.output.starts.count == 2 && pacer.settings.pattern.ratePerMinute == 6 && pacer.durationSeconds == nil)
        events = await h.drain()
        #expect(events.compactMap(\.assessment).map(\.stage) == [.pacing])
        #expect(events.phases.first == PhaseEvent(phase: .inhale, cycle: 0, durationSeconds: 5))

        await beats(until: 33.1)
        #expect(await h.status().assessment?.stage == .resting && h.output.stopRequested)
        await beats(until: 43.1)
        #expect(await h.status().assessment?.stage == .announcing && h.output.starts.count == 3)
        await beats(until: 46.1)
        let second = try #require(await h.status().assessment)
        #expect(second.stage == .pacing && second.step == 2 && second.rateBreathsPerMinute == 5)
        #expect(h.output.starts.last?.settings.pattern.ratePerMinute == 5)
        await beats(until: 76.1)
        events = await h.drain()
        #expect(events.compactMap(\.assessment).map(\.stage) == [.resting, .announcing, .pacing, .finished])
        let result = try #require(events.compactMap(\.assessment).last?.result)
        #expect(result.steps.map(\.rateBreathsPerMinute) == [6, 5])
        #expect(await h.status().state == .stopping)
        await h.advance(milliseconds: 5_100)
        #expect(await h.status().state == .idle)
        let stored = try #require(try await h.stored(id))
        #expect(stored.session.kind == .assessment && stored.session.endReason == .completed)
        #expect(stored.assessment == result)
        // Every beat of the assessment is the session's (2 + 30 + 10 + 3 + 30), rests included.
        #expect(stored.beats.count == 75)
    }

    @Test func anAssessmentNeedsASensor() async throws {
        let h = try EngineHarness()
        let refused = try #require(await h.request(.assess(AssessOptions(rates: [6], minutesPerRate: 1, restSeconds: 0))).errorMessage)
        #expect(refused.hasPrefix("assess: no heart sensor is configured"))
        #expect(await h.status().state == .idle && h.output.starts.isEmpty)
    }

    @Test func anAssessmentOfAHeartThatSwingsMostAtFiveChoosesFiveAndTheNextSessionPacesAtIt() async throws {
        let h = try EngineHarness(configure: {
            $0.sensor.device = "/dev/ttyTEST"
            $0.pacer.rateFromResonance = true
        })
        let options = AssessOptions(rates: [6, 5, 4], minutesPerRate: 1, restSeconds: 10)
        // Each step paces from the end of its 3 s announcement; a step is 3 + 60 + 10 s.
        let paced = options.rates.enumerated().map { (startSeconds: 3 + Double($0.offset) * 73, rate: $0.element) }
        // The idealised person (exact breathing, no wander): this tests the engine's bookkeeping;
        // finding a realistic person's rate is the assessment tests' and the end-to-end test's.
        var model = BreathFollowingHeart.Configuration.ideal
        model.resonanceRatePerMinute = 5
        // The person follows the pacer as the engine starts it (and breathes on at its rate through the rests).
        var heart = BreathFollowingHeart(configuration: model) { time in
            paced.last(where: { $0.startSeconds <= time }).map {
                (BreathCyclePosition.uniformPacer(ratePerMinute: $0.rate, startSeconds: $0.startSeconds)(time), $0.rate)
            }
        }
        let id = try #require(await h.request(.assess(options)).okSession)
        // Each beat reaches the engine when the clock reaches it.
        var beatSeconds = 0.0
        var pacingStarts: [Duration] = []
        while h.elapsed < .seconds(3 * 63 + 2 * 10 + 5.5) {
            let rr = heart.nextRRMilliseconds()
            beatSeconds += rr / 1000
            await h.advance(toSeconds: beatSeconds)
            await h.engine.addBeat(rrMilliseconds: rr)
            if await h.drain().compactMap(\.assessment).contains(where: { $0.stage == .pacing }) { pacingStarts.append(h.elapsed) }
        }
        // The steps began where the model heart's pacer did (to a beat).
        #expect(zip(pacingStarts, paced).allSatisfy { abs($0.0.inSeconds - $0.1.startSeconds) < 1.5 }, "\(pacingStarts)")
        let stored = try #require(try await h.stored(id))
        #expect(stored.session.endReason == .completed)
        let result = try #require(stored.assessment)
        #expect(result.steps.map(\.rateBreathsPerMinute) == [6, 5, 4] && result.resonanceRateBPM == 5, "\(result)")
        // pacer.rate = "resonance": the next session paces at the rate just chosen.
        let pacer = await h.status().pacer
        #expect(pacer.rateBreathsPerMinute == 5 && pacer.rateSource == .resonance && pacer.resonanceSession == id)
        _ = await h.request(.start(StartOptions(minutes: 1)))
        #expect(h.output.starts.last?.settings.pattern.ratePerMinute == 5)
    }

    @Test func anAssessmentStoppedEarlyKeepsTheStepsItFinishedWithoutAChoice() async throws {
        let h = try EngineHarness(configure: { $0.sensor.device = "/dev/ttyTEST" })
        let options = AssessOptions(rates: [6, 5], minutesPerRate: 0.5, restSeconds: 10)
        let id = try #require(await h.request(.assess(options)).okSession)
        // Step 2 paces from 46 s (3 s chime, 30 s, 10 s rest, 3 s chime).
        await h.advance(toSeconds: 50)
        #expect(await h.status().assessment?.step == 2)
        #expect(await h.request(.stop).okMessage == "session \(id) stopping")
        await h.advance(milliseconds: 5_100)
        #expect(await h.status().state == .idle)
        let stored = try #require(try await h.stored(id))
        #expect(stored.session.endReason == .stopped)
        #expect(stored.assessment?.steps.map(\.rateBreathsPerMinute) == [6] && stored.assessment?.resonanceRateBPM == nil)
    }

    // MARK: the resonance rate

    /// An assessment in history that chose `rate`.
    private func seedAssessment(_ h: EngineHarness, rate: Double) async throws -> Int64 {
        let settings = SessionSettings(durationSeconds: 60, rateBreathsPerMinute: 6, ratio: .even, voice: .glide, volume: 0.1)
        let id = try await h.store.beginSession(startedAt: Timestamp(unixSeconds: 1_700_000_000), settings: settings, kind: .assessment)
        try await h.store.finishSession(
            id: id, endedAt: Timestamp(unixSeconds: 1_700_000_060), reason: .completed, summary: SessionSummary(),
            assessment: AssessmentResult(steps: [], resonanceRateBPM: rate, minutesPerRate: 2, restSeconds: 30))
        return id
    }

    @Test func setRateResonanceTakesTheNewestAssessmentsRate() async throws {
        let h = try EngineHarness()
        #expect(
            await h.request(.set(.resonanceRate)).errorMessage
                == "set: rate resonance: no assessment in history has chosen a rate yet; run `breathctl assess` first")
        let assessment = try await seedAssessment(h, rate: 5.5)
        #expect(
            await h.request(.set(.resonanceRate)).okMessage
                == "rate set for the next session (the resonance rate of assessment \(assessment))")
        let pacer = await h.status().pacer
        #expect(pacer.rateBreathsPerMinute == 5.5 && pacer.rateSource == .resonance && pacer.resonanceSession == assessment)
        _ = await h.request(.start(StartOptions(minutes: 1)))
        #expect(h.output.starts.first?.settings.pattern.ratePerMinute == 5.5)
        _ = await h.request(.set(.rate(6)))
        #expect(await h.status().pacer.rateSource == .set)
        #expect(await h.request(.set(.resonanceRate)).okMessage == "rate changed from the next breath")
        #expect(await h.status().pacer.rateSource == .resonance)
    }

    @Test func theConfiguredResonanceRateIsReadFromHistoryAtStartUp() async throws {
        let h = try EngineHarness(configure: { $0.pacer.rateFromResonance = true })
        let assessment = try await seedAssessment(h, rate: 4.5)
        let engine = h.engine
        try await testGracefulShutdown { trigger in
            trigger.triggerGracefulShutdown()
            try await engine.run()
        }
        let pacer = await h.status().pacer
        #expect(pacer.rateBreathsPerMinute == 4.5 && pacer.rateSource == .resonance && pacer.resonanceSession == assessment)
    }

    // MARK: health

    @Test func theHealthLineAndTheWatchdogCounterFollowTheState() async throws {
        let h = try EngineHarness()
        #expect(await h.engine.health().summary == "idle, no sensor")
        _ = await h.request(.start(StartOptions(minutes: 1)))
        let before = await h.engine.health().engineProgress
        await h.advance(milliseconds: 1_000)
        let health = await h.engine.health()
        #expect(health.summary == "pacing 6/min, no sensor" && health.audioPlaying && health.engineProgress > before)
        #expect(abs(health.audioSamples - Int64(EngineHarness.sampleRate)) <= 2)
        _ = await h.request(.pause)
        #expect(await h.engine.health().summary == "paused, no sensor")
        h.output.loseDevice()
        #expect(await h.engine.health().summary == "paused, no sensor, audio unavailable")
        _ = await h.request(.stop)
        #expect(await h.engine.health().summary == "ending session, no sensor")
    }

    // MARK: sensor

    @Test func theSensorIsLostAndBackWithoutEndingTheSession() async throws {
        let h = try EngineHarness(configure: { $0.sensor.device = "/dev/ttyTEST" })
        #expect(await h.status().sensor.state == .connecting)
        let id = try #require(await h.request(.start(StartOptions(minutes: 1))).okSession)
        await h.engine.handle(.connected(path: "/dev/ttyTEST"))
        await h.engine.handle(.beat(SensorBeat(rrMilliseconds: 1000)))
        await h.advance(milliseconds: 3_000)
        #expect(await h.status().sensor.secondsSinceLastBeat == 3)
        await h.engine.handle(.disconnected(reason: "read: Input/output error", willRetry: true))
        #expect(await h.status().sensor.state == .lost)
        await h.advance(milliseconds: 2_000)
        await h.engine.handle(.connected(path: "/dev/ttyTEST"))
        await h.engine.handle(.beat(SensorBeat(rrMilliseconds: 1000)))
        let sensor = await h.drain().compactMap(\.sensorEvent).map { ($0.state, $0.message) }
        #expect(sensor.map(\.0) == [.detecting, .streaming, .lost, .detecting, .streaming])
        #expect(sensor.map(\.1) == ["connected to /dev/ttyTEST", nil, "read: Input/output error; reconnecting", "reconnected to /dev/ttyTEST", nil])
        let status = await h.status()
        #expect(status.state == .running && status.sensor.beats == 2 && status.sensor.secondsSinceLastBeat == 0)
        _ = await h.request(.stop)
        await h.advance(milliseconds: 5_100)
        #expect(try await h.stored(id)?.beats.map(\.offsetSeconds) == [0, 5])
    }

    /// Beats delivered together (a late Bluetooth notification train, serial lines read at once)
    /// reach the engine at one instant; in the session they are spaced by their RR, the last at its
    /// arrival, none before the previous beat or the session's start. (They all used to get the
    /// burst's arrival time.)
    @Test func aBurstOfBeatsIsSpacedByItsRRIntervals() async throws {
        let h = try EngineHarness(configure: { $0.sensor.device = "/dev/ttyTEST" })
        let id = try #require(await h.request(.start(StartOptions(minutes: 1))).okSession)
        await h.engine.handle(.connected(path: "/dev/ttyTEST"))
        func beats(at seconds: Double, _ rrMilliseconds: [Double]) async {
            await h.advance(toSeconds: seconds)
            for rr in rrMilliseconds { await h.engine.handle(.beat(SensorBeat(rrMilliseconds: rr))) }
        }
        // Two beats (at -0.5 and 0.5 s) delivered together at 0.5 s: the first at the session's start.
        await beats(at: 0.5, [1000, 1000])
        for second in [1.5, 2.5, 3.5, 4.5, 5.5] { await beats(at: second, [1000]) }
        // Three beats (at 6.6, 7.8 and 9 s) delivered together at 9 s.
        await beats(at: 9, [1100, 1200, 1200])
        for second in [10.0, 11, 12] { await beats(at: second, [1000]) }
        // Six beats (13 to 18 s) delivered together at 18 s: longer than the look-ahead, so the
        // first three are decided before the last arrive and share the earliest time then known.
        await beats(at: 18, [1000, 1000, 1000, 1000, 1000, 1000])
        for second in [19.0, 20, 21, 22] { await beats(at: second, [1000]) }
        _ = await h.request(.stop)
        await h.advance(milliseconds: 5_100)
        let offsets = try #require(try await h.stored(id)).beats.map(\.offsetSeconds)
        let expected: [Double] = [0, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.6, 7.8, 9, 10, 11, 12, 15, 15, 15, 16, 17, 18, 19, 20, 21, 22]
        #expect(offsets.count == expected.count && zip(offsets, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(offsets)")
    }

    // MARK: audio

    @Test func theAudioDeviceIsLostAndBackWhileThePacerGoesOnByTheClock() async throws {
        let h = try EngineHarness()
        _ = await h.request(.start(StartOptions(minutes: 1)))
        await h.advance(milliseconds: 1_000)
        h.output.loseDevice()
        await h.advance(milliseconds: 100)
        #expect(await h.status().audio.state == .unavailable)
        // No samples are heard now: the pacer follows the clock, so the out-breath still comes at 5 s.
        await h.advance(toSeconds: 5.2)
        // The device returns; the player plays on from the sample it had reached (1 s), and the
        // pacer follows the samples again: back in the in-breath.
        h.output.restoreDevice()
        await h.advance(milliseconds: 100)
        let events = await h.drain()
        let audio = events.compactMap(\.audioEvent)
        #expect(audio.map(\.state) == [.playing, .unavailable, .playing])
        #expect(audio[1].message == SteppedPacerOutput.deviceGone.description && audio[1].device == "stepped")
        #expect(events.phases.map(\.phase) == [.inhale, .exhale, .inhale])
        #expect(await h.status().audio.state == .playing)
    }

    @Test func withoutADeviceTheSessionPacesOnTheClockAndStopsAtOnce() async throws {
        let h = try EngineHarness()
        h.output.loseDevice()
        await h.engine.noteAudioProbe("snd_pcm_open: No such file or directory")
        #expect(await h.status().audio.state == .unavailable)
        let id = try #require(await h.request(.start(StartOptions(minutes: 1))).okSession)
        await h.advance(milliseconds: 10_100)
        #expect(await h.drain().phases.map(\.phase) == [.inhale, .exhale, .inhale])
        _ = await h.request(.stop)
        await h.advance(milliseconds: 100)
        #expect(await h.status().state == .idle)
        #expect(try await h.stored(id)?.session.endReason == .stopped)
    }

    // MARK: the service: tick loop and shutdown

    @Test func theTickLoopRunsOnTheInjectedClockAndShutdownStopsTheSession() async throws {
        let h = try EngineHarness(configure: { $0.session.autostart = true })
        let engine = h.engine, clock = h.clock, output = h.output
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                let started = try #require(await h.next { $0.sessionChange != nil }?.sessionChange)
                #expect(started.event == .started && started.startedBy == .autostart)
                // Time moves only as the test moves it; the loop's own sleeps are on this clock.
                group.addTask {
                    while !Task.isCancelled {
                        output.play(samples: EngineHarness.sampleRate / 50)
                        await clock.advance(by: .milliseconds(20))
                    }
                }
                let exhale = try #require(await h.next { $0.phaseEvent?.phase == .exhale }?.phaseEvent)
                #expect(exhale.cycle == 0 && output.samplesPlayed >= 5 * EngineHarness.sampleRate)
                trigger.triggerGracefulShutdown()
                let finished = try #require(await h.next { $0.sessionChange?.event == .finished }?.sessionChange)
                #expect(finished.session.endReason == .stopped)
                try await group.next()
                group.cancelAll()
            }
        }
        #expect(h.output.status.state == .idle)
        let stored = try #require(try await h.store.session(.last))
        #expect(stored.session.endReason == .stopped)
    }

    /// Idle, nothing is due: the loop sets no timer and does not tick (it ticked four times a
    /// second, a laptop's wake-ups for nothing, issue 16); a start wakes it.
    @Test func anIdleEngineDoesNotTickAndAStartWakesItsLoop() async throws {
        let h = try EngineHarness()
        let engine = h.engine, clock = h.clock, output = h.output
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                // Ten seconds of idle time in the old loop's 250 ms steps.
                for _ in 0..<40 {
                    for _ in 0..<10 { await Task.yield() }
                    await clock.advance(by: .milliseconds(250))
                }
                #expect(await engine.progressCounter == 0, "an idle engine ticked")
                _ = await h.request(.start(StartOptions(minutes: 1)))
                group.addTask {
                    while !Task.isCancelled {
                        output.play(samples: EngineHarness.sampleRate / 50)
                        await clock.advance(by: .milliseconds(20))
                    }
                }
                let exhale = try #require(await h.next { $0.phaseEvent?.phase == .exhale }?.phaseEvent)
                #expect(exhale.cycle == 0 && output.samplesPlayed >= 5 * EngineHarness.sampleRate)
                trigger.triggerGracefulShutdown()
                let finished = try #require(await h.next { $0.sessionChange?.event == .finished }?.sessionChange)
                #expect(finished.session.endReason == .stopped)
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// A paused session's loop sleeps its longest tick (1 s); a resume wakes it at once, so the
    /// resumed inhale's PHASE goes out with the first tick, not up to a second late.
    @Test func aResumeWakesTheTickLoopAtOnce() async throws {
        let h = try EngineHarness()
        let engine = h.engine, output = h.output
        try await h.withRunningLoop {
            let id = try #require(await h.request(.start(StartOptions(minutes: 1))).okSession)
            for _ in 0..<100 { await h.step() }
            #expect(await h.request(.pause).okMessage == "session \(id) paused")
            // The fade plays out; then the loop is seen to tick, so its next sleep (1 s) has
            // just begun when the resume comes.
            for _ in 0..<300 { await h.step() }
            #expect(output.status.state == .idle)
            let ticks = await engine.progressCounter
            while await engine.progressCounter == ticks {
                await h.step()
                for _ in 0..<10 { await Task.yield() }
            }
            _ = await h.drain()
            #expect(await h.request(.resume).okMessage == "session \(id) resumed")
            var steps = 0
            while await h.drain().phases.isEmpty, steps < 100 {
                await h.step()
                steps += 1
            }
            #expect(steps <= 5, "the resumed inhale was told \(steps * 20) ms of clock time after the resume")
        }
    }

    /// While a session paces, the loop sleeps from one phase boundary to the next (5 s here): a
    /// lost device is told by the player itself, which wakes the loop at once, not by a tick that
    /// polls the player every second (a wake-up a second for nothing, issue 16).
    @Test func aLostDeviceIsToldAtOnceWithoutAPeriodicTick() async throws {
        let h = try EngineHarness()
        let engine = h.engine, output = h.output
        try await h.withRunningLoop {
            _ = try #require(await h.request(.start(StartOptions(minutes: 1))).okSession)
            for _ in 0..<100 { await h.step() }
            // The loop is seen to tick, so its next sleep has just begun when the device goes.
            let ticks = await engine.progressCounter
            while await engine.progressCounter == ticks {
                await h.step()
                for _ in 0..<10 { await Task.yield() }
            }
            _ = await h.drain()
            output.loseDevice()
            var steps = 0
            var audio: [AudioEvent] = []
            while audio.isEmpty, steps < 100 {
                audio = await h.drain().compactMap(\.audioEvent)
                if audio.isEmpty {
                    await h.step()
                    steps += 1
                }
            }
            #expect(audio.map(\.state) == [.unavailable])
            #expect(steps <= 5, "the lost device was told \(steps * 20) ms of clock time after it went")
        }
    }

    /// Mid-phase nothing is due before the next boundary: no tick in between (there was one every
    /// second, only to poll the audio state).
    @Test func aPacingSessionTicksOnlyAtItsPhaseBoundaries() async throws {
        let h = try EngineHarness()
        _ = try #require(await h.request(.start(StartOptions(minutes: 1))).okSession)
        await h.advance(milliseconds: 500)
        // 6 breaths a minute: the exhale begins at 5 s, 4.5 s from here (and 2 ms past it).
        let delay = await h.engine.nextTickDelay()
        #expect(abs(delay.inSeconds - 4.502) < 0.001, "next tick in \(delay)")
    }

    @Test func shutdownWhileIdleEndsTheLoopAndWritesNothing() async throws {
        let h = try EngineHarness()
        let engine = h.engine
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                trigger.triggerGracefulShutdown()
                try await group.next()
            }
        }
        #expect(try await h.store.session(.last) == nil)
        #expect(h.output.starts.isEmpty)
    }
}

/// History that cannot be written: the disk is full, the database locked.
private struct UnavailableHistory: HistorySink {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "database is locked" }
    }

    func begin(startedAt: Timestamp, settings: SessionSettings, kind: SessionKind) async throws -> Int64 { throw Failure() }
    func record(_ beat: BeatRecord) async {}
    func record(_ change: PacingChange) async {}
    func record(_ pause: SessionPause) async {}
    func finish(endedAt: Timestamp, reason: EndReason, summary: SessionSummary, assessment: AssessmentResult?) async throws {
        throw Failure()
    }
}
