import BreathProtocol
import Synchronization

/// What `status` says about history: shared by the daemon's start (which opens the database), the
/// recorder (which counts what it could not write yet) and the engine (which reports it). Read
/// without awaiting, since the engine's status is synchronous.
public final class HistoryCondition: Sendable {
    private let current: Mutex<HistoryStatus>

    public init(_ status: HistoryStatus) { current = Mutex(status) }

    public var status: HistoryStatus { current.withLock { $0 } }

    public func update(_ change: (inout HistoryStatus) -> Void) {
        current.withLock { change(&$0) }
    }
}
