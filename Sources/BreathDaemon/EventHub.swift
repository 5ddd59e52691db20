import BreathProtocol
import NIOCore
import Synchronization

/// Fans watch events out to every watching client without ever waiting for one: what waits for a
/// watcher is bounded, and a watcher that falls behind (it stopped reading) is dropped.
///
/// A socket watcher takes its events as lines written straight to its channel. An event is encoded
/// once for all of them, and the events of one beat (BEAT, METRICS, LEVEL) wait together in one
/// buffer per event loop: one task on the loop writes that buffer to every watcher it serves, one
/// write system call each (issue 16: a task and a write per event and watcher, and later a task
/// per watcher, took much of a beat's way to the 64th watcher).
public final class EventHub: Sendable {
    /// Events a watcher may fall behind by before it is dropped (about 10 s of beats, metrics and phases).
    public let capacityPerWatcher: Int
    private let state = Mutex(State())
    private let nextID = Atomic<UInt64>(0)

    private struct State {
        var streams: [UInt64: StreamWatcher] = [:]
        /// By event loop (`ObjectIdentifier` of the loop); an entry lives as long as the hub, so
        /// that a task queued for its loop always finds its own lines.
        var loops: [ObjectIdentifier: LoopWatchers] = [:]
    }

    private struct StreamWatcher: Sendable {
        let continuation: AsyncStream<ServerMessage>.Continuation
        let onOverflow: @Sendable () -> Void
    }

    private struct ChannelWatcher: Sendable {
        let channel: any Channel
        /// Its loop's `generation` when it subscribed: it gets the lines of bursts begun since.
        let generation: UInt64
        let onOverflow: @Sendable () -> Void
    }

    /// Lines published together and not yet written: written by one task on the loop.
    private struct Burst {
        /// The loop's generation when the burst began; watchers that subscribed later wait for the next.
        let generation: UInt64
        var lines: ByteBuffer
        var count: Int
    }

    /// The socket watchers one event loop serves, and the bursts queued for it, oldest first.
    ///
    /// A burst's task is queued on the loop when the burst begins, and a subscription starts a
    /// new generation, so a watcher's lines never overtake what its connection wrote before it
    /// subscribed (the "watching" reply): they go in a burst begun, and a task queued, after that.
    private struct LoopWatchers {
        let eventLoop: any EventLoop
        var watchers: [UInt64: ChannelWatcher] = [:]
        var generation: UInt64 = 0
        var bursts: [Burst] = []
        var waitingLines = 0

        /// Adds `line` to the burst of the current generation; true when that began a burst (its
        /// task is to be queued).
        mutating func add(_ line: [UInt8]) -> Bool {
            waitingLines += 1
            if var last = bursts.last, last.generation == generation {
                bursts.removeLast()
                last.lines.writeBytes(line)
                last.count += 1
                bursts.append(last)
                return false
            }
            var lines = ByteBufferAllocator().buffer(capacity: max(line.count, 512))
            lines.writeBytes(line)
            bursts.append(Burst(generation: generation, lines: lines, count: 1))
            return true
        }

        mutating func takeBurst() -> Burst? {
            guard !bursts.isEmpty else { return nil }
            let burst = bursts.removeFirst()
            waitingLines -= burst.count
            return burst
        }
    }

    public init(capacityPerWatcher: Int = 256) {
        self.capacityPerWatcher = capacityPerWatcher
    }

    public var watcherCount: Int {
        state.withLock { state in state.streams.count + state.loops.values.reduce(0) { $0 + $1.watchers.count } }
    }

    /// Queues an event for every watcher; never blocks.
    public func publish(_ event: ServerMessage) {
        let (streams, hasChannels) = state.withLock { state in
            (Array(state.streams), state.loops.values.contains { !$0.watchers.isEmpty })
        }
        for (id, watcher) in streams {
            if case .dropped = watcher.continuation.yield(event) { dropStream(id) }
        }
        guard hasChannels else { return }
        let line = LineCodec.encodeLine(event)
        var startedBursts: [(ObjectIdentifier, any EventLoop)] = []
        var overflowed: [ChannelWatcher] = []
        state.withLock { state in
            for key in Array(state.loops.keys) {
                guard !state.loops[key]!.watchers.isEmpty else { continue }
                // The loop is `capacityPerWatcher` lines behind all of its watchers: drop them.
                if state.loops[key]!.waitingLines >= capacityPerWatcher {
                    overflowed.append(contentsOf: state.loops[key]!.watchers.values)
                    state.loops[key]!.watchers.removeAll()
                    continue
                }
                if state.loops[key]!.add(line) { startedBursts.append((key, state.loops[key]!.eventLoop)) }
            }
        }
        for (key, loop) in startedBursts {
            loop.execute { self.writeBurst(key) }
        }
        for watcher in overflowed { watcher.onOverflow() }
    }

    /// Writes the oldest burst of loop `key` to its watchers; on that loop.
    private func writeBurst(_ key: ObjectIdentifier) {
        let taken = state.withLock { state -> (ByteBuffer, [(UInt64, ChannelWatcher)])? in
            guard let burst = state.loops[key]?.takeBurst() else { return nil }
            let watchers = state.loops[key]!.watchers.filter { $0.value.generation <= burst.generation }
            return (burst.lines, Array(watchers))
        }
        guard let (lines, watchers) = taken else { return }
        for (id, watcher) in watchers {
            let channel = watcher.channel
            guard channel.isActive else { continue }
            // The client stopped reading: the channel's high water mark bounds its bytes.
            guard channel.isWritable else {
                dropChannel(id, key)
                continue
            }
            channel.writeAndFlush(lines, promise: nil)
        }
    }

    /// Removes a stream watcher that fell behind and tells it (once).
    private func dropStream(_ id: UInt64) {
        guard let watcher = state.withLock({ $0.streams.removeValue(forKey: id) }) else { return }
        watcher.continuation.finish()
        watcher.onOverflow()
    }

    private func dropChannel(_ id: UInt64, _ key: ObjectIdentifier) {
        guard let watcher = state.withLock({ $0.loops[key]?.watchers.removeValue(forKey: id) }) else { return }
        watcher.onOverflow()
    }

    /// A stream of the events published from now on; it ends when the watcher overflows
    /// (after `onOverflow` runs) and unsubscribes when its consumer stops iterating.
    func subscribe(onOverflow: @escaping @Sendable () -> Void) -> AsyncStream<ServerMessage> {
        let (stream, continuation) = AsyncStream<ServerMessage>.makeStream(bufferingPolicy: .bufferingOldest(capacityPerWatcher))
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.streams.removeValue(forKey: id) } }
        state.withLock { $0.streams[id] = StreamWatcher(continuation: continuation, onOverflow: onOverflow) }
        return stream
    }

    /// The same events as lines of the socket protocol written to `channel` until it closes.
    /// A watcher is dropped (`onOverflow`, which should close the channel) when its event loop
    /// has more than `capacityPerWatcher` events waiting to be written, or when its channel stops
    /// being writable (the client stopped reading: the channel's high water mark bounds its bytes).
    func subscribeLines(to channel: any Channel, onOverflow: @escaping @Sendable () -> Void) {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let key = ObjectIdentifier(channel.eventLoop)
        state.withLock { state in
            var loop = state.loops[key] ?? LoopWatchers(eventLoop: channel.eventLoop)
            loop.generation += 1
            loop.watchers[id] = ChannelWatcher(channel: channel, generation: loop.generation, onOverflow: onOverflow)
            state.loops[key] = loop
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.state.withLock { $0.loops[key]?.watchers.removeValue(forKey: id) }
        }
    }
}
