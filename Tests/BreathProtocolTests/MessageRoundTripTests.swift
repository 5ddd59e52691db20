import BreathProtocol
import Foundation
import Testing

@Suite struct MessageRoundTripTests {
    @Test(arguments: Samples.allMessages)
    func serverMessageRoundTrips(_ message: ServerMessage) throws {
        let line = LineCodec.encodeLine(message)
        #expect(line.last == UInt8(ascii: "\n"))
        #expect(!line.dropLast().contains(UInt8(ascii: "\n")), "one object per line")
        let decoded = try LineCodec.decodeServerMessage(line.dropLast())
        #expect(decoded == message)
    }

    @Test(arguments: Samples.allMessages)
    func everyServerObjectStartsWithItsClass(_ message: ServerMessage) throws {
        let text = String(decoding: LineCodec.encodeLine(message), as: UTF8.self)
        #expect(text.hasPrefix("{\"class\":\"\(message.messageClass)\""))
    }

    @Test(arguments: Samples.allRequests)
    func requestRoundTrips(_ request: Request) throws {
        let line = LineCodec.encodeLine(request)
        #expect(try LineCodec.decodeRequest(line.dropLast()) == request)
    }

    @Test func greetingMatchesTheDesign() throws {
        let text = String(decoding: LineCodec.encodeLine(.version(VersionMessage(release: "1.2.3"))), as: UTF8.self)
        #expect(text == "{\"class\":\"VERSION\",\"proto_major\":1,\"proto_minor\":0,\"release\":\"1.2.3\"}\n")
    }

    @Test func errorMatchesTheDesign() {
        let text = String(decoding: LineCodec.encodeLine(.error("bad")), as: UTF8.self)
        #expect(text == "{\"class\":\"ERROR\",\"message\":\"bad\"}\n")
    }

    @Test func hrvKeysAreNamedAsInTheReferenceStream() throws {
        let object = try JSONSerialization.jsonObject(with: Data(LineCodec.encodeLine(.status(Samples.status))))
        let hrv = try #require((object as? [String: Any])?["hrv"] as? [String: Any])
        for key in [
            "mean_hr_bpm", "rmssd_ms", "sdnn_ms", "pnn50_percent", "coherence_ratio", "coherence_score",
            "coherence_level", "peak_frequency_hz", "warm_up_s", "artifact_percent",
        ] {
            #expect(hrv[key] != nil, "hrv.\(key)")
        }
    }

    @Test func historyRowsNameTheirEndReason() throws {
        let text = String(decoding: LineCodec.encodeLine(.history(HistoryReply(sessions: [Samples.finishedSession]))), as: UTF8.self)
        #expect(text.contains("\"end_reason\":\"completed\""))
        #expect(text.contains("\"started_at\":\"2026-11-23T08:00:00.000Z\""))
        #expect(Set(EndReason.allCases.map(\.rawValue)) == ["completed", "stopped", "interrupted"])
    }

    @Test func timestampsParseAndFormatAsISO8601() throws {
        for milliseconds: Int64 in [0, 951_782_400_000, 1_795_421_400_250, -86_400_001, 4_102_444_799_999] {
            let stamp = Timestamp(unixMilliseconds: milliseconds)
            let decoded = try JSONDecoder().decode(Timestamp.self, from: JSONEncoder().encode(stamp))
            #expect(decoded == stamp, "\(stamp)")
        }
        #expect(Timestamp(unixMilliseconds: 951_782_400_000).description == "2000-02-29T00:00:00.000Z")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Timestamp.self, from: Data("\"2026-13-01T00:00:00Z\"".utf8)) }
        #expect(try JSONDecoder().decode(Timestamp.self, from: Data("\"1970-01-01T00:00:01.5Z\"".utf8)).unixMilliseconds == 1500)
    }

    @Test func ratiosParse() {
        #expect(BreathRatio(parsing: "1:1") == .even)
        #expect(BreathRatio(parsing: "4:6")?.inhaleShare == 0.4)
        #expect(BreathRatio(parsing: "4.5 : 5.5")?.description == "4.5:5.5")
        for bad in ["", "1", "1:", ":1", "0:1", "-1:2", "a:b", "1:2:3", "nan:1"] {
            #expect(BreathRatio(parsing: bad) == nil, "\(bad)")
        }
    }
}
