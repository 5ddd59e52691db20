import BreathProtocol
import Synchronization

/// Fans watch events out to every watching client without ever waiting for one: each watcher has
/// a bounded queue, and a watcher whose queue is full (it stopped reading) is dropped.
public final class EventHub: Sendable {
    /// Events a watcher may fall behind by before it is dropped (about 10 s of beats, metrics and phases).
    public let capacityPerWatcher: Int
    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextID = Atomic<UInt64>(0)

    private struct Subscriber: Sendable {
        let continuation: AsyncStream<ServerMessage>.Continuation
        let onOverflow: @Sendable () -> Void
    }

    public init(capacityPerWatcher: Int = 256) {
        self.capacityPerWatcher = capacityPerWatcher
    }

    public var watcherCount: Int { subscribers.withLock { $0.count } }

    /// Queues an event for every watcher; never blocks.
    public func publish(_ event: ServerMessage) {
        let current = subscribers.withLock { Array($0) }
        for (id, subscriber) in current {
            if case .dropped = subscriber.continuation.yield(event) {
                _ = subscribers.withLock { $0.removeValue(forKey: id) }
                subscriber.continuation.finish()
                subscriber.onOverflow()
            }
        }
    }

    /// A stream of the events published from now on; it ends when the watcher overflows
    /// (after `onOverflow` runs) and unsubscribes when its consumer stops iterating.
    func subscribe(onOverflow: @escaping @Sendable () -> Void) -> AsyncStream<ServerMessage> {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<ServerMessage>.makeStream(bufferingPolicy: .bufferingOldest(capacityPerWatcher))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = Subscriber(continuation: continuation, onOverflow: onOverflow) }
        return stream
    }
}
