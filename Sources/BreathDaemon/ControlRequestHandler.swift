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

    let store: HistoryStore

    public init(store: HistoryStore) { self.store = store }

    /// The rate of the newest assessment that chose one, and its session.
    public func latestResonance() async throws -> (rateBreathsPerMinute: Double, sessionID: Int64)? {
        try await store.latestResonance()
    }

    /// The reply to `history` or `session`; nil for any other request.
    public func reply(to request: Request) async -> ServerMessage? {
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
