import BreathHistory
import BreathProtocol
import Foundation
import GRDB
import Logging

/// Opens the history database at start so that no trouble with it stops the pacer: a corrupt file
/// is moved aside (never deleted) and a fresh one created; an unreadable, read-only or full one
/// leaves the daemon pacing without history, with the path and the fix in `status` and the log.
public enum HistoryOpening {
    public struct Outcome: Sendable {
        /// nil when the daemon runs without history.
        public let store: HistoryStore?
        public let condition: HistoryCondition
        /// Sessions an earlier run left open, now closed as interrupted.
        public let interrupted: [Int64]
        /// Session ends an earlier run could not write (its spill file), for the recorder to write.
        public let unwritten: [HistoryRecorder.UnwrittenEnd]
    }

    /// - Parameter spillFallbackDirectory: where an earlier run may have put its spill file when the
    ///   database's disk was full (`HistoryRecorder`).
    public static func open(path: String, spillFallbackDirectory: String? = nil, logger: Logger, now: Date = Date()) async -> Outcome {
        do {
            return try await attempt(path: path, spillFallbackDirectory: spillFallbackDirectory, logger: logger, movedAside: nil)
        } catch let error where isCorrupt(error) {
            let moved: String
            do {
                moved = try moveAside(path: path, now: now)
            } catch {
                return unusable(path: path, problem: "\(path) is corrupt and could not be moved aside (\(describe(error))): move it away by hand; running without history", logger: logger)
            }
            logger.warning(
                "history database is corrupt: moved aside, a fresh one is created",
                metadata: ["path": "\(path)", "moved_to": "\(moved)", "error": "\(describe(error))"])
            do {
                return try await attempt(path: path, spillFallbackDirectory: spillFallbackDirectory, logger: logger, movedAside: moved)
            } catch {
                return unusable(path: path, problem: problem(for: error, path: path), logger: logger)
            }
        } catch {
            return unusable(path: path, problem: problem(for: error, path: path), logger: logger)
        }
    }

    private static func attempt(path: String, spillFallbackDirectory: String?, logger: Logger, movedAside: String?) async throws -> Outcome {
        let store = try HistoryStore(path: path, logger: logger)
        try await store.checkWritable()
        var unwritten: [HistoryRecorder.UnwrittenEnd] = []
        do {
            // Only sessions still open, or never written (begun on a full disk): one closed since
            // (its end written) must not get its beats twice.
            for end in try HistoryRecorder.readSpill(for: path, fallbackDirectory: spillFallbackDirectory) {
                let waiting = end.begin != nil ? !(try await store.contains(sessionID: end.sessionID)) : try await store.isOpen(end.sessionID)
                if waiting { unwritten.append(end) }
            }
        } catch {
            for spill in HistoryRecorder.spillPaths(for: path, fallbackDirectory: spillFallbackDirectory)
            where FileManager.default.fileExists(atPath: spill) {
                _ = rename(spill, spill + ".unreadable")
                logger.error(
                    "history: the spill file of an earlier run is unreadable; moved aside",
                    metadata: ["spill": "\(spill).unreadable", "error": "\(error)"])
            }
        }
        if !unwritten.isEmpty {
            logger.notice(
                "history: writing what an earlier run kept in its spill file",
                metadata: ["sessions": "\(unwritten.map(\.sessionID))", "beats": "\(unwritten.reduce(0) { $0 + $1.beats.count })"])
        }
        let interrupted = try await store.markOpenSessionsInterrupted(except: Set(unwritten.map(\.sessionID)))
        return Outcome(
            store: store, condition: HistoryCondition(HistoryStatus(path: path, state: .ok, movedAside: movedAside)),
            interrupted: interrupted, unwritten: unwritten)
    }

    private static func unusable(path: String, problem: String, logger: Logger) -> Outcome {
        logger.error("history unavailable; pacing without history", metadata: ["path": "\(path)", "problem": "\(problem)"])
        return Outcome(
            store: nil, condition: HistoryCondition(HistoryStatus(path: path, state: .unavailable, problem: problem)), interrupted: [],
            unwritten: [])
    }

    static func isCorrupt(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
    }

    /// The sentence for `status` and the log: what is wrong with which file, and what to do.
    static func problem(for error: any Error, path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let who = "uid \(getuid())"
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_FULL:
                return "the disk holding \(path) is full: free space there (or set [storage] path elsewhere) and restart breathd; running without history"
            case .SQLITE_READONLY:
                return "\(path) is read-only (\(error.message ?? "readonly")): make it and \(directory) writable by \(who) (or set [storage] path elsewhere) and restart breathd; running without history"
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH, .SQLITE_IOERR:
                return "\(path) cannot be opened for reading and writing (\(error.message ?? "\(error.resultCode)")): make it and \(directory) readable and writable by \(who) (or set [storage] path elsewhere) and restart breathd; running without history"
            default:
                break
            }
        }
        return "\(path) cannot be used (\(describe(error))): check the file and its directory (or set [storage] path elsewhere) and restart breathd; running without history"
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "")" }
        return "\(error)"
    }

    /// Renames the database and its -wal and -shm to `<path>.corrupt-<UTC time>`; returns the new
    /// name of the database.
    static func moveAside(path: String, now: Date) throws -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var target = "\(path).corrupt-\(formatter.string(from: now))"
        var attempt = 1
        while FileManager.default.fileExists(atPath: target) {
            attempt += 1
            target = "\(path).corrupt-\(formatter.string(from: now))-\(attempt)"
        }
        guard rename(path, target) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            _ = rename(path + suffix, target + suffix)
        }
        return target
    }
}
