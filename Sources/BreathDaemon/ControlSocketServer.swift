#if canImport(Glibc)
import Glibc
#endif
import BreathProtocol
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The control socket: a Unix stream socket speaking the JSON-lines protocol. This file is the
/// accept loop; `ControlConnection` holds the conversation with one client, one child task each
/// (the split of hummingbird's `Server` and `ServerChildChannel`).
///
/// Every accepted connection is finished on every path: NIO traps ("Deinited NIOAsyncWriter
/// without calling finish()") on an accepted channel's writer dropped unfinished, which happens
/// when the server closes while NIO still sets a connection up (swift-nio#2637). So a connection is
/// entered in `ConnectionRegistry` the moment it exists, and the server finishes whatever the accept
/// loop never took once the loop has ended, whether by graceful shutdown, cancellation or error.
public struct ControlSocketServer: Service {
    public struct Settings: Sendable {
        public var path: String
        public var mode: Int
        /// Connections at once, watchers included.
        public var maximumClients: Int
        /// Of `maximumClients`, the slots only peers who may control the daemon (its user, root,
        /// the group) may take: whoever else fills the socket, `breathctl stop` still gets in.
        public var reservedControlClients: Int
        /// Connections one user without control rights may hold at once.
        public var maximumClientsPerUser: Int
        /// A connection that is not watching is closed after this long without a request.
        public var idleTimeout: Duration
        /// Unsent output one client may have queued: past it, the server reads no more of the
        /// client's requests (and makes no more replies) until the client has read its replies.
        public var maximumQueuedOutputBytes: Int
        public var release: String
        /// The listening socket systemd passed (`SocketActivation`); nil: bind `path` ourselves.
        /// systemd owns an inherited socket: its mode and file are left alone.
        public var inheritedDescriptor: Int32?

        public init(
            path: String, mode: Int = 0o660, maximumClients: Int = 64, reservedControlClients: Int = 8,
            maximumClientsPerUser: Int = 16, release: String, idleTimeout: Duration = .seconds(60),
            maximumQueuedOutputBytes: Int = 256 * 1024, inheritedDescriptor: Int32? = nil
        ) {
            self.path = path
            self.inheritedDescriptor = inheritedDescriptor
            self.mode = mode
            self.maximumClients = maximumClients
            self.reservedControlClients = min(reservedControlClients, maximumClients)
            self.maximumClientsPerUser = maximumClientsPerUser
            self.idleTimeout = idleTimeout
            self.maximumQueuedOutputBytes = max(maximumQueuedOutputBytes, 2)
            self.release = release
        }
    }

    let settings: Settings
    let authorization: ControlAuthorization
    let handler: any ControlRequestHandler
    let events: EventHub
    let logger: Logger
    let eventLoopGroup: any EventLoopGroup
    /// Called once the socket accepts connections with its permissions set (for sd_notify READY=1).
    let onListening: @Sendable () -> Void
    let clientCount: ClientSlots
    /// Notices clients can provoke, counted per user and logged sparingly.
    let notices = PeerNoticeThrottle()
    private let outputPauses = OutputPauses()

    /// Times a client's unsent output made the server stop reading its requests.
    var readsPausedForOutput: Int { outputPauses.count }
    private let registry = ConnectionRegistry()

    public init(
        settings: Settings, authorization: ControlAuthorization, handler: any ControlRequestHandler, events: EventHub,
        logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onListening: @escaping @Sendable () -> Void = {}
    ) {
        self.onListening = onListening
        self.settings = settings
        self.authorization = authorization
        self.handler = handler
        self.events = events
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.clientCount = ClientSlots(
            total: settings.maximumClients, reservedForControl: settings.reservedControlClients,
            perUserWithoutControl: settings.maximumClientsPerUser)
    }

    /// Connections set up and not yet closed, counted from their channels' close futures.
    var openConnectionCount: Int { registry.openChannelCount }

