import BreathHistory
import BreathProtocol
import BreathTestSupport
import Logging
import Testing

@testable import BreathctlCore

/// Read from the file when breathd is not running, a session is what the daemon would have sent:
/// the same line and the same figures, rounded as the wire rounds them.
@Suite struct HistorySourceTests {
    @Test func aSessionReadFromTheFileIsRoundedAsTheDaemonSendsIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = "\(directory.path)/history.sqlite"
        let store = try HistoryStore(path: path, logger: Logger(label: "breathctl-tests"))
        let settings = SessionSettings(durationSeconds: 60, rateBreathsPerMinute: 6, ratio: .even, voice: .glide, volume: 0.1)
        let id = try await store.beginSession(startedAt: Timestamp(unixMilliseconds: 1_700_000_000_000), settings: settings)
        // A beat that arrived 19.9996 s in: the daemon sends t 20.000, in the next chart column.
        try await store.appendBeats(
            [BeatRecord(offsetSeconds: 19.9996, rrMilliseconds: 912.3456, isNN: true)], to: id)

        let source = HistorySource.file(try HistoryFile(readingFrom: path))
        let (reply, line) = try source.session(.id(id))
        #expect(reply.beats.map(\.offsetSeconds) == [20.0])
        #expect(reply == (try LineCodec.decodeServerMessage(line)).sessionReply)
        #expect(line == String(decoding: LineCodec.encodeLine(.session(reply)), as: UTF8.self).dropLast())
    }
}

extension ServerMessage {
    fileprivate var sessionReply: SessionReply? {
        if case .session(let reply) = self { return reply }
        return nil
    }
}
