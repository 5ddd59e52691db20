import BreathProtocol
import NIOCore
import Synchronization

/// Fans watch events out to every watching client without ever waiting for one: each watcher has
/// a bounded queue, and a watcher whose queue is full (it stopped reading) is dropped.
///
/// A socket watcher takes its events as encoded lines: an event is encoded once for all of them
/// (64 watchers used to encode it 64 times), and each connection writes it with one write.
public final class EventHub: Sendable {
    /// Events a watcher may fall behind by before it is dropped (about 10 s of beats, metrics and phases).
    public let capacityPerWatcher: Int
    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextID = Atomic<UInt64>(0)

    private enum Queue: Sendable {
        case messages(AsyncStream<ServerMessage>.Continuation)
        case lines(AsyncStream<ByteBuffer>.Continuation)
    }

    private struct Subscriber: Sendable {
        let queue: Queue
        let onOverflow: @Sendable () -> Void

        func finish() {
            switch queue {
            case .messages(let continuation): continuation.finish()
            case .lines(let continuation): continuation.finish()
            }
        }
    }

    public init(capacityPerWatcher: Int = 256) {
        self.capacityPerWatcher = capacityPerWatcher
    }

    public var watcherCount: Int { subscribers.withLock { $0.count } }

    /// Queues an event for every watcher; never blocks.
    public func publish(_ event: ServerMessage) {
        let current = subscribers.withLock { Array($0) }
        guard !current.isEmpty else { return }
        var line: ByteBuffer?
        for (id, subscriber) in current {
            let dropped: Bool
            switch subscriber.queue {
            case .messages(let continuation):
                if case .dropped = continuation.yield(event) { dropped = true } else { dropped = false }
            case .lines(let continuation):
                if line == nil { line = ByteBuffer(bytes: LineCodec.encodeLine(event)) }
                if case .dropped = continuation.yield(line!) { dropped = true } else { dropped = false }
            }
            if dropped {
                _ = subscribers.withLock { $0.removeValue(forKey: id) }
                subscriber.finish()
                subscriber.onOverflow()
            }
        }
    }

    /// A stream of the events published from now on; it ends when the watcher overflows
    /// (after `onOverflow` runs) and unsubscribes when its consumer stops iterating.
    func subscribe(onOverflow: @escaping @Sendable () -> Void) -> AsyncStream<ServerMessage> {
        let (stream, continuation) = AsyncStream<ServerMessage>.makeStream(bufferingPolicy: .bufferingOldest(capacityPerWatcher))
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        subscribers.withLock { $0[id] = Subscriber(queue: .messages(continuation), onOverflow: onOverflow) }
        return stream
    }

    /// The same events as lines of the socket protocol, encoded once for every watcher.
    func subscribeLines(onOverflow: @escaping @Sendable () -> Void) -> AsyncStream<ByteBuffer> {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingOldest(capacityPerWatcher))
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        subscribers.withLock { $0[id] = Subscriber(queue: .lines(continuation), onOverflow: onOverflow) }
        return stream
    }

    private func remove(_ id: UInt64) {
        _ = subscribers.withLock { $0.removeValue(forKey: id) }
    }
}
