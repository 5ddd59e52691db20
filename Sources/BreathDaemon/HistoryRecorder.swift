import BreathProtocol
import Logging
import ServiceLifecycle

/// Buffers the running session's beats and commits them to the history store in batches, at
/// least every `flushInterval`, so that a crash loses at most that much of a session.
///
/// The engine calls `record` on every beat (no I/O on its path); the service's `run` loop flushes.
public actor HistoryRecorder: Service {
    private enum State {
        case idle
        case recording(sessionID: Int64, pending: [BeatRecord])
        case stopped
    }

    public let flushInterval: Duration
    private let store: HistoryStore
    private let logger: Logger
    private var state = State.idle

    public init(store: HistoryStore, flushInterval: Duration = .seconds(5), logger: Logger) {
        self.store = store
        self.flushInterval = flushInterval
        self.logger = logger
    }

    public var sessionID: Int64? {
        if case .recording(let id, _) = state { return id }
        return nil
    }

    /// Opens a session in the store; beats recorded from now on belong to it.
    public func begin(startedAt: Timestamp, settings: SessionSettings, kind: SessionKind = .session) async throws -> Int64 {
        guard case .idle = state else { throw HistoryRecorderError.notIdle }
        let id = try await store.beginSession(startedAt: startedAt, settings: settings, kind: kind)
        // Re-check after the await: a shutdown may have stopped the recorder meanwhile.
        guard case .idle = state else {
            try await store.finishSession(id: id, endedAt: startedAt, reason: .stopped, summary: SessionSummary())
            throw HistoryRecorderError.notIdle
        }
        state = .recording(sessionID: id, pending: [])
        return id
    }

    /// Queues a beat of the running session; ignored when no session runs.
    public func record(_ beat: BeatRecord) {
        guard case .recording(let id, var pending) = state else { return }
        pending.append(beat)
        state = .recording(sessionID: id, pending: pending)
    }

    /// Commits the queued beats, then closes the session with its end reason and summary.
    /// An assessment's result is stored with it.
    public func finish(endedAt: Timestamp, reason: EndReason, summary: SessionSummary, assessment: AssessmentResult? = nil) async throws {
        guard case .recording(let id, let pending) = state else { throw HistoryRecorderError.noSession }
        // Leave .recording before the first await so that beats arriving meanwhile are not taken
        // for this session.
        state = .idle
        try await store.appendBeats(pending, to: id)
        try await store.finishSession(id: id, endedAt: endedAt, reason: reason, summary: summary, assessment: assessment)
    }

    /// Commits the queued beats now.
    public func flush() async throws {
        guard case .recording(let id, let pending) = state, !pending.isEmpty else { return }
        state = .recording(sessionID: id, pending: [])
        do {
            try await store.appendBeats(pending, to: id)
        } catch {
            // Put the batch back in front of what arrived during the await, if the session still runs.
            if case .recording(id, let newer) = state { state = .recording(sessionID: id, pending: pending + newer) }
            throw error
        }
    }

    /// Flushes every `flushInterval` until graceful shutdown, then flushes once more. The session
    /// itself stays open: the engine finishes it (as `stopped`) before the recorder stops.
    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let interval = flushInterval
            // Shutdown ends the wait early; the final flush below follows at once.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            do {
                try await flush()
            } catch {
                logger.error("history: beats not committed, retrying", metadata: ["error": "\(error)"])
            }
        }
        try await flush()
        if case .idle = state { state = .stopped }
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