    /// Binds, serves until graceful shutdown, then removes its socket file.
    ///
    /// Graceful shutdown (its ServiceGroup's, on SIGTERM) closes the listener and every connection;
    /// the connections NIO was still setting up are finished as they arrive or once the loop ends.
    public func run() async throws {
        let path = settings.path
        let server: NIOAsyncChannel<Connection, Never>
        var ownedFile: SocketFile.Identity?
        // Runs after the listener is closed (executeThenClose below), so our own socket no
        // longer answers and another daemon's would.
        defer { if let ownedFile { SocketFile.remove(path, ownedBy: ownedFile) } }
        let registry = registry
        let idleTimeout = TimeAmount(settings.idleTimeout)
        // A client's end of input (shutdown(SHUT_WR), as `echo ... | socat` sends) must not close
        // the connection before its requests are answered.
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Writability, which `ControlConnection` waits for before reading the next request.
            .childChannelOption(.writeBufferWaterMark, value: .init(
                low: settings.maximumQueuedOutputBytes / 2, high: settings.maximumQueuedOutputBytes))
        if let descriptor = settings.inheritedDescriptor {
            server = try await bootstrap.bind(descriptor) { channel in
                Self.makeConnection(channel, registry: registry, idleTimeout: idleTimeout)
            }
            logger.info("control socket inherited from systemd", metadata: ["fd": "\(descriptor)"])
        } else {
            try SocketFile.prepare(path)
            // Bound here and handed to NIO as a descriptor: a socket NIO binds itself is unlinked
            // by NIO on close, whatever file is at the path by then (another daemon's, issue 16.7).
            let bound = try SocketFile.bindListening(path, mode: settings.mode, groupID: authorization.groupID, backlog: 256)
            ownedFile = bound.identity
            do {
                server = try await bootstrap.bind(bound.descriptor) { channel in
                    Self.makeConnection(channel, registry: registry, idleTimeout: idleTimeout)
                }
            } catch {
                close(bound.descriptor)
                throw error
            }
            logger.info("control socket listening", metadata: ["path": "\(path)", "mode": "\(String(settings.mode, radix: 8))"])
        }
        // Whatever ends the loop, no accepted connection outlives it unfinished.
        defer { registry.finishRemaining() }
        onListening()

        let conversation = ControlConnection(
            settings: settings, authorization: authorization, handler: handler, events: events, clientCount: clientCount, notices: notices,
            outputPauses: outputPauses)
        try await withGracefulShutdownHandler {
            try await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        // Shutdown may have finished it between its setup and now.
                        guard registry.take(connection) else { continue }
                        group.addTask { [logger] in
                            await conversation.serve(connection, logger: logger)
                            registry.remove(connection)
                        }
                    }
                }
            }
        } onGracefulShutdown: { [logger] in
            logger.info("control socket closing")
            server.channel.close(promise: nil)
            for channel in registry.stop() { channel.close(promise: nil) }
        }
    }

    // MARK: Connections

    struct Connection: Sendable {
        let channel: NIOAsyncChannel<RequestFrame, ByteBuffer>
        let peer: PeerCredentials

        var key: ObjectIdentifier { ObjectIdentifier(channel.channel) }

        /// Ends a connection nobody will serve: finishes its writer (as NIO requires) and closes it.
        func abandon() {
            channel.outbound.finish()
            channel.channel.close(promise: nil)
        }
    }

    /// Runs on the channel's event loop: reads the peer's credentials, sets up line framing and
    /// enters the connection in the registry before NIO hands it anywhere.
    private static func makeConnection(
        _ channel: any Channel, registry: ConnectionRegistry, idleTimeout: TimeAmount
    ) -> EventLoopFuture<Connection> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        let credentials: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        let groups: EventLoopFuture<[UInt32]?> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(PeerGroups.socketOption)
        ).map { (list: PeerGroups.KernelList) in list.groupIDs }.recover { _ in nil }
        return credentials.and(groups).flatMapThrowing { credentials, groups in
            // The idle timer after the framer: it sees whole requests only, so a client trickling
            // a partial line a byte at a time (slowloris) is idle all the same.
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RequestLineDecoder()))
            try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idleTimeout), name: IdleConnectionCloser.timerName)
            try channel.pipeline.syncOperations.addHandler(IdleConnectionCloser(timeout: idleTimeout), name: IdleConnectionCloser.name)
            let asyncChannel = try NIOAsyncChannel<RequestFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
            let connection = Connection(
                channel: asyncChannel,
                peer: PeerCredentials(
                    processID: credentials.pid, userID: credentials.uid, groupID: credentials.gid, supplementaryGroupIDs: groups))
            registry.countOpen(channel)
            // Set up after the server stopped: NIO will drop it, so finish it here.
            if !registry.admit(connection) { connection.abandon() }
            return connection
        }
    }
}

