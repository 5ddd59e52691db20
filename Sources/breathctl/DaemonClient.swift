import BreathClient
import BreathProtocol

/// One conversation with breathd over `DaemonConnection`: the greeting checked, then requests
/// answered in order. Failures are `CommandFailure`s that carry the exit status.
final class DaemonClient {
    /// A decoded message with the line it came from, so that `--json` prints exactly what the daemon sent.
    struct Reply {
        let message: ServerMessage
        let line: String
    }

    let connection: DaemonConnection
    let version: VersionMessage

    var path: String { connection.path }

    init(path: String) throws(CommandFailure) {
        do {
            connection = try DaemonConnection(path: path)
        } catch {
            throw CommandFailure(error)
        }
        guard let line = try Self.readLine(connection) else {
            throw CommandFailure(message: "\(path): breathd closed the connection before its greeting")
        }
        guard case .version(let version)? = try? LineCodec.decodeServerMessage(line) else {
            throw CommandFailure(message: "\(path): expected breathd's VERSION greeting, got: \(line)")
        }
        // A newer minor version only adds keys and classes; a different major changes meanings.
        guard version.protoMajor == ProtocolVersion.major else {
            throw CommandFailure(
                message: "\(path): breathd \(version.release) speaks protocol \(version.protoMajor).\(version.protoMinor); "
                    + "this breathctl speaks \(ProtocolVersion.major).\(ProtocolVersion.minor)")
        }
        self.version = version
    }

    func send(_ request: Request) throws(CommandFailure) {
        let line = String(decoding: LineCodec.encodeLine(request).dropLast(), as: UTF8.self)
        do { try connection.send(line) } catch { throw CommandFailure(error) }
    }

    /// The next line, decoded when this client knows its class; nil at end of stream.
    func nextLine() throws(CommandFailure) -> (line: String, message: ServerMessage?)? {
        guard let line = try Self.readLine(connection) else { return nil }
        return (line, try? LineCodec.decodeServerMessage(line))
    }

    /// Sends a request and returns its reply; an ERROR reply becomes a failure with its message.
    func request(_ request: Request) throws(CommandFailure) -> Reply {
        try send(request)
        guard let (line, message) = try nextLine() else {
            throw CommandFailure(message: "\(path): breathd closed the connection before answering \(request.command.rawValue)")
        }
        guard let message else {
            throw CommandFailure(message: "\(path): unreadable reply to \(request.command.rawValue): \(line)")
        }
        if case .error(let error) = message { throw CommandFailure(message: error.message) }
        return Reply(message: message, line: line)
    }

    private static func readLine(_ connection: DaemonConnection) throws(CommandFailure) -> String? {
        do { return try connection.readLine() } catch { throw CommandFailure(error) }
    }
}

extension CommandFailure {
    init(_ failure: DaemonConnection.Failure) {
        self.init(message: failure.description, exitCode: failure.exitCode)
    }

    /// A reply of the wrong class: the daemon and the client disagree about the protocol.
    static func unexpected(_ reply: DaemonClient.Reply, to command: Request.Command) -> CommandFailure {
        CommandFailure(message: "unexpected \(reply.message.messageClass) reply to \(command.rawValue): \(reply.line)")
    }
}
