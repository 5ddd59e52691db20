import BreathProtocol
import BreathTestSupport
import Foundation
import GRDB
import Logging
import SessionAnalysis
import Testing

@testable import BreathDaemon
@testable import BreathHistory

/// A history database left by an older breathd upgrades in place when the store opens it.
@Suite struct HistorySchemaTests {
    let logger = Logger(label: "breathd-tests")

    /// Applies the migrations up to `v1` only (released migrations are never edited, so this is
    /// the schema an older breathd wrote) and stores a finished and an open session in it.
    private func makeVersionOneDatabase(at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try HistorySchema.migrator.migrate(queue, upTo: "v1: sessions and beats")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO session (id, started_at_ms, ended_at_ms, end_reason, duration_s, rate_bpm, ratio, voice, volume,
                        mean_hr_bpm, rmssd_ms, sdnn_ms, mean_coherence_score, low_s, medium_s, high_s, beats, artifacts)
                    VALUES (1, 1000000, 1300000, 'completed', 300, 6, '4:6', 'bowl', 0.4, 61.5, 42, 55, 2.5, 10, 20, 30, 3, 0);
                    INSERT INTO session (id, started_at_ms, duration_s, rate_bpm, ratio, voice, volume)
                    VALUES (2, 2000000, 300, 5.5, '1:1', 'glide', 0.5);
                    INSERT INTO beat (session_id, t_s, rr_ms, nn, mean_hr_bpm, rmssd_ms, sdnn_ms, coherence_score, coherence_level)
                    VALUES (1, 1.0, 1000, 1, NULL, NULL, NULL, NULL, NULL),
                        (1, 2.0, 980, 1, 61, 40, 50, 2.5, 'high'),
                        (2, 1.0, 1000, 1, NULL, NULL, NULL, NULL, NULL),
                        (2, 2.1, 1100, 0, 60, 41, 51, 1.0, 'medium');
                    """)
        }
    }

    @Test func versionOneDatabaseUpgradesKeepingItsRows() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = "\(directory.path)/history.sqlite"
        try makeVersionOneDatabase(at: path)

        let store = try HistoryStore(path: path, logger: logger)
        #expect(try await store.appliedMigrations() == HistoryStoreTests.migrations)
        #expect(try await store.integrityCheck() == "ok")

        // Old rows read back unchanged, their synchrony unknown.
        let finished = try #require(try await store.session(.id(1)))
        #expect(finished.session.endReason == .completed)
        #expect(finished.session.summary?.meanCoherenceScore == 2.5)
        #expect(finished.session.summary?.meanSynchrony == nil && finished.session.summary?.followingShare == nil)
        #expect(finished.beats.count == 2)
        #expect(finished.beats[1].coherenceLevel == .high)
        #expect(finished.beats.allSatisfy { $0.synchrony == nil && $0.synchronyPhaseDegrees == nil })

        // The session the old daemon left open closes as before, without synchrony figures.
        #expect(try await store.markOpenSessionsInterrupted() == [2])
        let interrupted = try #require(try await store.session(.id(2)))
        #expect(interrupted.session.summary?.beats == 2)
        #expect(interrupted.session.summary?.meanSynchrony == nil)

        // New sessions in the upgraded file keep their synchrony, per beat and in the summary.
        let settings = SessionSettings(durationSeconds: 60, rateBreathsPerMinute: 6, ratio: .even, voice: .bowl, volume: 0.4)
        let id = try await store.beginSession(startedAt: Timestamp(unixMilliseconds: 3_000_000), settings: settings)
        let beats = [
            BeatRecord(offsetSeconds: 1, rrMilliseconds: 1000, isNN: true, synchrony: 0.9, synchronyPhaseDegrees: 15),
            BeatRecord(offsetSeconds: 2, rrMilliseconds: 1000, isNN: true, synchrony: 0.7, synchronyPhaseDegrees: -5.5),
        ]
        try await store.appendBeats(beats, to: id)
        let summary = SessionSummarizer.summary(of: beats)
        try await store.finishSession(id: id, endedAt: Timestamp(unixMilliseconds: 3_060_000), reason: .completed, summary: summary)
        let recorded = try #require(try await store.session(.id(id)))
        #expect(recorded.beats == beats)
        #expect(recorded.session.summary == summary)
        #expect(abs((summary.meanSynchrony ?? 0) - 0.8) < 1e-12)
        #expect(summary.followingShare == 0.5)
    }

    /// Issue 15: a database of the schema before pacing changes were kept (migrations up to v3,
    /// as main wrote it) is read as it is by breathctl's read-only reader, then upgraded by the
    /// store, keeping its rows; new sessions keep their changes with their beats.
    @Test func versionThreeDatabaseUpgradesToKeepPacingChanges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = "\(directory.path)/history.sqlite"
        do {
            let queue = try DatabaseQueue(path: path)
            try HistorySchema.migrator.migrate(queue, upTo: "v3: resonance assessments")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO session (id, started_at_ms, ended_at_ms, end_reason, duration_s, rate_bpm, ratio, voice, volume,
                            beats, artifacts, kind)
                        VALUES (1, 1000000, 1060000, 'completed', 60, 6, '4:6', 'bowl', 0.4, 2, 0, 'session');
                        INSERT INTO beat (session_id, t_s, rr_ms, nn) VALUES (1, 1.0, 1000, 1), (1, 2.0, 980, 1);
                        """)
            }
        }
        // Not migrated by a reader: the old file reads with no changes rather than failing.
        let old = try #require(try HistoryFile(readingFrom: path).session(.id(1)))
        #expect(old.pacingChanges.isEmpty && old.beats.count == 2)

        let store = try HistoryStore(path: path, logger: logger)
        #expect(try await store.appliedMigrations() == HistoryStoreTests.migrations)
        #expect(try await store.integrityCheck() == "ok")
        let upgraded = try #require(try await store.session(.id(1)))
        #expect(upgraded.pacingChanges.isEmpty && upgraded.beats.count == 2 && upgraded.session.endReason == .completed)

        let settings = SessionSettings(durationSeconds: 600, rateBreathsPerMinute: 6, ratio: .even, voice: .glide, volume: 0.5)
        let id = try await store.beginSession(startedAt: Timestamp(unixMilliseconds: 2_000_000), settings: settings)
        let first = PacingChange(
            offsetSeconds: 95.25, at: Timestamp(unixMilliseconds: 2_095_250), setting: .rate, rateBreathsPerMinute: 5.5, ratio: .even,
            voice: .glide)
        let second = PacingChange(
            offsetSeconds: 200, at: Timestamp(unixMilliseconds: 2_230_000), setting: .ratio, rateBreathsPerMinute: 5.5,
            ratio: BreathRatio(inhale: 4, exhale: 6), voice: .glide)
        try await store.appendBeats([BeatRecord(offsetSeconds: 1, rrMilliseconds: 1000, isNN: true)], changes: [first], to: id)
        #expect(try await store.session(.id(id))?.pacingChanges == [first], "committed with the running session's beats")
        try await store.finishSession(
            id: id, endedAt: Timestamp(unixMilliseconds: 2_300_000), reason: .stopped, summary: SessionSummary(), changes: [second])
        let recorded = try #require(try await store.session(.id(id)))
        #expect(recorded.pacingChanges == [first, second])
        #expect(try HistoryFile(readingFrom: path).session(.id(id))?.pacingChanges == [first, second])

        // On the wire: a `pacing_changes` list, back unchanged; in export's JSON too, empty for
        // the old session.
        let line = LineCodec.encodeLine(ServerMessage.session(recorded))
        #expect(String(decoding: line, as: UTF8.self).contains(#""pacing_changes":[{"at":"1970-01-01T00:34:55.250Z","rate_bpm":5.5,"#))
        #expect(try LineCodec.decodeServerMessage(String(decoding: line.dropLast(), as: UTF8.self)) == .session(recorded))
        let exported = try JSONSerialization.jsonObject(with: Data(try SessionExport.render(recorded, as: .json).utf8)) as? [String: Any]
        let exportedChanges = try #require(exported?["pacing_changes"] as? [[String: Any]])
        #expect(exportedChanges.map { $0["setting"] as? String } == ["rate", "ratio"])
        #expect(exportedChanges.map { $0["t_s"] as? Double } == [95.25, 200])
        let oldObject = try JSONSerialization.jsonObject(with: Data(try SessionExport.render(upgraded, as: .json).utf8)) as? [String: Any]
        #expect((oldObject?["pacing_changes"] as? [Any])?.isEmpty == true)
    }

    @Test func upgradeAddsNullableColumns() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = "\(directory.path)/history.sqlite"
        try makeVersionOneDatabase(at: path)
        _ = try HistoryStore(path: path, logger: logger)

        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            let beatColumns = try db.columns(in: "beat")
            let sessionColumns = try db.columns(in: "session")
            for name in ["synchrony", "synchrony_phase_deg"] {
                let column = try #require(beatColumns.first { $0.name == name }, "beat.\(name)")
                #expect(column.type == "REAL" && !column.isNotNull)
            }
            for name in ["mean_synchrony", "following_share"] {
                let column = try #require(sessionColumns.first { $0.name == name }, "session.\(name)")
                #expect(column.type == "REAL" && !column.isNotNull)
            }
        }
    }
}
