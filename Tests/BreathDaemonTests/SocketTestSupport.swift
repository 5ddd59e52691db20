@testable import BreathDaemon
import BreathHistory
import BreathProtocol
import BreathTestSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Serves `history` and `session` from a real store; every other request is answered as the daemon
/// without its session engine would.
struct HistoryOnlyHandler: ControlRequestHandler {
    let queries: HistoryQueries
    /// Replies made so far, to see how far the server runs ahead of a client.
    let replies = Counter()

    final class Counter: Sendable {
        private let value = Mutex(0)
        func increment() { value.withLock { $0 += 1 } }
        var current: Int { value.withLock { $0 } }
    }

    func reply(to request: Request, from peer: PeerCredentials) async -> ServerMessage {
        replies.increment()
        return await queries.reply(to: request) ?? .error("\(request.command.rawValue): the session engine is not part of this server")
    }
}

/// A running control socket server in a temporary directory.
struct ServerFixture {
    let directory: TemporaryDirectory
    let path: String
    let store: HistoryStore
    let events: EventHub
    let server: ControlSocketServer
    let listening: AsyncStream<Void>

    init(
        maximumClients: Int = 64, eventCapacity: Int = 256, mode: Int = 0o660, idleTimeout: Duration = .seconds(60),
        group: String = "", log: CapturedLog? = nil, maximumQueuedOutputBytes: Int = 256 * 1024
    ) throws {
        directory = try TemporaryDirectory()
        path = "\(directory.path)/run/breathd.sock"
        let logger = log.map { log in Logger(label: "breathd-tests") { _ in log } } ?? Logger(label: "breathd-tests")
        store = try HistoryStore(path: "\(directory.path)/history.sqlite", logger: logger)
        events = EventHub(capacityPerWatcher: eventCapacity)
        let (listening, signal) = AsyncStream<Void>.makeStream()
        self.listening = listening
        server = ControlSocketServer(
            settings: .init(path: path, mode: mode, maximumClients: maximumClients, release: "test", idleTimeout: idleTimeout,
                            maximumQueuedOutputBytes: maximumQueuedOutputBytes),
            authorization: try ControlAuthorization(group: group), handler: HistoryOnlyHandler(queries: HistoryQueries(store: store)),
            events: events, logger: logger, onListening: { signal.yield() })
    }

    /// Runs the server in a ServiceGroup for the duration of `body`, then shuts it down gracefully
    /// as SIGTERM would.
    func run<Result: Sendable>(_ body: @Sendable () async throws -> Result) async throws -> Result {
        let services = ServiceGroup(services: [server], logger: Logger(label: "breathd-tests"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            do {
                var ready = listening.makeAsyncIterator()
                guard await ready.next() != nil else { throw CancellationError() }
                let result = try await body()
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}

/// A protocol client over a real connection.
struct LineClient {
    let channel: NIOAsyncChannel<RequestFrame, ByteBuffer>

    static func connect(_ path: String) async throws -> LineClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RequestLineDecoder(maximumLineBytes: 1 << 24)))
                    return try NIOAsyncChannel<RequestFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return LineClient(channel: channel)
    }

    /// Opens the connection, hands `body` a session over it, and closes it.
    static func with<Result>(_ path: String, _ body: (inout Session) async throws -> Result) async throws -> Result {
        let client = try await connect(path)
        return try await client.channel.executeThenClose { inbound, outbound in
            var session = Session(lines: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&session)
        }
    }

    struct Session {
        var lines: NIOAsyncChannelInboundStream<RequestFrame>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

        func send(_ text: String) async throws {
            try await outbound.write(ByteBuffer(string: text + "\n"))
        }

        func send(_ request: Request) async throws {
            try await outbound.write(ByteBuffer(bytes: LineCodec.encodeLine(request)))
        }

        /// The next line, or nil when the server closed the connection.
        mutating func nextLine() async throws -> String? {
            guard let frame = try await lines.next() else { return nil }
            guard case .line(let buffer) = frame else { return nil }
            return String(buffer: buffer)
        }

        mutating func next() async throws -> ServerMessage? {
            try await nextLine().map { try LineCodec.decodeServerMessage($0) }
        }
    }
}

/// Keeps every log record at notice level or above, to count what a client can make the daemon log.
final class CapturedLog: LogHandler, @unchecked Sendable {  // records guarded by `lock`
    struct Record: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let lock = NSLock()
    private var records: [Record] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .notice

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let record = Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })
        lock.withLock { records.append(record) }
    }

    func messages(containing text: String) -> [Record] {
        lock.withLock { records.filter { $0.message.contains(text) } }
    }
}
