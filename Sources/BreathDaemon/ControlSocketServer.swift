#if canImport(Glibc)
import Glibc
#endif
import BreathProtocol
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The control socket: a Unix stream socket speaking the JSON-lines protocol, one child task per
/// connection (as swift-nio's NIOAsyncChannel servers do).
public struct ControlSocketServer: Service {
    public struct Settings: Sendable {
        public var path: String
        public var mode: Int
        public var maximumClients: Int
        public var release: String
        /// The listening socket systemd passed (`SocketActivation`); nil: bind `path` ourselves.
        /// systemd owns an inherited socket: its mode and file are left alone.
        public var inheritedDescriptor: Int32?

        public init(path: String, mode: Int = 0o660, maximumClients: Int = 64, release: String, inheritedDescriptor: Int32? = nil) {
            self.path = path
            self.inheritedDescriptor = inheritedDescriptor
            self.mode = mode
            self.maximumClients = maximumClients
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
    let clientCount = ClientCount()
    private let openConnections = OpenConnections()

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
    }

    /// Binds, serves until graceful shutdown, then removes its socket file.
    ///
    /// Shut it down gracefully (its ServiceGroup does so on SIGTERM) rather than by cancelling its
    /// task: cancelling drops connections NIO accepted but the loop has not taken yet, and NIO traps
    /// on those (swift-nio#2637). Graceful shutdown closes the listener first, serves what is queued,
    /// then closes every connection.
    public func run() async throws {
        let path = settings.path
        let server: NIOAsyncChannel<Connection, Never>
        var ownedInode: UInt?
        defer { if let ownedInode { SocketFile.remove(path, inode: ownedInode) } }
        if let descriptor = settings.inheritedDescriptor {
            server = try await ServerBootstrap(group: eventLoopGroup).bind(descriptor) { channel in
                Self.makeConnection(channel)
            }
            logger.info("control socket inherited from systemd", metadata: ["fd": "\(descriptor)"])
        } else {
            try SocketFile.prepare(path)
            server = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.backlog, value: 256)
                .bind(unixDomainSocketPath: path) { channel in
                    Self.makeConnection(channel)
                }
            ownedInode = SocketFile.inode(path)
            try SocketFile.setPermissions(path, mode: settings.mode, groupID: authorization.groupID)
            logger.info("control socket listening", metadata: ["path": "\(path)", "mode": "\(String(settings.mode, radix: 8))"])
        }
        onListening()

