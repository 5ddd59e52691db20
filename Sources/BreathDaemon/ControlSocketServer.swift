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

        public init(path: String, mode: Int = 0o660, maximumClients: Int = 64, release: String) {
            self.path = path
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
    let clientCount = ClientCount()

    public init(
        settings: Settings, authorization: ControlAuthorization, handler: any ControlRequestHandler, events: EventHub,
        logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.settings = settings
        self.authorization = authorization
        self.handler = handler
        self.events = events
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
    }

    /// Binds, serves until graceful shutdown (or cancellation), then removes its socket file.
    public func run() async throws {
        let path = settings.path
        try SocketFile.prepare(path)
        let server = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .bind(unixDomainSocketPath: path) { channel in
                Self.makeConnection(channel)
            }
        let inode = SocketFile.inode(path)
        defer { if let inode { SocketFile.remove(path, inode: inode) } }
        try SocketFile.setPermissions(path, mode: settings.mode, groupID: authorization.groupID)
        logger.info("control socket listening", metadata: ["path": "\(path)", "mode": "\(String(settings.mode, radix: 8))"])

        try await cancelWhenGracefulShutdown {
            try await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { await serve(connection) }
                    }
                }
            }
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
        do {
            try await connection.channel.executeThenClose { inbound, outbound in
                guard admitted else {
                    logger.notice("client refused: too many clients", metadata: ["limit": "\(settings.maximumClients)"])
                    try await outbound.write(Self.line(.error("too many clients (limit \(settings.maximumClients)); try again later")))
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
                            try await outbound.write(Self.line(.error(RequestError.lineTooLong(bytes: bytes).description)))
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
                                    + "control needs the daemon's user, root\(authorization.groupName.isEmpty ? "" : " or group \(authorization.groupName)")")))
                            continue
                        }
                        guard request != .watch else {
                            try await outbound.write(Self.line(.ok(OKReply(message: "watching"))))
                            if !watching {
                                watching = true
                                let channel = connection.channel.channel
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
