import BreathHistory
import BreathDaemon
import BreathTestSupport
import BreathProtocol
import Foundation
import Logging
import SessionAnalysis
import Testing

@Suite struct HistoryStoreTests {
    let logger = Logger(label: "breathd-tests")
    static let migrations = ["v1: sessions and beats", "v2: breath-heart synchrony", "v3: resonance assessments", "v4: live pacing changes", "v5: pauses"]
    let settings = SessionSettings(durationSeconds: 300, rateBreathsPerMinute: 6, ratio: BreathRatio(inhale: 4, exhale: 6), voice: .bowl, volume: 0.4)

    private func beats(_ count: Int, from start: Int = 0) -> [BeatRecord] {
        (start..<start + count).map { index in
            let rrMilliseconds = 1000 + Double(index % 7) * 10
            return BeatRecord(
                offsetSeconds: Double(index + 1), rrMilliseconds: rrMilliseconds, isNN: index % 10 != 9,
                meanHeartRateBPM: index < 5 ? nil : 60, rmssdMilliseconds: index < 5 ? nil : 30,
                sdnnMilliseconds: index < 5 ? nil : 40, coherenceScore: index < 5 ? nil : Double(index % 5),
                coherenceLevel: index < 5 ? nil : (index % 2 == 0 ? .high : .low),
                synchrony: index < 5 ? nil : Double(index % 10) / 10, synchronyPhaseDegrees: index < 5 ? nil : Double(index))
        }
    }