        try await withGracefulShutdownHandler {
            try await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { await serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: { [logger, openConnections] in
            logger.info("control socket closing")
            server.channel.close(promise: nil)
            openConnections.closeAll()
        }
    }

    // MARK: Connections

    struct Connection: Sendable {
        let channel: NIOAsyncChannel<RequestFrame, ByteBuffer>
        let peer: PeerCredentials
    }

    /// Runs on the channel's event loop: reads the peer's credentials and sets up line framing.
    private static func makeConnection(_ channel: any Channel) -> EventLoopFuture<Connection> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        let credentials: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return credentials.flatMapThrowing { credentials in
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RequestLineDecoder()))
            let asyncChannel = try NIOAsyncChannel<RequestFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
            return Connection(
                channel: asyncChannel,
                peer: PeerCredentials(processID: credentials.pid, userID: credentials.uid, groupID: credentials.gid))
        }
    }

    private func serve(_ connection: Connection) async {
        var logger = logger
        logger[metadataKey: "peer_pid"] = "\(connection.peer.processID)"
        logger[metadataKey: "peer_uid"] = "\(connection.peer.userID)"
        let admitted = clientCount.admit(limit: settings.maximumClients)
        defer { if admitted { clientCount.leave() } }
        let channel = connection.channel.channel
        let registration = openConnections.register(channel)
        defer { if let registration { openConnections.remove(registration) } }
        do {
            try await connection.channel.executeThenClose { inbound, outbound in
                // Accepted while shutting down: close at once.
                guard registration != nil else { return }
                guard admitted else {
                    logger.notice("client refused: too many clients", metadata: ["limit": "\(settings.maximumClients)"])
                    try await Self.writeLast(.error("too many clients (limit \(settings.maximumClients)); try again later"), outbound, channel)
                    return
                }
                try await outbound.write(Self.line(.version(VersionMessage(release: settings.release))))
                var frames = inbound.makeAsyncIterator()
                var watching = false
                try await withThrowingTaskGroup(of: Void.self) { group in
                    while let frame = try await frames.next() {
                        let request: Request
                        switch frame {
                        case .tooLong(let bytes):
                            logger.notice("client dropped: request line too long", metadata: ["bytes": "\(bytes)"])
                            try await Self.writeLast(.error(RequestError.lineTooLong(bytes: bytes).description), outbound, channel)
                            group.cancelAll()
                            return
                        case .line(let line):
                            do throws(RequestError) {
                                request = try LineCodec.decodeRequest(line.readableBytesView)
                            } catch {
                                try await outbound.write(Self.line(.error(error.description)))
                                continue
                            }
                        }
                        if request.changesState, !authorization.allowsControl(connection.peer) {
                            logger.notice("control refused", metadata: ["cmd": "\(request.command.rawValue)"])
                            try await outbound.write(
                                Self.line(.error("\(request.command.rawValue): not permitted for uid \(connection.peer.userID); "
                                    + "control needs the daemon's user\(authorization.groupName.isEmpty ? " or root" : ", root or group \(authorization.groupName)")")))
                            continue
                        }
                        guard request != .watch else {
                            try await outbound.write(Self.line(.ok(OKReply(message: "watching"))))
                            if !watching {
                                watching = true
                                let stream = events.subscribe { [logger] in
                                    logger.notice("watcher dropped: it stopped reading")
                                    channel.close(promise: nil)
                                }
                                group.addTask {
                                    for await event in stream {
                                        try await outbound.write(Self.line(event))
                                    }
                                }
                            }
                            continue
                        }
                        try await outbound.write(Self.line(await handler.reply(to: request, from: connection.peer)))
                    }
                    // The client left: stop its event stream too.
                    group.cancelAll()
                }
            }
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    private static func line(_ message: ServerMessage) -> ByteBuffer {
        ByteBuffer(bytes: LineCodec.encodeLine(message))
    }

    /// Writes a final message and waits until it reached the socket: `executeThenClose` closes
    /// without flushing what the writer still holds (swift-nio#2795). The empty write queues on the
    /// event loop behind the message, so its promise completes once the message is out.
    private static func writeLast(
        _ message: ServerMessage, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, _ channel: any Channel
    ) async throws {
        try await outbound.write(line(message))
        try await channel.writeAndFlush(ByteBuffer()).get()
    }
}

/// Connections being served, so that graceful shutdown can close them (watchers never leave by themselves).
final class OpenConnections: Sendable {
    private enum State {
        case open(next: Int, channels: [Int: any Channel])
        case closing
    }

    private let state = Mutex(State.open(next: 0, channels: [:]))

    /// A key for `remove`, or nil when shutdown has begun and the connection must be closed.
    func register(_ channel: any Channel) -> Int? {
        state.withLock { state in
            guard case .open(let next, var channels) = state else { return nil }
            channels[next] = channel
            state = .open(next: next + 1, channels: channels)
            return next
        }
    }

    func remove(_ key: Int) {
        state.withLock { state in
            guard case .open(let next, var channels) = state else { return }
            channels[key] = nil
            state = .open(next: next, channels: channels)
        }
    }

    func closeAll() {
        let channels = state.withLock { state -> [any Channel] in
            guard case .open(_, let channels) = state else { return [] }
            state = .closing
            return Array(channels.values)
        }
        for channel in channels { channel.close(promise: nil) }
    }
}

/// Connected clients, counted so that the limit holds however fast clients come and go.
final class ClientCount: Sendable {
    private let count = Mutex(0)

    func admit(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() { count.withLock { $0 -= 1 } }

    var current: Int { count.withLock { $0 } }
}
