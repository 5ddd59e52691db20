import BreathProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import GRDBSQLite
import Logging
import SessionAnalysis

/// Session history in SQLite (WAL mode): sessions with their settings and summary, and every beat.
///
/// Each call is one transaction, so a crash loses at most the batch being written; the next start
/// calls `markOpenSessionsInterrupted` to close what the crash left open.
public final class HistoryStore: Sendable {
    public let path: String
    /// SQLite's page cache per connection, in KiB (its default is 2000, filled as the file grows):
    /// appending beats touches a few pages at the end of the table and its index, and a session
    /// read back is one pass, so a small cache costs nothing and keeps the daemon's memory flat.
    public static let pageCacheKilobytes = 256
    private let pool: DatabasePool
    private let logger: Logger

    /// Opens (creating the file and its directories) and migrates the database.
    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            // History is personal health data: keep the directory private.
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        Self.restrictAccess(path)
        var configuration = GRDB.Configuration()
        configuration.foreignKeysEnabled = true
        configuration.label = "breathd.history"
        // The engine and a client's history request may meet on the writer; wait rather than fail.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -\(Self.pageCacheKilobytes)") }
        pool = try DatabasePool(path: path, configuration: configuration)
        try HistorySchema.migrator.migrate(pool)
        logger.debug("history opened", metadata: ["path": "\(path)"])
    }

    /// History is personal health data, readable by its owner only. SQLite gives the -wal and
    /// -shm files the database's mode, so creating the database 0600 (whatever the umask) covers
    /// them; an existing one left readable by others (by an older breathd) is tightened. Failures
    /// are left for SQLite's open to report.
    static func restrictAccess(_ path: String) {
        let created = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if created >= 0 {
            // The umask may have taken bits off, never added any; say 0600 explicitly anyway.
            fchmod(created, 0o600)
            Glibc.close(created)
            return
        }
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            if stat(file, &info) == 0, info.st_mode & 0o077 != 0, info.st_uid == geteuid() {
                Glibc.chmod(file, info.st_mode & 0o700)
            }
        }
    }

    /// Fails (SQLITE_READONLY, SQLITE_FULL...) unless the database can take a write now: a
    /// read-only file or file system is found at start, not at the end of the first session.
    public func checkWritable() async throws {
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "COMMIT")
        }
    }

    // MARK: Writing

    /// Records a new open session and returns its id.
    public func beginSession(startedAt: Timestamp, settings: SessionSettings, kind: SessionKind = .session) async throws -> Int64 {
        try await pool.write { db in
            try Self.insert(SessionBegin(id: nil, startedAt: startedAt, settings: settings, kind: kind), db)
            return db.lastInsertedRowID
        }
    }

    /// The id the next session gets, read without writing (a full disk still reads): above every
    /// id the table ever gave (AUTOINCREMENT's counter) and above `reservedAbove`, the ids already
    /// promised to sessions not written yet.
    public func nextSessionID(reservedAbove: Int64 = 0) async throws -> Int64 {
        // On the writer's connection, outside a transaction: a read through the pool would open a
        // reader connection (its descriptors) that stays for the life of the daemon.
        let used = try await pool.writeWithoutTransaction { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'session'), 0),
                               COALESCE((SELECT MAX(id) FROM session), 0))
                    """) ?? 0
        }
        return max(used, reservedAbove) + 1
    }

    /// Whether a session with this id is in the database (open or closed).
    public func contains(sessionID: Int64) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM session WHERE id = ?)", arguments: [sessionID]) ?? false
        }
    }

    private static func insert(_ begin: SessionBegin, _ db: Database) throws {
        let settings = begin.settings
        try db.execute(
            sql: """
                INSERT INTO session (id, started_at_ms, duration_s, rate_bpm, ratio, voice, volume, kind)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                begin.id, begin.startedAt.unixMilliseconds, settings.durationSeconds, settings.rateBreathsPerMinute,
                settings.ratio.description, settings.voice.rawValue, settings.volume, begin.kind.rawValue,
            ])
    }

    /// Appends beats (and live pacing changes and pauses) in one transaction; the engine batches
    /// them and calls this at least every 5 s, and at once after a pacing change or a resume.
    /// `begin`: the session's own row, when it could not be written at its start (a full disk);
    /// it goes first, in the same transaction.
    public func appendBeats(
        _ beats: [BeatRecord], changes: [PacingChange] = [], pauses: [SessionPause] = [], to sessionID: Int64,
        begin: SessionBegin? = nil
    ) async throws {
        guard !beats.isEmpty || !changes.isEmpty || !pauses.isEmpty || begin != nil else { return }
        try await pool.write { db in
            if let begin { try Self.insert(begin, db) }
            try Self.insert(beats, sessionID: sessionID, db)
            try Self.insert(changes, sessionID: sessionID, db)
            try Self.insert(pauses, sessionID: sessionID, db)
        }
    }

    /// Whether the session is still open (not yet finished or marked interrupted).
    public func isOpen(_ sessionID: Int64) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT end_reason IS NULL FROM session WHERE id = ?", arguments: [sessionID]) ?? false
        }
    }

    private static func insert(_ beats: [BeatRecord], sessionID: Int64, _ db: Database) throws {
        guard !beats.isEmpty else { return }
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO beat (
                    session_id, t_s, rr_ms, nn, mean_hr_bpm, rmssd_ms, sdnn_ms, coherence_score, coherence_level,
                    synchrony, synchrony_phase_deg)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for beat in beats {
            try statement.execute(arguments: [
                sessionID, beat.offsetSeconds, beat.rrMilliseconds, beat.isNN, beat.meanHeartRateBPM,
                beat.rmssdMilliseconds, beat.sdnnMilliseconds, beat.coherenceScore, beat.coherenceLevel?.rawValue,
                beat.synchrony, beat.synchronyPhaseDegrees,
            ])
        }
    }

    private static func insert(_ changes: [PacingChange], sessionID: Int64, _ db: Database) throws {
        for change in changes {
            // One row per request (its time and setting): a change dated again (a pause came
            // before the breath it was to take effect at) replaces its row.
            try db.execute(
                sql: "DELETE FROM pacing_change WHERE session_id = ? AND at_ms = ? AND setting = ?",
                arguments: [sessionID, change.at.unixMilliseconds, change.setting.rawValue])
            try db.execute(
                sql: """
                    INSERT INTO pacing_change (session_id, t_s, at_ms, setting, rate_bpm, ratio, voice)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    sessionID, change.offsetSeconds, change.at.unixMilliseconds, change.setting.rawValue,
                    change.rateBreathsPerMinute, change.ratio.description, change.voice.rawValue,
                ])
        }
    }

    private static func insert(_ pauses: [SessionPause], sessionID: Int64, _ db: Database) throws {
        for pause in pauses {
            try db.execute(
                sql: "INSERT INTO session_pause (session_id, t_s, duration_s) VALUES (?, ?, ?)",
                arguments: [sessionID, pause.offsetSeconds, pause.durationSeconds])
        }
    }

    /// Closes a session with its end reason and summary, and an assessment's result with it, in
    /// one transaction.
    /// `beats` and `changes`, the session's last beats and pacing changes, are appended in the
    /// same transaction, so that a retry after a failure (a full disk) never writes them twice.
    public func finishSession(
        id: Int64, endedAt: Timestamp, reason: EndReason, summary: SessionSummary, assessment: AssessmentResult? = nil,
        beats: [BeatRecord] = [], changes: [PacingChange] = [], pauses: [SessionPause] = [], begin: SessionBegin? = nil
    ) async throws {
        try await pool.write { db in
            if let begin { try Self.insert(begin, db) }
            try Self.insert(beats, sessionID: id, db)
            try Self.insert(changes, sessionID: id, db)
            try Self.insert(pauses, sessionID: id, db)
            try Self.close(db, id: id, endedAt: endedAt, reason: reason, summary: summary)
            if let assessment { try Self.insert(assessment, sessionID: id, db) }
        }
    }

    /// Marks sessions left open by a crash as interrupted, keeping their beats; their end time is
    /// that of the last committed beat and their summary is computed from the beats.
    /// Call once at startup, before any new session begins. Returns the ids marked.
    @discardableResult
    /// `except`: sessions whose end an earlier run kept in its spill file, to be written with it.
    public func markOpenSessionsInterrupted(except kept: Set<Int64> = []) async throws -> [Int64] {
        let marked = try await pool.write { db in
            let open = try Row.fetchAll(db, sql: "SELECT id, started_at_ms FROM session WHERE end_reason IS NULL")
            var ids: [Int64] = []
            for row in open {
                let id: Int64 = row["id"]
                guard !kept.contains(id) else { continue }
                let startedAtMilliseconds: Int64 = row["started_at_ms"]
                let beats = try Self.beats(db, sessionID: id)
                let lastOffsetSeconds = beats.last?.offsetSeconds ?? 0
                try Self.close(
                    db, id: id,
                    endedAt: Timestamp(unixMilliseconds: startedAtMilliseconds + Int64((lastOffsetSeconds * 1000).rounded())),
                    reason: .interrupted, summary: SessionSummarizer.summary(of: beats))
                ids.append(id)
            }
            return ids
        }
        if !marked.isEmpty {
            logger.notice("sessions left open by an earlier run marked interrupted", metadata: ["sessions": "\(marked)"])
        }
        return marked
    }

    // MARK: Reading

    /// Sessions, newest first.
    public func history(limit: Int) async throws -> [SessionRecord] {
        try await pool.read { db in try HistoryRows.sessions(db, limit: limit) }
    }

    /// The rate the newest assessment chose, and that assessment's session; nil before any
    /// assessment has chosen one.
    public func latestResonance() async throws -> (rateBreathsPerMinute: Double, sessionID: Int64)? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT session_id, resonance_rate_bpm FROM assessment WHERE resonance_rate_bpm IS NOT NULL ORDER BY session_id DESC LIMIT 1"
            ).map { row in (row["resonance_rate_bpm"], row["session_id"]) }
        }
    }

    /// A session with every beat, or nil when there is no such session.
    public func session(_ reference: SessionReference) async throws -> SessionReply? {
        try await pool.read { db in try HistoryRows.session(db, reference) }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound database, otherwise SQLite's list of problems.
    public func integrityCheck() async throws -> String {
        try await pool.read { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n")
        }
    }

    /// Bytes of SQLite's page cache on the connection that writes and on the readers: each grows
    /// with the pages it touched, up to `PRAGMA cache_size` (`SQLITE_DBSTATUS_CACHE_USED`).
    public func pageCacheBytes() async throws -> (writer: Int, reader: Int) {
        let writer = try await pool.write { db in Self.pageCacheBytes(db) }
        let reader = try await pool.read { db in Self.pageCacheBytes(db) }
        return (writer, reader)
    }

    private static func pageCacheBytes(_ db: Database) -> Int {
        var current: Int32 = 0, highest: Int32 = 0
        sqlite3_db_status(db.sqliteConnection, SQLITE_DBSTATUS_CACHE_USED, &current, &highest, 0)
        return Int(current)
    }

    /// The journal mode in effect ("wal").
    public func journalMode() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// The migrations applied, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try HistorySchema.migrator.appliedMigrations(db) }
    }

    // MARK: Rows

    private static func close(_ db: Database, id: Int64, endedAt: Timestamp, reason: EndReason, summary: SessionSummary) throws {
        try db.execute(
            sql: """
                UPDATE session SET ended_at_ms = ?, end_reason = ?, mean_hr_bpm = ?, rmssd_ms = ?, sdnn_ms = ?,
                    mean_coherence_score = ?, low_s = ?, medium_s = ?, high_s = ?, beats = ?, artifacts = ?,
                    mean_synchrony = ?, following_share = ?
                WHERE id = ? AND end_reason IS NULL
                """,
            arguments: [
                endedAt.unixMilliseconds, reason.rawValue, summary.meanHeartRateBPM, summary.rmssdMilliseconds,
                summary.sdnnMilliseconds, summary.meanCoherenceScore, summary.secondsInLevel.low,
                summary.secondsInLevel.medium, summary.secondsInLevel.high, summary.beats, summary.artifacts,
                summary.meanSynchrony, summary.followingShare, id,
            ])
        // A session closes once: a second end (a retried one) fails, and its transaction with it.
        guard db.changesCount == 1 else { throw HistoryError.noSuchSession(id) }
    }

    private static func insert(_ assessment: AssessmentResult, sessionID: Int64, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO assessment (session_id, minutes_per_rate, rest_s, resonance_rate_bpm) VALUES (?, ?, ?, ?)",
            arguments: [sessionID, assessment.minutesPerRate, assessment.restSeconds, assessment.resonanceRateBPM])
        for (index, step) in assessment.steps.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO assessment_step (session_id, step, rate_bpm, peak_to_trough_bpm, breath_cycles,
                        lf_power_at_pacer_ms2, mean_coherence_score, synchrony, phase_deg)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    sessionID, index + 1, step.rateBreathsPerMinute, step.peakToTroughBPM, step.breathCycles,
                    step.lfPowerAtPacerMs2, step.meanCoherenceScore, step.synchrony, step.phaseDegrees,
                ])
        }
    }

    static func assessment(_ db: Database, sessionID: Int64) throws -> AssessmentResult? {
        guard let head = try Row.fetchOne(db, sql: "SELECT * FROM assessment WHERE session_id = ?", arguments: [sessionID]) else {
            return nil
        }
        let steps = try Row.fetchAll(
            db, sql: "SELECT * FROM assessment_step WHERE session_id = ? ORDER BY step", arguments: [sessionID]
        ).map { row in
            AssessmentStep(
                rateBreathsPerMinute: row["rate_bpm"], peakToTroughBPM: row["peak_to_trough_bpm"], breathCycles: row["breath_cycles"],
                lfPowerAtPacerMs2: row["lf_power_at_pacer_ms2"], meanCoherenceScore: row["mean_coherence_score"],
                synchrony: row["synchrony"], phaseDegrees: row["phase_deg"])
        }
        return AssessmentResult(
            steps: steps, resonanceRateBPM: head["resonance_rate_bpm"], minutesPerRate: head["minutes_per_rate"],
            restSeconds: head["rest_s"])
    }

    static func beats(_ db: Database, sessionID: Int64) throws -> [BeatRecord] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM beat WHERE session_id = ? ORDER BY t_s, rowid", arguments: [sessionID]
        ).map { row in
            BeatRecord(
                offsetSeconds: row["t_s"], rrMilliseconds: row["rr_ms"], isNN: row["nn"], meanHeartRateBPM: row["mean_hr_bpm"],
                rmssdMilliseconds: row["rmssd_ms"], sdnnMilliseconds: row["sdnn_ms"], coherenceScore: row["coherence_score"],
                coherenceLevel: (row["coherence_level"] as String?).flatMap(CoherenceLevelName.init(rawValue:)),
                synchrony: row["synchrony"], synchronyPhaseDegrees: row["synchrony_phase_deg"])
        }
    }

    /// A session's pacing changes, oldest first; none in a database a read-only reader finds not
    /// yet migrated to keep them.
    static func pacingChanges(_ db: Database, sessionID: Int64) throws -> [PacingChange] {
        guard try db.tableExists("pacing_change") else { return [] }
        return try Row.fetchAll(
            db, sql: "SELECT * FROM pacing_change WHERE session_id = ? ORDER BY t_s, rowid", arguments: [sessionID]
        ).map { row in
            let settingText: String = row["setting"]
            let ratioText: String = row["ratio"]
            let voiceText: String = row["voice"]
            guard let setting = Setting.Key(rawValue: settingText), let ratio = BreathRatio(parsing: ratioText),
                let voice = Voice(rawValue: voiceText)
            else {
                throw HistoryError.corruptRow(sessionID, "pacing change \(settingText), ratio \(ratioText), voice \(voiceText)")
            }
            return PacingChange(
                offsetSeconds: row["t_s"], at: Timestamp(unixMilliseconds: row["at_ms"]), setting: setting,
                rateBreathsPerMinute: row["rate_bpm"], ratio: ratio, voice: voice)
        }
    }

    /// A session's pauses, oldest first; none in a database a read-only reader finds not yet
    /// migrated to keep them.
    static func pauses(_ db: Database, sessionID: Int64) throws -> [SessionPause] {
        guard try db.tableExists("session_pause") else { return [] }
        return try Row.fetchAll(
            db, sql: "SELECT t_s, duration_s FROM session_pause WHERE session_id = ? ORDER BY t_s, rowid", arguments: [sessionID]
        ).map { row in SessionPause(offsetSeconds: row["t_s"], durationSeconds: row["duration_s"]) }
    }

    static func record(_ row: Row) throws -> SessionRecord {
        let id: Int64 = row["id"]
        let ratioText: String = row["ratio"]
        let voiceText: String = row["voice"]
        guard let ratio = BreathRatio(parsing: ratioText), let voice = Voice(rawValue: voiceText) else {
            throw HistoryError.corruptRow(id, "ratio \(ratioText), voice \(voiceText)")
        }
        let settings = SessionSettings(
            durationSeconds: row["duration_s"], rateBreathsPerMinute: row["rate_bpm"], ratio: ratio, voice: voice,
            volume: row["volume"])
        let endReason = (row["end_reason"] as String?).flatMap(EndReason.init(rawValue:))
        let summary = endReason.map { _ in
            SessionSummary(
                meanHeartRateBPM: row["mean_hr_bpm"], rmssdMilliseconds: row["rmssd_ms"], sdnnMilliseconds: row["sdnn_ms"],
                meanCoherenceScore: row["mean_coherence_score"],
                secondsInLevel: LevelSeconds(low: row["low_s"] ?? 0, medium: row["medium_s"] ?? 0, high: row["high_s"] ?? 0),
                beats: row["beats"] ?? 0, artifacts: row["artifacts"] ?? 0, meanSynchrony: row["mean_synchrony"],
                followingShare: row["following_share"])
        }
        return SessionRecord(
            id: id, startedAt: Timestamp(unixMilliseconds: row["started_at_ms"]),
            endedAt: (row["ended_at_ms"] as Int64?).map(Timestamp.init(unixMilliseconds:)), endReason: endReason,
            settings: settings, summary: summary,
            kind: (row["kind"] as String?).flatMap(SessionKind.init(rawValue:)) ?? .session)
    }
}

public enum HistoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchSession(Int64)
    case corruptRow(Int64, String)

    public var description: String {
        switch self {
        case .noSuchSession(let id): "no session \(id) in history"
        case .corruptRow(let id, let detail): "session \(id) in history is unreadable (\(detail))"
        }
    }
}

/// The history queries, one home for the daemon (`HistoryStore`) and breathctl (`HistoryFile`).
enum HistoryRows {
    static func sessions(_ db: Database, limit: Int) throws -> [SessionRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM session ORDER BY id DESC LIMIT ?", arguments: [limit]).map(HistoryStore.record)
    }

    static func session(_ db: Database, _ reference: SessionReference) throws -> SessionReply? {
        let row: Row?
        switch reference {
        case .id(let id): row = try Row.fetchOne(db, sql: "SELECT * FROM session WHERE id = ?", arguments: [id])
        case .last: row = try Row.fetchOne(db, sql: "SELECT * FROM session ORDER BY id DESC LIMIT 1")
        }
        guard let row else { return nil }
        let record = try HistoryStore.record(row)
        return SessionReply(
            session: record, beats: try HistoryStore.beats(db, sessionID: record.id),
            assessment: try HistoryStore.assessment(db, sessionID: record.id),
            pacingChanges: try HistoryStore.pacingChanges(db, sessionID: record.id),
            pauses: try HistoryStore.pauses(db, sessionID: record.id))
    }
}

/// A session's own row (its start, settings and kind), kept while it cannot be written: the
/// session paces meanwhile under an id promised from `nextSessionID` (nil: the table gives one).
public struct SessionBegin: Sendable, Equatable, Codable {
    public var id: Int64?
    public var startedAt: Timestamp
    public var settings: SessionSettings
    public var kind: SessionKind

    public init(id: Int64?, startedAt: Timestamp, settings: SessionSettings, kind: SessionKind) {
        self.id = id
        self.startedAt = startedAt
        self.settings = settings
        self.kind = kind
    }
}