    @Test func opensInWALModeWithMigrationsAndCreatesDirectories() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = "\(directory.path)/state/breathd/history.sqlite"
        let store = try HistoryStore(path: path, logger: logger)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try await store.journalMode() == "wal")
        #expect(try await store.appliedMigrations() == HistoryStoreTests.migrations)
        #expect(try await store.integrityCheck() == "ok")
        // Reopening an existing database applies nothing twice.
        let reopened = try HistoryStore(path: path, logger: logger)
        #expect(try await reopened.appliedMigrations() == HistoryStoreTests.migrations)
    }

    /// An 8-hour session (~30,000 beats) written as the recorder does, then read back as `session
    /// last` does: SQLite's page cache of each connection stays within its small bound, rather than
    /// growing with the file to SQLite's default 2 MB per connection.
    @Test func pageCachesStayBoundedOverAnEightHourSession() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try HistoryStore(path: "\(directory.path)/history.sqlite", logger: logger)
        let id = try await store.beginSession(startedAt: Timestamp(unixMilliseconds: 1_795_420_800_000), settings: settings)
        for batch in stride(from: 0, to: 30_000, by: 500) {
            try await store.appendBeats(beats(500, from: batch), to: id)
        }
        #expect(try await store.session(.id(id))?.beats.count == 30_000)
        let used = try await store.pageCacheBytes()
        // With SQLite's default (2000 KiB) they were 1.66 MB (writer) and 1.64 MB (the reader) here;
        // the bound allows the cache's own headers on top of the pages.
        let bound = HistoryStore.pageCacheKilobytes * 1024 * 5 / 4
        #expect(used.writer <= bound && used.reader <= bound, "page caches: \(used) bytes")
    }

    @Test func sessionLifecycle() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try HistoryStore(path: "\(directory.path)/history.sqlite", logger: logger)
        let startedAt = Timestamp(unixMilliseconds: 1_795_420_800_123)
        let id = try await store.beginSession(startedAt: startedAt, settings: settings)

        let open = try #require(try await store.session(.id(id)))
        #expect(open.session == SessionRecord(id: id, startedAt: startedAt, settings: settings))
        #expect(open.beats.isEmpty)

        let written = beats(120)
        for batch in stride(from: 0, to: written.count, by: 25) {
            try await store.appendBeats(Array(written[batch..<min(batch + 25, written.count)]), to: id)
        }
        try await store.appendBeats([], to: id)
        let summary = SessionSummarizer.summary(of: written)
        let endedAt = Timestamp(unixMilliseconds: startedAt.unixMilliseconds + 300_000)
        try await store.finishSession(id: id, endedAt: endedAt, reason: .completed, summary: summary)

        let finished = try #require(try await store.session(.last))
        #expect(finished.session == SessionRecord(id: id, startedAt: startedAt, endedAt: endedAt, endReason: .completed, settings: settings, summary: summary))
        #expect(finished.beats == written)
        #expect(summary.beats == 120)
        #expect(summary.artifacts == 12)
        #expect(summary.meanHeartRateBPM != nil && summary.rmssdMilliseconds != nil && summary.sdnnMilliseconds != nil)
        #expect(summary.secondsInLevel.high > 0 && summary.secondsInLevel.low > 0 && summary.secondsInLevel.medium == 0)
        #expect(summary.meanSynchrony != nil && summary.followingShare != nil, "stored and read back above")

        await #expect(throws: HistoryError.noSuchSession(999)) {
            try await store.finishSession(id: 999, endedAt: endedAt, reason: .stopped, summary: summary)
        }
        #expect(try await store.session(.id(999)) == nil)
    }

    @Test func historyListsNewestFirstWithEndReasons() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try HistoryStore(path: "\(directory.path)/history.sqlite", logger: logger)
        var ids: [Int64] = []
        for (index, reason) in [EndReason.completed, .stopped, .completed].enumerated() {
            let id = try await store.beginSession(startedAt: Timestamp(unixMilliseconds: Int64(index) * 1000), settings: settings)
            try await store.finishSession(id: id, endedAt: Timestamp(unixMilliseconds: Int64(index) * 1000 + 500), reason: reason, summary: SessionSummary())
            ids.append(id)
        }
        let rows = try await store.history(limit: 2)
        #expect(rows.map(\.id) == [ids[2], ids[1]])
        #expect(rows.map(\.endReason) == [.completed, .stopped])
        #expect(try await store.history(limit: 10).count == 3)
    }

    @Test func openSessionsAreMarkedInterruptedKeepingTheirBeats() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = "\(directory.path)/history.sqlite"
        let startedAt = Timestamp(unixMilliseconds: 1_000_000)
        let (openID, closedID): (Int64, Int64)
        do {
            let store = try HistoryStore(path: path, logger: logger)
            closedID = try await store.beginSession(startedAt: startedAt, settings: settings)
            try await store.finishSession(id: closedID, endedAt: startedAt, reason: .stopped, summary: SessionSummary())
            openID = try await store.beginSession(startedAt: startedAt, settings: settings)
            try await store.appendBeats(beats(40), to: openID)
        }
        let store = try HistoryStore(path: path, logger: logger)
        #expect(try await store.markOpenSessionsInterrupted() == [openID])
        #expect(try await store.markOpenSessionsInterrupted() == [], "marking twice changes nothing")
        let interrupted = try #require(try await store.session(.id(openID)))
        #expect(interrupted.session.endReason == .interrupted)
        #expect(interrupted.beats == beats(40))
        #expect(interrupted.session.summary == SessionSummarizer.summary(of: beats(40)))
        #expect(interrupted.session.endedAt == Timestamp(unixMilliseconds: startedAt.unixMilliseconds + 40_000), "ends at the last committed beat")
        #expect(try await store.session(.id(closedID))?.session.endReason == .stopped)
    }

    @Test func exportsEveryBeat() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try HistoryStore(path: "\(directory.path)/history.sqlite", logger: logger)
        let id = try await store.beginSession(startedAt: Timestamp(unixMilliseconds: 0), settings: settings)
        try await store.appendBeats(beats(8), to: id)
        let session = try #require(try await store.session(.id(id)))

        let csv = SessionExport.csv(session).split(separator: "\n")
        #expect(csv.count == 9)
        #expect(csv[0] == "t_s,rr_ms,nn,mean_hr_bpm,rmssd_ms,sdnn_ms,coherence_score,coherence_level,synchrony,synchrony_phase_deg,hr_bpm,time,rate_bpm,ratio,voice")
        #expect(csv[1] == "1.000,1000.0,1,,,,,,,,60.0,1970-01-01T00:00:01.000+00:00,6.000,4:6,bowl")
        #expect(csv[6] == "6.000,1050.0,1,60.0,30.0,40.0,0.00,low,0.50,5,57.1,1970-01-01T00:00:06.000+00:00,6.000,4:6,bowl")

        let json = try SessionExport.render(session, as: .json)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let exported = try #require(document["beats"] as? [[String: Any]])
        #expect(exported.map { $0["t_s"] as? Double } == session.beats.map(\.offsetSeconds))
        #expect(exported.map { $0["rr_ms"] as? Double } == session.beats.map(\.rrMilliseconds))
        #expect(exported[5]["hr_bpm"] as? Double == 57.1)
    }

    /// A writer killed with SIGKILL in the middle of its batches leaves a sound database whose open
    /// session is then marked interrupted with every committed beat.
    @Test(.timeLimit(.minutes(1))) func survivesKillNineMidWrite() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = "\(directory.path)/history.sqlite"
        // An executable, so no test target depends on it: found where the build put it.
        let writer = try ChildProcess(TestPaths.binary("breathd-history-writer"), [path])

        // Follow its reports until enough batches are committed, then kill without warning.
        var lastCommitted = 0
        var sessionID: Int64?
        while lastCommitted < 2_000 {
            let running = writer.isRunning
            for line in writer.stdout.split(separator: "\n") {
                if line.hasPrefix("session "), let id = Int64(line.dropFirst(8)) { sessionID = id }
                if line.hasPrefix("committed "), let count = Int(line.dropFirst(10)) { lastCommitted = max(lastCommitted, count) }
            }
            guard running else { break }
            if lastCommitted < 2_000 { usleep(2_000) }
        }
        writer.signal(SIGKILL)
        #expect(writer.wait() == 128 + SIGKILL)
        let id = try #require(sessionID)
        #expect(lastCommitted >= 2_000)

        let store = try HistoryStore(path: path, logger: logger)
        #expect(try await store.integrityCheck() == "ok")
        #expect(try await store.markOpenSessionsInterrupted() == [id])
        let session = try #require(try await store.session(.id(id)))
        #expect(session.session.endReason == .interrupted)
        // Every reported batch was committed; the batch in flight is either all there or absent.
        #expect(session.beats.count >= lastCommitted)
        #expect(session.beats.count % 50 == 0)
        #expect(session.session.summary?.beats == session.beats.count)
        // The writer gives every beat a synchrony of 0.85 (following the pacer).
        #expect(session.beats.allSatisfy { $0.synchrony == 0.85 && $0.synchronyPhaseDegrees == 12 })
        #expect(abs((session.session.summary?.meanSynchrony ?? 0) - 0.85) < 1e-9)
        #expect(session.session.summary?.followingShare == 1)
    }
}
