import BreathDaemon
import BreathProtocol
import BreathTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Answers control requests from fixed data and remembers what it was asked: a stand-in for the
/// session engine, so that breathctl talks to the real `ControlSocketServer` over a real socket.
final class ScriptedHandler: ControlRequestHandler {
    private let answer: @Sendable (Request) -> ServerMessage
    private let received = Mutex<[Request]>([])

    init(answer: @escaping @Sendable (Request) -> ServerMessage = ScriptedHandler.fixedReplies) {
        self.answer = answer
    }

    var requests: [Request] { received.withLock { $0 } }

    func reply(to request: Request, from peer: PeerCredentials) async -> ServerMessage {
        received.withLock { $0.append(request) }
        return answer(request)
    }

    /// STATUS, HISTORY and SESSION from `Fixtures`, OK for everything that changes state.
    static let fixedReplies: @Sendable (Request) -> ServerMessage = { request in
        switch request {
        case .status: .status(Fixtures.runningStatus)
        case .history: .history(HistoryReply(sessions: [Fixtures.runningSession, Fixtures.finishedSession]))
        case .session(.last), .session(.id(12)): .session(Fixtures.sessionReply)
        case .session(.id(let id)): .error("no session \(id) in history")
        case .start: .ok(OKReply(message: "session started", session: 13))
        default: .ok(OKReply())
        }
    }
}

/// A control socket served by BreathDaemon's server in a temporary directory.
final class ServedSocket: Sendable {
    let directory: String
    let path: String
    let handler: ScriptedHandler
    let events = EventHub()
    private let services: ServiceGroup
    private let listening: AsyncStream<Void>

    init(handler: ScriptedHandler = ScriptedHandler()) throws {
        var template = Array("/tmp/breathctl-test-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        directory = String(cString: created)
        path = directory + "/breathd.sock"
        self.handler = handler
        let (listening, ready) = AsyncStream<Void>.makeStream()
        self.listening = listening
        let logger = Logger(label: "breathctl-tests")
        let server = ControlSocketServer(
            settings: .init(path: path, release: "test"), authorization: try ControlAuthorization(group: ""),
            handler: handler, events: events, logger: logger, onListening: { ready.yield() })
        services = ServiceGroup(services: [server], logger: logger)
    }

    /// Serves while `body` runs (it may end the server early with `shutDown`), then removes the directory.
    func serve<Result: Sendable>(_ body: @Sendable (ServedSocket) async throws -> Result) async throws -> Result {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [services] in try await services.run() }
            do {
                var ready = listening.makeAsyncIterator()
                guard await ready.next() != nil else { throw CancellationError() }
                let result = try await body(self)
                await shutDown()
                try await group.waitForAll()
                return result
            } catch {
                await shutDown()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    /// Graceful shutdown, as SIGTERM would: every connection is closed, so watchers end.
    func shutDown() async {
        await services.triggerGracefulShutdown()
    }

    /// Waits until `count` clients watch, so that events published next reach them.
    /// The ceiling (60 s) only ends a wait that never would: a client process starts and
    /// subscribes in well under a second, even on a busy machine.
    func waitForWatchers(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while events.watcherCount < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        guard events.watcherCount >= count else { throw TestTimeout(what: "\(count) watchers") }
    }
}
