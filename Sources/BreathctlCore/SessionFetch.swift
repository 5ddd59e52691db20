import BreathClient
import BreathProtocol

/// One `session` request on a fresh connection: the stored record with every beat.
enum SessionFetch {
    static func fetch(_ reference: SessionReference, socketPath: String) throws(CommandFailure) -> SessionReply {
        let client = try DaemonClient(path: socketPath)
        do {
            return try client.session(reference).session
        } catch where error.isErrorReply {
            // `report` names who refused, as it always has: "breathd: no session 5 in history".
            throw CommandFailure(message: "breathd: \(error.message)", exitCode: error.exitCode)
        }
    }
}
