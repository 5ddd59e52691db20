import BreathHistory
import BreathProtocol

/// Answers control requests; the session engine implements it.
///
/// The socket server handles `watch` itself (through `EventHub`) and refuses state-changing requests
/// from unauthorised peers before they reach the handler.
public protocol ControlRequestHandler: Sendable {
    /// The reply to one request (never `watch`): STATUS, HISTORY, SESSION, OK or ERROR.
    func reply(to request: Request, from peer: PeerCredentials) async -> ServerMessage
}

/// The history half of the protocol (`history`, `session`) answered from the store, for the engine
/// to delegate to.
public struct HistoryQueries: Sendable {
    public static let defaultHistoryLimit = 20

    /// nil when the daemon runs without history (`condition` says why).
    let store: HistoryStore?
    let condition: HistoryCondition?

    public init(store: HistoryStore?, condition: HistoryCondition? = nil) {
        self.store = store
        self.condition = condition
    }

    /// History's part of `status`.
    public var status: HistoryStatus? {
        if let condition { return condition.status }
        return store.map { HistoryStatus(path: $0.path, state: .ok) }
    }

    /// The rate of the newest assessment that chose one, and its session.
    public func latestResonance() async throws -> (rateBreathsPerMinute: Double, sessionID: Int64)? {
        guard let store else { throw HistoryUnavailable(problem: status?.problem) }
        return try await store.latestResonance()
    }

    /// The reply to `history` or `session`; nil for any other request.
    public func reply(to request: Request) async -> ServerMessage? {
        guard let store else {
            switch request {
            case .history, .session: return .error("history unavailable: \(status?.problem ?? "the daemon runs without history")")
            default: return nil
            }
        }
        do {
            switch request {
            case .history(let limit):
                return .history(HistoryReply(sessions: try await store.history(limit: limit ?? Self.defaultHistoryLimit)))
            case .session(let reference):
                guard let session = try await store.session(reference) else {
                    switch reference {
                    case .id(let id): return .error("no session \(id) in history")
                    case .last: return .error("no sessions in history yet")
                    }
                }
                return .session(session)
            default:
                return nil
            }
        } catch {
            return .error("history unavailable: \(error)")
        }
    }
}

/// History was not opened at start; `problem` says why and what to do.
public struct HistoryUnavailable: Error, Sendable, CustomStringConvertible {
    public let problem: String?
    public var description: String { problem ?? "the daemon runs without history" }
}
