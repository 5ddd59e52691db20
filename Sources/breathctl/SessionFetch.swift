import BreathClient
import BreathProtocol

/// One `session` request on a fresh connection: the stored record with every beat.
enum SessionFetch {
    static func fetch(_ reference: SessionReference, socketPath: String) throws(CommandFailure) -> SessionReply {
        let line: String
        do throws(DaemonConnection.Failure) {
            let connection = try DaemonConnection(path: socketPath)
            _ = try connection.readLine()  // VERSION
            try connection.send(String(decoding: LineCodec.encodeLine(Request.session(reference)).dropLast(), as: UTF8.self))
            guard let reply = try connection.readLine() else { throw DaemonConnection.Failure.closed(path: socketPath) }
            line = reply
        } catch {
            throw CommandFailure(message: error.description, exitCode: error.exitCode)
        }
        switch try? LineCodec.decodeServerMessage(line) {
        case .session(let reply): return reply
        case .error(let error): throw CommandFailure(message: "breathd: \(error.message)")
        default: throw CommandFailure(message: "breathd sent an unexpected reply: \(line.prefix(200))")
        }
    }
}
