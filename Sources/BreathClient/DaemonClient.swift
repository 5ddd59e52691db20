import BreathProtocol
import SystemCalls

/// One conversation with breathd over `DaemonConnection`: the greeting read and its protocol
/// version checked, then requests answered in order, or the watch stream. The only place a
/// client speaks the protocol; breathctl's commands, its notification agent and the benchmarks
/// all go through it.
public final class DaemonClient {
    /// A decoded message with the line it came from, so that `--json` prints exactly what the daemon sent.
    public struct Reply: Sendable {
        public let message: ServerMessage
        public let line: String
    }

    public let connection: DaemonConnection
    public let version: VersionMessage

    public var path: String { connection.path }

    /// Connects and reads the greeting; a daemon speaking another major version is refused.
    public init(path: String) throws(ClientFailure) {
        do {
            connection = try DaemonConnection(path: path)
        } catch {
            throw ClientFailure(error)
        }
        guard let line = try Self.readLine(connection) else {
            throw ClientFailure(message: "\(path): breathd closed the connection before its greeting")
        }
        guard case .version(let version)? = try? LineCodec.decodeServerMessage(line) else {
            throw ClientFailure(message: "\(path): expected breathd's VERSION greeting, got: \(line)")
        }
        // A newer minor version only adds keys and classes; a different major changes meanings.
        guard version.protoMajor == ProtocolVersion.major else {
            throw ClientFailure(
                message: "\(path): breathd \(version.release) speaks protocol \(version.protoMajor).\(version.protoMinor); "
                    + "this client speaks \(ProtocolVersion.major).\(ProtocolVersion.minor)")
        }
        self.version = version
    }

    /// Connects to the socket `DaemonSocketPath` resolves.
    public convenience init(socketOption: String?, environment: [String: String]) throws(ClientFailure) {
        try self.init(path: DaemonSocketPath.resolve(option: socketOption, environment: environment))
    }

    public func send(_ request: Request) throws(ClientFailure) {
        let line = String(decoding: LineCodec.encodeLine(request).dropLast(), as: UTF8.self)
        do { try connection.send(line) } catch { throw ClientFailure(error) }
    }

    /// The next line, decoded when this client knows its class; nil at end of stream.
    public func nextLine() throws(ClientFailure) -> (line: String, message: ServerMessage?)? {
        guard let line = try Self.readLine(connection) else { return nil }
        return (line, try? LineCodec.decodeServerMessage(line))
    }

    /// Waits until the daemon has sent something or the timeout passes (`watch`'s animation).
    public func waitForInput(timeoutMilliseconds: Int32) throws(ClientFailure) -> Bool {
        do { return try connection.waitForInput(timeoutMilliseconds: timeoutMilliseconds) } catch { throw ClientFailure(error) }
    }

    /// Sends a request and returns its reply; an ERROR reply becomes a failure with its message.
    public func request(_ request: Request) throws(ClientFailure) -> Reply {
        try send(request)
        guard let (line, message) = try nextLine() else {
            throw ClientFailure(message: "\(path): breathd closed the connection before answering \(request.command.rawValue)")
        }
        guard let message else {
            throw ClientFailure(message: "\(path): unreadable reply to \(request.command.rawValue): \(line)")
        }
        if case .error(let error) = message { throw ClientFailure(message: error.message, errorReplyLine: line) }
        return Reply(message: message, line: line)
    }

    // MARK: Typed requests: each returns its reply's payload and the line it came in.

    public func status() throws(ClientFailure) -> (status: StatusReply, line: String) {
        let reply = try request(.status)
        guard case .status(let status) = reply.message else { throw .unexpected(reply, to: .status) }
        return (status, reply.line)
    }

    public func history(limit: Int?) throws(ClientFailure) -> (history: HistoryReply, line: String) {
        let reply = try request(.history(limit: limit))
        guard case .history(let history) = reply.message else { throw .unexpected(reply, to: .history) }
        return (history, reply.line)
    }

    public func session(_ reference: SessionReference) throws(ClientFailure) -> (session: SessionReply, line: String) {
        let reply = try request(.session(reference))
        guard case .session(let session) = reply.message else { throw .unexpected(reply, to: .session) }
        return (session, reply.line)
    }

    /// A request answered with OK (start, stop, pause, resume, set, assess).
    public func command(_ request: Request) throws(ClientFailure) -> (ok: OKReply, line: String) {
        let reply = try self.request(request)
        guard case .ok(let ok) = reply.message else { throw .unexpected(reply, to: request.command) }
        return (ok, reply.line)
    }

    /// Subscribes this connection to the daemon's events: from now on it carries the watch
    /// stream, read with `nextLine()` or `nextEvent()`.
    public func watch() throws(ClientFailure) {
        _ = try command(.watch)
    }

    /// The next event of the watch stream (lines this client cannot decode are skipped); nil at
    /// end of stream.
    public func nextEvent() throws(ClientFailure) -> ServerMessage? {
        while let (_, message) = try nextLine() {
            if let message { return message }
        }
        return nil
    }

    private static func readLine(_ connection: DaemonConnection) throws(ClientFailure) -> String? {
        do { return try connection.readLine() } catch { throw ClientFailure(error) }
    }
}

/// A failure of the conversation, as one line for stderr and an exit status: 69
/// (EX_UNAVAILABLE) when the daemon is not running, else 1.
public struct ClientFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var exitCode: Int32
    /// The daemon's ERROR line as it came (its message is `message`), when the daemon refused
    /// rather than the conversation failing: `--json` prints it.
    public var errorReplyLine: String?
    /// The daemon answered ERROR, rather than the conversation failing.
    public var isErrorReply: Bool { errorReplyLine != nil }
    public var description: String { message }

    public init(message: String, exitCode: Int32 = ExitStatus.failure.rawValue, errorReplyLine: String? = nil) {
        self.message = message
        self.exitCode = exitCode
        self.errorReplyLine = errorReplyLine
    }

    public init(_ failure: DaemonConnection.Failure) {
        self.init(message: failure.description, exitCode: failure.exitCode)
    }

    /// A reply of the wrong class: the daemon and the client disagree about the protocol.
    public static func unexpected(_ reply: DaemonClient.Reply, to command: Request.Command) -> ClientFailure {
        ClientFailure(message: "unexpected \(reply.message.messageClass) reply to \(command.rawValue): \(reply.line)")
    }
}
