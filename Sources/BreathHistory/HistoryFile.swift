import BreathProtocol
import Foundation
import GRDB

/// The history database opened read-only, for breathctl when the daemon is not running: it never
/// writes, creates or migrates the database (SQLITE_OPEN_READONLY). The queries are the daemon's
/// own (`HistoryRows`).
public final class HistoryFile {
    public let path: String
    private let queue: DatabaseQueue

    public init(readingFrom path: String) throws(HistoryFileError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path) }
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        configuration.label = "breathctl.history"
        // The daemon may be writing (it can start meanwhile): wait rather than fail.
        configuration.busyMode = .timeout(5)
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            // Opening is lazy: read the schema now, so that an unreadable file fails here.
            _ = try queue.read { db in try db.tableExists("session") }
        } catch {
            throw .unreadable(path, Self.describe(error))
        }
        self.path = path
    }

    /// Sessions, newest first.
    public func history(limit: Int) throws(HistoryFileError) -> [SessionRecord] {
        do {
            return try queue.read { db in
                // A database the daemon created but never migrated has no sessions yet.
                guard try db.tableExists("session") else { return [] }
                return try HistoryRows.sessions(db, limit: limit)
            }
        } catch {
            throw .unreadable(path, Self.describe(error))
        }
    }

    /// A session with every beat, or nil when there is no such session.
    public func session(_ reference: SessionReference) throws(HistoryFileError) -> SessionReply? {
        do {
            return try queue.read { db in
                guard try db.tableExists("session") else { return nil }
                return try HistoryRows.session(db, reference)
            }
        } catch {
            throw .unreadable(path, Self.describe(error))
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "SQLite error \(error.resultCode.rawValue)" }
        return "\(error)"
    }
}

public enum HistoryFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(String)
    case unreadable(String, String)

    public var description: String {
        switch self {
        case .missing(let path): "no history at \(path) (no session has been recorded there yet)"
        case .unreadable(let path, let detail): "\(path) cannot be read (\(detail))"
        }
    }
}
