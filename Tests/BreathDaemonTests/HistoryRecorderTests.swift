import BreathHistory
import BreathDaemon
import BreathProtocol
import BreathTestSupport
import Clocks
import Foundation
import Logging
import ServiceLifecycle
import SessionAnalysis
import Testing

@Suite(.timeLimit(.minutes(1))) struct HistoryRecorderTests {
    let logger = Logger(label: "breathd-tests")
    let settings = SessionSettings(durationSeconds: 60, rateBreathsPerMinute: 5.5, ratio: .even, voice: .off, volume: 0)

    private func beat(_ index: Int) -> BeatRecord {
        BeatRecord(offsetSeconds: Double(index), rrMilliseconds: 1000, isNN: true, coherenceScore: 1, coherenceLevel: .medium)
    }

    @Test func commitsBeatsWithinTheFlushIntervalAndOnFinish() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try HistoryStore(path: "\(directory.path)/history.sqlite", logger: logger)
        let recorder = HistoryRecorder(store: store, flushInterval: .milliseconds(50), logger: logger)
        let services = ServiceGroup(services: [recorder], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let id = try await recorder.begin(startedAt: Timestamp(unixMilliseconds: 0), settings: settings)
            await #expect(throws: HistoryRecorderError.notIdle) {
                try await recorder.begin(startedAt: Timestamp(unixMilliseconds: 0), settings: settings)
            }
            for index in 1...10 { await recorder.record(beat(index)) }
            // Committed by the service's periodic flush, before the session ends.
            // (Waited for; the bound only ends a hang: other tests may hold the cooperative threads.)
            var committed = 0
            let deadline = ContinuousClock.now + .seconds(60)
            while committed < 10, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
                committed = try await store.session(.id(id))?.beats.count ?? 0
            }
            #expect(committed == 10)
            #expect(try await store.session(.id(id))?.session.endReason == nil, "still open")

            for index in 11...15 { await recorder.record(beat(index)) }
            let beats = (1...15).map(beat)
            try await recorder.finish(endedAt: Timestamp(unixMilliseconds: 15_000), reason: .completed, summary: SessionSummarizer.summary(of: beats))
            let finished = try #require(try await store.session(.id(id)))
            #expect(finished.beats == beats)
            #expect(finished.session.endReason == .completed)
            #expect(finished.session.summary?.secondsInLevel.medium == 15)
            await #expect(throws: HistoryRecorderError.noSession) {
                try await recorder.finish(endedAt: Timestamp(unixMilliseconds: 0), reason: .stopped, summary: SessionSummary())
            }
            await recorder.record(beat(99))  // no session: ignored
            #expect(await recorder.sessionID == nil)

            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    /// The flush timer sleeps on the clock it is given (the daemon's event loop, not a Dispatch
    /// timer thread): an hour of a test clock flushes at once, with no second of real time.
    @Test func theFlushTimerSleepsOnTheGivenClock() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try HistoryStore(path: "\(directory.path)/history.sqlite", logger: logger)
        let clock = TestClock<Duration>()
        let recorder = HistoryRecorder(store: store, flushInterval: .seconds(3600), clock: clock, logger: logger)
        let services = ServiceGroup(services: [recorder], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let id = try await recorder.begin(startedAt: Timestamp(unixMilliseconds: 0), settings: settings)
            for index in 1...10 { await recorder.record(beat(index)) }
            // Each hour of test time ends a flush wait begun before it. (The bound only ends a
            // hang: a recorder sleeping on another clock waits an hour of real time.)
            var committed = 0
            let deadline = ContinuousClock.now + .seconds(30)
            while committed < 10, ContinuousClock.now < deadline {
                await clock.advance(by: .seconds(3600))
                try await Task.sleep(for: .milliseconds(10))
                committed = try await store.session(.id(id))?.beats.count ?? 0
            }
            #expect(committed == 10)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    /// Issue 15: a pacing change is committed at once, with the beats queued before it, without
    /// waiting for the periodic flush (here never running); a finished session keeps it.
    @Test func pacingChangesAreCommittedAtOnceWithTheQueuedBeats() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try HistoryStore(path: "\(directory.path)/history.sqlite", logger: logger)
        let recorder = HistoryRecorder(store: store, flushInterval: .seconds(3600), logger: logger)
        let id = try await recorder.begin(startedAt: Timestamp(unixMilliseconds: 0), settings: settings)
        for index in 1...3 { await recorder.record(beat(index)) }
        let change = PacingChange(
            offsetSeconds: 3.5, at: Timestamp(unixMilliseconds: 3_500), setting: .rate, rateBreathsPerMinute: 5, ratio: .even, voice: .off)
        await recorder.record(change)
        let running = try #require(try await store.session(.id(id)))
        #expect(running.pacingChanges == [change])
        #expect(running.beats == (1...3).map(beat))
        #expect(await recorder.unsavedBeats == 0)

        await recorder.record(beat(4))
        try await recorder.finish(endedAt: Timestamp(unixMilliseconds: 5_000), reason: .stopped, summary: SessionSummary())
        let finished = try #require(try await store.session(.id(id)))
        #expect(finished.pacingChanges == [change] && finished.beats.count == 4)
        await recorder.record(change)  // no session: ignored
        #expect(try await store.session(.id(id))?.pacingChanges == [change])
    }

    /// A spill file written by a breathd that did not keep pacing changes still reads.
    @Test func spillFilesWithoutPacingChangesStillRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = "\(directory.path)/history.sqlite"
        let spill = #"[{"sessionID":3,"beats":[{"t":1,"rr_ms":1000,"nn":true}],"endedAt":"2026-11-23T08:10:00.250Z","reason":"stopped","summary":{"level_s":{"low":0,"medium":0,"high":0},"beats":1,"artifacts":0}}]"#
        #expect(FileManager.default.createFile(atPath: HistoryRecorder.spillPath(for: database), contents: Data(spill.utf8)))
        let ends = try HistoryRecorder.readSpill(for: database)
        #expect(ends.count == 1 && ends[0].sessionID == 3 && ends[0].beats.count == 1 && ends[0].changes.isEmpty)
    }

    @Test func gracefulShutdownFlushesQueuedBeats() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try HistoryStore(path: "\(directory.path)/history.sqlite", logger: logger)
        // An interval longer than the test: only the shutdown flush can commit the beats.
        let recorder = HistoryRecorder(store: store, flushInterval: .seconds(3600), logger: logger)
        let services = ServiceGroup(services: [recorder], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let id = try await recorder.begin(startedAt: Timestamp(unixMilliseconds: 0), settings: settings)
            for index in 1...7 { await recorder.record(beat(index)) }
            #expect(try await store.session(.id(id))?.beats.count == 0)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            #expect(try await store.session(.id(id))?.beats.count == 7)
        }
    }
}
