import BreathClient
import BreathProtocol

/// One `session` request on a fresh connection: the stored record with every beat.
enum SessionFetch {
    static func fetch(_ reference: SessionReference, socketPath: String) throws(CommandFailure) -> SessionReply {
        try DaemonClient(path: socketPath).session(reference).session
    }
}
