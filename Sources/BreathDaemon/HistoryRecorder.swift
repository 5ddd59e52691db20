import BreathHistory
import BreathProtocol
import Foundation
import Logging
import ServiceLifecycle
import SystemCalls

/// Buffers the running session's beats and commits them to the history store in batches, at
/// least every `flushInterval`, so that a crash loses at most that much of a session.
///
/// Nothing that could not be written is dropped: when a write fails (a full disk), the beats and a
/// finished session's end stay in memory and are retried every `flushInterval` until they are
/// written; `HistoryCondition` counts them for `status`. Still unwritten at shutdown, they go to a
/// spill file next to the database (`<path>.unsaved.json`), which the next start writes first; when
/// that disk is full too, to the same name in `spillFallbackDirectory` (the socket's runtime
/// directory, another file system: tmpfs).
///
/// The engine calls `record` on every beat (no I/O on its path); the service's `run` loop flushes.
public actor HistoryRecorder: Service {
    private enum State {
        case idle
        case recording(sessionID: Int64, pending: [BeatRecord])
        case stopped
    }

    /// A finished session whose end (and last beats) is not in the database yet.
    public struct UnwrittenEnd: Sendable, Codable, Equatable {
        public var sessionID: Int64
        public var beats: [BeatRecord]
        public var endedAt: Timestamp
        public var reason: EndReason
        public var summary: SessionSummary
        public var assessment: AssessmentResult?
        /// Its live pacing changes not yet written.
        public var changes: [PacingChange] = []
        /// Its pauses not yet written.
        public var pauses: [SessionPause] = []
        /// Its own row, when even its start could not be written (a disk full since before it began).
        public var begin: SessionBegin?

        public init(
            sessionID: Int64, beats: [BeatRecord], endedAt: Timestamp, reason: EndReason, summary: SessionSummary,
            assessment: AssessmentResult?, changes: [PacingChange], pauses: [SessionPause] = [], begin: SessionBegin? = nil
        ) {
            self.sessionID = sessionID
            self.beats = beats
            self.endedAt = endedAt
            self.reason = reason
            self.summary = summary
            self.assessment = assessment
            self.changes = changes
            self.pauses = pauses
            self.begin = begin
        }

        enum CodingKeys: String, CodingKey {
            case sessionID, beats, endedAt, reason, summary, assessment, changes, pauses, begin
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sessionID = try c.decode(Int64.self, forKey: .sessionID)
            beats = try c.decode([BeatRecord].self, forKey: .beats)
            endedAt = try c.decode(Timestamp.self, forKey: .endedAt)
            reason = try c.decode(EndReason.self, forKey: .reason)
            summary = try c.decode(SessionSummary.self, forKey: .summary)
            assessment = try c.decodeIfPresent(AssessmentResult.self, forKey: .assessment)
            // Spill files of a breathd that did not keep pacing changes have none.
            changes = try c.decodeIfPresent([PacingChange].self, forKey: .changes) ?? []
            pauses = try c.decodeIfPresent([SessionPause].self, forKey: .pauses) ?? []
            begin = try c.decodeIfPresent(SessionBegin.self, forKey: .begin)
        }
    }

    public let flushInterval: Duration
    /// What the flush timer sleeps on: the daemon's event loop (`EventLoopClock`), where
    /// `Task.sleep` would wake a Dispatch timer thread and a worker for every flush.
    private let clock: any Clock<Duration>
    /// nil: the daemon paces without history (the database was unusable at start). Sessions then
    /// get ids counted in memory and their beats are not kept.
    private let store: HistoryStore?
    private let condition: HistoryCondition?
    /// Where the spill file goes when it cannot be written beside the database (a full disk).
    private let spillFallbackDirectory: String?
    private let logger: Logger
    private var state = State.idle
    /// The running session's pacing changes not yet written (beats wait in `state`).
    private var pendingChanges: [PacingChange] = []
    /// The running session's pauses not yet written.
    private var pendingPauses: [SessionPause] = []
    /// The running session's own row while it cannot be written (it began on a full disk).
    private var pendingBegin: SessionBegin?
    /// A `begin` is between choosing its id and writing it: a second one meanwhile would choose the same.
    private var beginning = false
    private var lastUnstoredSessionID: Int64 = 0
    private var unwritten: [UnwrittenEnd]
    /// True from the first failed write until everything is written again: the log says each once.
    private var failing = false
    /// One writer at a time, so that a retry never meets a finish halfway.
    private var writingEnds = false
    /// Wakes `run` when there is something to write: with nothing to write it sets no timer.
    private let workWake = TickWake()
    /// Raised at graceful shutdown: ends `run`'s waits.
    private let shutdownWake = ShutdownWake()

    private var hasWork: Bool {
        if case .recording(_, let pending) = state, !pending.isEmpty || pendingBegin != nil { return true }
        return !unwritten.isEmpty
    }

    public init(
        store: HistoryStore?, condition: HistoryCondition? = nil, unwritten: [UnwrittenEnd] = [],
        flushInterval: Duration = .seconds(5), clock: any Clock<Duration> = ContinuousClock(), spillFallbackDirectory: String? = nil,
        logger: Logger
    ) {
        self.store = store
        self.spillFallbackDirectory = spillFallbackDirectory
        self.clock = clock
        self.condition = condition
        self.unwritten = unwritten
        self.flushInterval = flushInterval
        self.logger = logger
    }

    public var sessionID: Int64? {
        if case .recording(let id, _) = state { return id }
        return nil
    }

    /// Beats held in memory that are not in the database yet (what `status` reports).
    public var unsavedBeats: Int {
        var count = unwritten.reduce(0) { $0 + $1.beats.count }
        if case .recording(_, let pending) = state { count += pending.count }
        return count
    }

    /// Opens a session in the store; beats recorded from now on belong to it.
    public func begin(startedAt: Timestamp, settings: SessionSettings, kind: SessionKind = .session) async throws -> Int64 {
        guard case .idle = state else { throw HistoryRecorderError.notIdle }
        guard let store else {
            lastUnstoredSessionID += 1
            state = .recording(sessionID: lastUnstoredSessionID, pending: [])
            pendingChanges = []
            pendingPauses = []
            return lastUnstoredSessionID
        }
        guard !beginning else { throw HistoryRecorderError.notIdle }
        beginning = true
        defer { beginning = false }
        // The id is chosen here, above any promised to a session not written yet, so that a
        // session begun while the disk is full keeps its id when it is written later.
        let reserved = unwritten.compactMap { $0.begin?.id }.max() ?? 0
        let id = try await store.nextSessionID(reservedAbove: reserved)
        let begin = SessionBegin(id: id, startedAt: startedAt, settings: settings, kind: kind)
        var written = true
        do {
            try await store.appendBeats([], to: id, begin: begin)
        } catch {
            // A full disk: the session paces all the same; its row waits with its beats and is
            // retried with them (and spilled at shutdown), as a session end is.
            written = false
            noteFailure(error)
        }
        // Re-check after the await: a shutdown may have stopped the recorder meanwhile.
        guard case .idle = state else {
            if written { try await store.finishSession(id: id, endedAt: startedAt, reason: .stopped, summary: SessionSummary()) }
            throw HistoryRecorderError.notIdle
        }
        state = .recording(sessionID: id, pending: [])
        pendingChanges = []
        pendingPauses = []
        pendingBegin = written ? nil : begin
        if !written { workWake.wake() }
        return id
    }

    /// Queues a beat of the running session; ignored when no session runs.
    public func record(_ beat: BeatRecord) {
        guard case .recording(let id, var pending) = state else { return }
        if pending.isEmpty { workWake.wake() }
        pending.append(beat)
        // Without history nothing is kept, so nothing piles up either.
        state = .recording(sessionID: id, pending: store == nil ? [] : pending)
    }

    /// A live pacing change of the running session, committed at once with the beats queued so
    /// far (changes are rare, and `session` should show one as soon as it is made); when that
    /// write fails it is kept and retried like beats. Ignored when no session runs.
    public func record(_ change: PacingChange) async {
        guard case .recording = state, store != nil else { return }
        pendingChanges.append(change)
        try? await flush()
    }

    /// A pause of the running session, written at once like a pacing change (`export` dates the
    /// beats after it by it); ignored when no session runs.
    public func record(_ pause: SessionPause) async {
        guard case .recording = state, store != nil else { return }
        pendingPauses.append(pause)
        try? await flush()
    }

    /// Closes the session with its end reason and summary, with its queued beats, in one
    /// transaction. An assessment's result is stored with it. When that cannot be written now, it
    /// is kept and retried (see the type's comment); this does not throw for it.
    public func finish(endedAt: Timestamp, reason: EndReason, summary: SessionSummary, assessment: AssessmentResult? = nil) async throws {
        guard case .recording(let id, let pending) = state else { throw HistoryRecorderError.noSession }
        // Leave .recording before the first await so that beats arriving meanwhile are not taken
        // for this session.
        state = .idle
        let changes = pendingChanges, pauses = pendingPauses, begin = pendingBegin
        pendingChanges = []
        pendingPauses = []
        pendingBegin = nil
        guard store != nil else { return }
        unwritten.append(
            UnwrittenEnd(
                sessionID: id, beats: pending, endedAt: endedAt, reason: reason, summary: summary, assessment: assessment,
                changes: changes, pauses: pauses, begin: begin))
        await writeUnwrittenEnds()
        if !unwritten.isEmpty { workWake.wake() }
    }

    /// Commits the queued beats (and pacing changes and pauses) now.
    public func flush() async throws {
        guard let store, case .recording(let id, let pending) = state,
            !pending.isEmpty || !pendingChanges.isEmpty || !pendingPauses.isEmpty || pendingBegin != nil
        else { return }
        let changes = pendingChanges, pauses = pendingPauses, begin = pendingBegin
        state = .recording(sessionID: id, pending: [])
        pendingChanges = []
        pendingPauses = []
        pendingBegin = nil
        do {
            try await store.appendBeats(pending, changes: changes, pauses: pauses, to: id, begin: begin)
        } catch {
            // Put the batch back in front of what arrived during the await, if the session still
            // runs; if it ended meanwhile, the batch goes with its end.
            if case .recording(id, let newer) = state {
                state = .recording(sessionID: id, pending: pending + newer)
                pendingChanges = changes + pendingChanges
                pendingPauses = pauses + pendingPauses
                pendingBegin = begin
            } else if let index = unwritten.firstIndex(where: { $0.sessionID == id }) {
                unwritten[index].beats = pending + unwritten[index].beats
                unwritten[index].changes = changes + unwritten[index].changes
                unwritten[index].pauses = pauses + unwritten[index].pauses
                if let begin { unwritten[index].begin = begin }
            }
            noteFailure(error)
            throw error
        }
        noteSuccessIfDone()
    }

    /// Writes kept session ends, oldest first; stops at the first failure.
    private func writeUnwrittenEnds() async {
        guard let store, !writingEnds else { return }
        writingEnds = true
        defer { writingEnds = false }
        while let end = unwritten.first {
            do {
                try await store.finishSession(
                    id: end.sessionID, endedAt: end.endedAt, reason: end.reason, summary: end.summary,
                    assessment: end.assessment, beats: end.beats, changes: end.changes, pauses: end.pauses, begin: end.begin)
                unwritten.removeFirst()
                if failing {
                    logger.notice(
                        "history: kept session written", metadata: ["session": "\(end.sessionID)", "beats": "\(end.beats.count)"])
                }
            } catch HistoryError.noSuchSession(let id) {
                // Closed already (by an earlier run's interrupted marking): nothing to attach to.
                logger.error("history: session \(id) is no longer open; its kept end is dropped", metadata: ["beats": "\(end.beats.count)"])
                unwritten.removeFirst()
            } catch {
                noteFailure(error)
                return
            }
        }
        // What an earlier run spilled is written now.
        for spill in Self.spillPaths(for: store.path, fallbackDirectory: spillFallbackDirectory)
        where FileManager.default.fileExists(atPath: spill) {
            try? FileManager.default.removeItem(atPath: spill)
        }
        noteSuccessIfDone()
    }

    private func noteFailure(_ error: any Error) {
        if !failing {
            failing = true
            logger.error(
                "history: cannot write, keeping beats in memory and retrying every \(flushInterval)",
                metadata: ["path": "\(store?.path ?? "")", "error": "\(HistoryOpening.describe(error))"])
        }
        updateCondition(problem: "writing \(store?.path ?? "history") fails (\(HistoryOpening.describe(error))): free space there; kept beats are retried")
    }

    private func noteSuccessIfDone() {
        guard failing, unwritten.isEmpty else {
            updateCondition(problem: nil)
            return
        }
        failing = false
        logger.notice("history: writing works again; nothing is held in memory")
        updateCondition(problem: nil)
    }

    private func updateCondition(problem: String?) {
        guard let condition else { return }
        let unsaved = unsavedBeats
        let failing = failing
        condition.update { status in
            guard status.state != .unavailable else { return }
            status.unsavedBeats = failing ? unsaved : 0
            status.state = failing ? .retrying : .ok
            if let problem { status.problem = problem } else if !failing { status.problem = nil }
        }
    }

    /// Flushes every `flushInterval` while there is something to write (idle, it waits without a
    /// timer) until graceful shutdown, then flushes once more. The session itself stays open: the
    /// engine finishes it (as `stopped`) before the recorder stops.
    ///
    /// Graceful shutdown ends a wait through `withGracefulShutdownHandler` and `TickWake`, not
    /// `cancelWhenGracefulShutdown`: that one's waiter starts an unstructured `Task` whenever it
    /// ends, which runs on Swift's global executor, not the event loop, so each 5 s flush started
    /// a worker thread of Dispatch's global pool (and the first one armed libdispatch's
    /// once-a-second workqueue monitor for the life of the process: issue 16's wake-ups).
    public func run() async throws {
        let shutdown = shutdownWake, work = workWake
        await withGracefulShutdownHandler {
            while !shutdown.isRaised, !Task.isCancelled {
                if !hasWork {
                    await work.wait()
                    if shutdown.isRaised || Task.isCancelled { break }
                }
                // Shutdown ends the wait early; the final flush below follows at once.
                await shutdown.sleep(for: flushInterval, on: clock)
                if Task.isCancelled { break }
                await writeUnwrittenEnds()
                try? await flush()
            }
        } onGracefulShutdown: {
            shutdown.raise()
            work.wake()
        }
        try? await flush()
        await writeUnwrittenEnds()
        if case .idle = state { state = .stopped }
        spillUnwritten()
    }

    // MARK: The spill file

    public static func spillPath(for databasePath: String) -> String { databasePath + ".unsaved.json" }

    /// The spill file beside the database, then its stand-in in `fallbackDirectory` (unless that
    /// is the database's own directory).
    public static func spillPaths(for databasePath: String, fallbackDirectory: String?) -> [String] {
        let primary = spillPath(for: databasePath)
        guard let fallbackDirectory, !fallbackDirectory.isEmpty else { return [primary] }
        let database = URL(fileURLWithPath: databasePath)
        let fallback = URL(fileURLWithPath: fallbackDirectory).appendingPathComponent(database.lastPathComponent + ".unsaved.json")
        guard fallback.deletingLastPathComponent().standardizedFileURL != database.deletingLastPathComponent().standardizedFileURL
        else { return [primary] }
        return [primary, fallback.path]
    }

    /// What an earlier run could not write, from its spill file (beside the database, or in
    /// `fallbackDirectory`); empty when there is none.
    public static func readSpill(for databasePath: String, fallbackDirectory: String? = nil) throws -> [UnwrittenEnd] {
        var ends: [UnwrittenEnd] = []
        for path in spillPaths(for: databasePath, fallbackDirectory: fallbackDirectory) {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            for end in try JSONDecoder().decode([UnwrittenEnd].self, from: data) where !ends.contains(where: { $0.sessionID == end.sessionID }) {
                ends.append(end)
            }
        }
        return ends
    }

    /// At shutdown: what is still unwritten goes to the spill file (0600), beside the database or,
    /// when that disk is full too, in the fallback directory; when nothing is unwritten, old spill
    /// files are removed.
    private func spillUnwritten() {
        guard let store else { return }
        let paths = Self.spillPaths(for: store.path, fallbackDirectory: spillFallbackDirectory)
        if unwritten.isEmpty {
            for path in paths where FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
            return
        }
        let beats = unwritten.reduce(0) { $0 + $1.beats.count }
        var failures: [String] = []
        do {
            let data = try JSONEncoder().encode(unwritten)
            for path in paths {
                do {
                    try Self.writeWhole(data, to: path)
                } catch {
                    failures.append("\(path): \(error)")
                    continue
                }
                // One copy only: the next start reads both places.
                for other in paths where other != path { try? FileManager.default.removeItem(atPath: other) }
                logger.notice(
                    "history: unwritten sessions kept in the spill file for the next start",
                    metadata: ["spill": "\(path)", "sessions": "\(unwritten.map(\.sessionID))", "beats": "\(beats)"])
                return
            }
        } catch {
            failures.append("encoding: \(error)")
        }
        logger.error(
            "history: unwritten sessions lost at shutdown: neither the database nor a spill file could be written",
            metadata: ["spill": "\(paths.joined(separator: ", "))", "sessions": "\(unwritten.map(\.sessionID))", "beats": "\(beats)",
                "error": "\(failures.joined(separator: "; "))"])
    }

    /// Writes `data` to a temporary file (0600), syncs it and renames it over `path`; the error
    /// names the system call that failed and why (a full disk: ENOSPC).
    private static func writeWhole(_ data: Data, to path: String) throws(SystemCallError) {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SystemCallError(call: "open", subject: temporary, errno: errno) }
        var failure: SystemCallError?
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = SystemCallError(call: "write", subject: temporary, errno: errno)
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = SystemCallError(call: "fsync", subject: temporary, errno: errno) }
        if close(descriptor) != 0, failure == nil { failure = SystemCallError(call: "close", subject: temporary, errno: errno) }
        if failure == nil, rename(temporary, path) != 0 { failure = SystemCallError(call: "rename", subject: path, errno: errno) }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }
}

public enum HistoryRecorderError: Error, Sendable, Equatable, CustomStringConvertible {
    case notIdle
    case noSession

    public var description: String {
        switch self {
        case .notIdle: "a session is already being recorded (or the recorder has stopped)"
        case .noSession: "no session is being recorded"
        }
    }
}
