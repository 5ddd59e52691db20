import BreathProtocol
import NIOCore
import Synchronization

/// Fans watch events out to every watching client without ever waiting for one: each watcher has
/// a bounded queue, and a watcher whose queue is full (it stopped reading) is dropped.
///
/// A socket watcher takes its events as lines written straight to its channel: an event is
/// encoded once for all of them (64 watchers used to encode it 64 times), and the events of one
/// beat (BEAT, METRICS, LEVEL) leave in one write system call per watcher, flushed together on the
/// event loop (issue 16: one task hop and one write per event and watcher took most of a beat's
/// way to the 64th watcher).
public final class EventHub: Sendable {
    /// Events a watcher may fall behind by before it is dropped (about 10 s of beats, metrics and phases).
    public let capacityPerWatcher: Int
    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextID = Atomic<UInt64>(0)

    private enum Queue: Sendable {
        case messages(AsyncStream<ServerMessage>.Continuation)
        case channel(ChannelWatcher)
    }

    private struct Subscriber: Sendable {
        let queue: Queue
        let onOverflow: @Sendable () -> Void

        func finish() {
            switch queue {
            case .messages(let continuation): continuation.finish()
            case .channel: break
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
            let accepted: Bool
            switch subscriber.queue {
            case .messages(let continuation):
                if case .dropped = continuation.yield(event) { accepted = false } else { accepted = true }
            case .channel(let watcher):
                if line == nil { line = ByteBuffer(bytes: LineCodec.encodeLine(event)) }
                accepted = watcher.enqueue(line!)
            }
            if !accepted { drop(id) }
        }
    }

    /// Removes a watcher that fell behind and tells it (once).
    private func drop(_ id: UInt64) {
        guard let subscriber = subscribers.withLock({ $0.removeValue(forKey: id) }) else { return }
        subscriber.finish()
        subscriber.onOverflow()
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

    /// The same events as lines of the socket protocol written to `channel` until it closes.
    /// A watcher is dropped (`onOverflow`, which should close the channel) when it has more than
    /// `capacityPerWatcher` events waiting for the event loop, or when its channel stops being
    /// writable (the client stopped reading: the channel's high water mark bounds its bytes).
    ///
    /// Lines go through `channel.eventLoop.execute` even when published on the loop, so they
    /// follow whatever the connection wrote before subscribing (the "watching" reply).
    func subscribeLines(to channel: any Channel, onOverflow: @escaping @Sendable () -> Void) {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let watcher = ChannelWatcher(channel: channel, capacity: capacityPerWatcher) { [weak self] in self?.drop(id) }
        subscribers.withLock { $0[id] = Subscriber(queue: .channel(watcher), onOverflow: onOverflow) }
        channel.closeFuture.whenComplete { [weak self] _ in self?.remove(id) }
    }

    private func remove(_ id: UInt64) {
        _ = subscribers.withLock { $0.removeValue(forKey: id) }
    }
}

/// One socket watcher: lines waiting for its event loop, written and flushed together there.
private final class ChannelWatcher: Sendable {
    let channel: any Channel
    let capacity: Int
    /// Called on the event loop when the channel cannot take more (the hub drops the watcher).
    let overflowed: @Sendable () -> Void
    private let waiting = Mutex<[ByteBuffer]>([])

    init(channel: any Channel, capacity: Int, overflowed: @escaping @Sendable () -> Void) {
        self.channel = channel
        self.capacity = capacity
        self.overflowed = overflowed
    }

    /// False when `capacity` lines already wait (the loop is not keeping up with this watcher).
    func enqueue(_ line: ByteBuffer) -> Bool {
        let (accepted, first) = waiting.withLock { lines -> (Bool, Bool) in
            guard lines.count < capacity else { return (false, false) }
            lines.append(line)
            return (true, lines.count == 1)
        }
        // The first line of a burst schedules the write of all lines queued until it runs.
        if first { channel.eventLoop.execute { self.writeWaiting() } }
        return accepted
    }

    private func writeWaiting() {
        var lines: [ByteBuffer] = []
        waiting.withLock { swap(&lines, &$0) }
        guard channel.isActive else { return }
        guard channel.isWritable else {
            overflowed()
            return
        }
        for line in lines { channel.write(line, promise: nil) }
        channel.flush()
    }
}