/// Every accepted connection from its setup until it is finished. A connection is in one of
/// two hands: the registry's, until the accept loop takes it, then its child task's, which
/// finishes it in `executeThenClose`. State is re-checked under the lock at every step, as the
/// steps run on event loops and tasks that race with shutdown.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let connection: ControlSocketServer.Connection
        var taken = false
    }

    private enum State {
        case serving([ObjectIdentifier: Entry])
        /// Shutdown began: the listed connections are closed, new ones are refused.
        case stopping([ObjectIdentifier: Entry])
        case stopped
    }

    private let state = Mutex(State.serving([:]))
    private let openChannels = Atomic<Int>(0)

    /// Counts the channel as open until its close future completes.
    func countOpen(_ channel: any Channel) {
        openChannels.add(1, ordering: .relaxed)
        channel.closeFuture.whenComplete { [self] _ in openChannels.subtract(1, ordering: .relaxed) }
    }

    var openChannelCount: Int { openChannels.load(ordering: .relaxed) }

    /// Enters a connection just set up; false once shutdown began (the caller abandons it).
    func admit(_ connection: ControlSocketServer.Connection) -> Bool {
        state.withLock { state in
            guard case .serving(var entries) = state else { return false }
            entries[connection.key] = Entry(connection: connection)
            state = .serving(entries)
            return true
        }
    }

    /// Hands a connection to its child task; false when the registry already finished it.
    func take(_ connection: ControlSocketServer.Connection) -> Bool {
        state.withLock { state in
            switch state {
            case .serving(var entries):
                guard entries[connection.key] != nil else { return false }
                entries[connection.key]!.taken = true
                state = .serving(entries)
                return true
            case .stopping(var entries):
                guard entries[connection.key] != nil else { return false }
                entries[connection.key]!.taken = true
                state = .stopping(entries)
                return true
            case .stopped:
                return false
            }
        }
    }

    /// A child task finished its connection.
    func remove(_ connection: ControlSocketServer.Connection) {
        state.withLock { state in
            switch state {
            case .serving(var entries):
                entries[connection.key] = nil
                state = .serving(entries)
            case .stopping(var entries):
                entries[connection.key] = nil
                state = .stopping(entries)
            case .stopped:
                break
            }
        }
    }

    /// Begins shutdown: refuses new connections and returns the open ones' channels to close
    /// (watchers never leave by themselves).
    func stop() -> [any Channel] {
        state.withLock { state in
            guard case .serving(let entries) = state else { return [] }
            state = .stopping(entries)
            return entries.values.map { $0.connection.channel.channel }
        }
    }

    /// After the accept loop and every child task ended: finishes what no task took.
    func finishRemaining() {
        let remaining = state.withLock { state -> [ControlSocketServer.Connection] in
            let entries: [ObjectIdentifier: Entry]
            switch state {
            case .serving(let current), .stopping(let current): entries = current
            case .stopped: entries = [:]
            }
            state = .stopped
            return entries.values.map(\.connection)
        }
        for connection in remaining { connection.abandon() }
    }
}

/// Connected clients by user, so that no one user and no crowd of users without control rights
/// can take the slots the daemon's own user, root and the group need.
final class ClientSlots: Sendable {
    enum Refusal: Error, Equatable {
        case full(limit: Int)
        case userFull(userID: UInt32, limit: Int)

        var message: String {
            switch self {
            case .full(let limit): "too many clients (limit \(limit)); try again later"
            case .userFull(let userID, let limit): "too many connections from uid \(userID) (limit \(limit)); close some and try again"
            }
        }
    }

    let total: Int
    let reservedForControl: Int
    let perUserWithoutControl: Int
    private let state = Mutex<(count: Int, perUser: [UInt32: Int])>((0, [:]))

    init(total: Int, reservedForControl: Int, perUserWithoutControl: Int) {
        self.total = total
        self.reservedForControl = reservedForControl
        self.perUserWithoutControl = perUserWithoutControl
    }

    /// Takes a slot, or says why not; a taken slot is given back with `leave`.
    func admit(userID: UInt32, mayControl: Bool) -> Refusal? {
        state.withLock { state in
            guard state.count < (mayControl ? total : total - reservedForControl) else { return .full(limit: total) }
            let mine = state.perUser[userID, default: 0]
            if !mayControl, mine >= perUserWithoutControl { return .userFull(userID: userID, limit: perUserWithoutControl) }
            state.count += 1
            state.perUser[userID] = mine + 1
            return nil
        }
    }

    func leave(userID: UInt32) {
        state.withLock { state in
            state.count -= 1
            let mine = state.perUser[userID, default: 1] - 1
            state.perUser[userID] = mine > 0 ? mine : nil
        }
    }

    var current: Int { state.withLock { $0.count } }
}

/// Closes a connection idle past its timeout with an ERROR saying why. Idle means: no whole
/// request read for the timeout (IdleStateHandler, after the line framer: bytes of an unfinished
/// line do not count) and no request waiting for its reply, so a slow reply never counts against
/// the client. `ControlConnection` removes it (and the timer) before
/// it answers `watch`. Sits after the line decoder: it counts request frames in and replies out.
final class IdleConnectionCloser: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = RequestFrame
    typealias InboundOut = RequestFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    static let name = "idle-closer"
    static let timerName = "idle-timer"

    let timeout: TimeAmount
    /// Requests read and not yet answered.
    private var outstanding = 0
    /// The first message out is the greeting (or the refusal), not a reply.
    private var greeted = false

    init(timeout: TimeAmount) { self.timeout = timeout }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        outstanding += 1
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Empty writes are flush markers and the output gate, not replies.
        if unwrapOutboundIn(data).readableBytes > 0 {
            if greeted { outstanding = max(0, outstanding - 1) } else { greeted = true }
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case IdleStateHandler.IdleStateEvent.read = event else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Not before the greeting has gone out: on a starved machine the connection's task may
        // start after the first timeout, and the ERROR must not come before VERSION. The timer
        // fires again one timeout later.
        guard outstanding == 0, greeted else { return }
        let milliseconds = timeout.nanoseconds / 1_000_000
        let seconds = milliseconds % 1000 == 0 ? "\(milliseconds / 1000)" : "\(Double(milliseconds) / 1000)"
        let message = ServerMessage.error("idle for \(seconds) s without a request; closing (send requests, or watch)")
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: LineCodec.encodeLine(message)))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Counts the times a client's unsent output paused the reading of its requests.
final class OutputPauses: Sendable {
    private let value = Atomic<Int>(0)
    func record() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}
