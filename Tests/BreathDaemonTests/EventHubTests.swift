@testable import BreathDaemon
import BreathProtocol
import Foundation
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The hub's socket watchers over real channels (socket pairs on a real event loop): what each
/// watcher receives when watchers subscribe while lines wait for the loop.
@Suite(.timeLimit(.minutes(1))) struct EventHubTests {
    /// One end a NIO channel on `loop`, the other a plain descriptor the test reads.
    struct Pair {
        let channel: any Channel
        let peer: Int32

        /// `SOCK_SEQPACKET`: each write(2) is one record, and a read(2) returns one.
        init(on loop: any EventLoop, type: __socket_type = SOCK_STREAM) async throws {
            var fds: [Int32] = [0, 0]
            guard socketpair(AF_UNIX, Int32(type.rawValue), 0, &fds) == 0 else { throw POSIXError(.EIO) }
            channel = try await NIOPipeBootstrap(group: loop).takingOwnershipOfDescriptor(inputOutput: fds[0]).get()
            peer = fds[1]
        }

        /// Reads until `lines` newlines came (blocking; the suite's time limit bounds a hang).
        func read(lines: Int) -> [String] {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while bytes.filter({ $0 == UInt8(ascii: "\n") }).count < lines {
                let n = Glibc.read(peer, &buffer, buffer.count)
                if n <= 0 { break }
                bytes += buffer[0..<n]
            }
            return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { String($0) + "\n" }
        }
    }

    static func line(_ message: ServerMessage) -> String { String(decoding: LineCodec.encodeLine(message), as: UTF8.self) }

    /// A watcher that subscribes while a burst waits for the loop gets none of the lines published
    /// before it subscribed, and every line after, in order; the earlier watcher gets all.
    @Test func aWatcherSubscribingWhileLinesWaitGetsOnlyLaterLines() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let loop = group.next()
        let hub = EventHub()
        let first = try await Pair(on: loop)
        let second = try await Pair(on: loop)
        defer {
            close(first.peer)
            close(second.peer)
        }
        let events = (1...4).map { ServerMessage.beat(BeatEvent(beat: $0, timeSeconds: Double($0), rrMilliseconds: 1000, isNN: true)) }
        // All on the loop in one task, so every burst's write waits behind it: the lines published
        // before `second` subscribed are still waiting when it does.
        try await loop.submit {
            hub.subscribeLines(to: first.channel) {}
            hub.publish(events[0])
            hub.publish(events[1])
            hub.subscribeLines(to: second.channel) {}
            hub.publish(events[2])
            hub.publish(events[3])
        }.get()
        #expect(first.read(lines: 4) == events.map(Self.line))
        #expect(second.read(lines: 2) == events[2...].map(Self.line))
        try await first.channel.close()
        try await second.channel.close()
    }

    /// BEAT and METRICS of one beat reach a watcher together, as one write.
    @Test func eventsPublishedTogetherAreWrittenTogether() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let loop = group.next()
        let hub = EventHub()
        let watcher = try await Pair(on: loop, type: SOCK_SEQPACKET)
        defer { close(watcher.peer) }
        let beat = ServerMessage.beat(BeatEvent(beat: 70, timeSeconds: 70.5, rrMilliseconds: 980, isNN: true))
        let metrics = ServerMessage.metrics(MetricsEvent(beat: 70, hrv: HRVSnapshot(meanHeartRateBPM: 61.2, warmUpSecondsLeft: 0, artifactPercent: 0)))
        try await loop.submit {
            hub.subscribeLines(to: watcher.channel) {}
            hub.publish(beat)
            hub.publish(metrics)
        }.get()
        // A record is a write: the first record holds both lines.
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = Glibc.read(watcher.peer, &buffer, buffer.count)
        #expect(String(decoding: buffer[0..<max(n, 0)], as: UTF8.self) == Self.line(beat) + Self.line(metrics))
        try await watcher.channel.close()
    }
}
