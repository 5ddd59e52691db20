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

    /// The daemon's figures go out at their measurement's precision (FigureRounding.Decimals),
    /// never with 15 digits of floating-point noise (`"progress":0.4710676882414502`).
    @Test func figuresAreWrittenToTheirPrecision() throws {
        let hrv = HRVSnapshot(
            meanHeartRateBPM: 59.523809523809526, rmssdMilliseconds: 44.843443514403624, sdnnMilliseconds: 69.66255068357701,
            pnn50Percent: 26.229508196721312, coherenceRatio: 0.9008918865180856, coherenceScore: 0.9008918865180856,
            coherenceLevel: .medium, peakFrequencyHz: 0.09375, warmUpSecondsLeft: 0.5840000000000032, artifactPercent: 1.5625,
            synchrony: 0.7063252648891927, synchronyPhaseDegrees: -97.93907355707015)
        let status = StatusReply(
            state: .running, session: SessionProgress(id: 1, elapsedSeconds: 8.024002522, remainingSeconds: 591.975997478),
            pacer: PacerStatus(
                rateBreathsPerMinute: 5.5, ratio: .even, voice: .glide, volume: 0.1, phase: .exhale, progress: 0.4710676882414502, cycle: 0),
            audio: AudioStatus(device: "default", state: .playing, xruns: 0),
            sensor: SensorStatus(
                device: "/dev/ttyUSB0", format: "ecg", state: .streaming, beats: 10, artifacts: 0, rejectedLines: 0,
                secondsSinceLastBeat: 0.37676039, sampleRateHz: 359.87654321),
            hrv: hrv)
        let line = String(decoding: LineCodec.encodeLine(.status(status)), as: UTF8.self)
        for expected in [
            #""mean_hr_bpm":59.5"#, #""rmssd_ms":44.8,"#, #""sdnn_ms":69.7"#, #""pnn50_percent":26.2"#, #""coherence_ratio":0.9,"#,
            #""coherence_score":0.9,"#, #""peak_frequency_hz":0.0938"#, #""warm_up_s":0.584"#, #""artifact_percent":1.6"#,
            #""synchrony":0.71"#, #""synchrony_phase_deg":-98"#, #""elapsed_s":8.024"#, #""remaining_s":591.976"#,
            #""progress":0.471"#, #""since_last_beat_s":0.377"#, #""sample_rate_hz":359.9"#, #""volume":0.1"#,
        ] {
            #expect(line.contains(expected), "\(expected) in \(line)")
        }
        let beat = String(decoding: LineCodec.encodeLine(.beat(BeatEvent(beat: 3, timeSeconds: 2.4416666666666664, rrMilliseconds: 813.8888888888889, isNN: true))), as: UTF8.self)
        #expect(beat == #"{"class":"BEAT","beat":3,"nn":true,"rr_ms":813.9,"t":2.442}"# + "\n")
        let level = String(decoding: LineCodec.encodeLine(.level(LevelEvent(level: .high, previous: .medium, coherenceScore: 3.0049999999))), as: UTF8.self)
        #expect(level.contains(#""coherence_score":3"#) && !level.contains("3.00499"), "\(level)")
        // A stored session's beats and summary, as `session --json` prints them.
        let stored = SessionReply(
            session: SessionRecord(
                id: 1, startedAt: Timestamp(unixMilliseconds: 0), settings: Samples.settings,
                summary: SessionSummary(
                    meanHeartRateBPM: 61.68446026097271, rmssdMilliseconds: 38.505017382626434, sdnnMilliseconds: 57.150947229514664,
                    secondsInLevel: LevelSeconds(low: 12.345678), beats: 14, artifacts: 1)),
            beats: [BeatRecord(offsetSeconds: 5.5370090659999995, rrMilliseconds: 1033.0000000000002, isNN: true, meanHeartRateBPM: 59.36)])
        let session = String(decoding: LineCodec.encodeLine(.session(stored)), as: UTF8.self)
        for expected in [#""t":5.537}"#, #""rr_ms":1033,"#, #""mean_hr_bpm":59.4"#, #""mean_hr_bpm":61.7"#, #""rmssd_ms":38.5"#, #""sdnn_ms":57.2"#, #""low":12.346"#] {
            #expect(session.contains(expected), "\(expected) in \(session)")
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
