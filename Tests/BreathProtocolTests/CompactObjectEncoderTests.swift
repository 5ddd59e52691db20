@testable import BreathProtocol
import BreathTestSupport
import Testing

/// The watch events' fast encoder writes the bytes JSONEncoder writes, or declines.
@Suite struct CompactObjectEncoderTests {
    static let hotMessages = Samples.allMessages.filter {
        switch $0 {
        case .beat, .metrics, .phase, .level: true
        default: false
        }
    }

    @Test(arguments: hotMessages)
    func samplesEncodeToTheBytesOfJSONEncoder(_ message: ServerMessage) throws {
        let compact = try LineCodec.compactLine(message)
        #expect(String(decoding: compact, as: UTF8.self) == String(decoding: LineCodec.foundationLine(message), as: UTF8.self))
    }

    @Test func hotMessagesAreAllSampled() {
        #expect(Self.hotMessages.count == 4)
    }

    /// Random figures of every size and sign, absent optionals, every enum case, from a fixed seed.
    @Test func randomEventsEncodeToTheBytesOfJSONEncoder() throws {
        var random = SplitMix64(seed: 16)
        var mismatches: [String] = []
        for _ in 0..<3000 {
            for message in Self.randomMessages(&random) {
                let compact = String(decoding: try LineCodec.compactLine(message), as: UTF8.self)
                let foundation = String(decoding: LineCodec.foundationLine(message), as: UTF8.self)
                if compact != foundation, mismatches.count < 5 { mismatches.append("compact \(compact)foundation \(foundation)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func aNonFiniteFigureFallsBackToJSONEncodersLine() {
        let message = ServerMessage.beat(BeatEvent(beat: 1, timeSeconds: .nan, rrMilliseconds: 900, isNN: true))
        #expect(throws: CompactObjectEncoder.Unsupported.self) { try LineCodec.compactLine(message) }
        #expect(LineCodec.encodeLine(message) == LineCodec.foundationLine(message))
    }

    struct Other: Encodable {
        var text: String
        var list: [Int]?
        enum CodingKeys: String, CodingKey { case text, list }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(text, forKey: .text)
            try c.encodeIfPresent(list, forKey: .list)
        }
    }

    @Test func stringsToEscapeAndArraysAreDeclined() throws {
        #expect(try CompactObjectEncoder.fields(of: Other(text: "plain/path")) == Array(#""text":"plain/path""#.utf8))
        for text in ["a \"quote\"", "back\\slash", "new\nline", "é"] {
            #expect(throws: CompactObjectEncoder.Unsupported.self) { try CompactObjectEncoder.fields(of: Other(text: text)) }
        }
        #expect(throws: CompactObjectEncoder.Unsupported.self) { try CompactObjectEncoder.fields(of: Other(text: "a", list: [1])) }
        #expect(throws: CompactObjectEncoder.Unsupported.self) { try CompactObjectEncoder.fields(of: Other(text: "a", list: [])) }
    }

    static func randomMessages(_ random: inout SplitMix64) -> [ServerMessage] {
        func figure() -> Double {
            switch random.next() % 8 {
            case 0: 0
            case 1: Double(Int(random.next() % 3000)) - 1000
            case 2: Double(random.next() % 1_000_000) / 1000 + 0.0005
            case 3: random.unit() * 1e-3
            case 4: (random.unit() - 0.5) * 1e22
            case 5: Double(random.next() % 200_000) / 100 + 0.005
            case 6: random.unit() * 5000
            default: -random.unit() * 200
            }
        }
        func optional() -> Double? { random.next() % 4 == 0 ? nil : figure() }
        let level = CoherenceLevelName.allCases[Int(random.next() % 3)]
        let hrv = HRVSnapshot(
            meanHeartRateBPM: optional(), rmssdMilliseconds: optional(), sdnnMilliseconds: optional(), pnn50Percent: optional(),
            coherenceRatio: optional(), coherenceScore: optional(), coherenceLevel: random.next() % 4 == 0 ? nil : level,
            peakFrequencyHz: optional(), warmUpSecondsLeft: figure(), artifactPercent: figure(), synchrony: optional(),
            synchronyPhaseDegrees: optional())
        let beat = Int(random.next() % 100_000)
        return [
            .beat(BeatEvent(beat: beat, timeSeconds: figure(), rrMilliseconds: figure(), isNN: random.next() % 2 == 0)),
            .metrics(MetricsEvent(beat: beat, hrv: hrv)),
            .phase(PhaseEvent(phase: BreathPhase.allCases[Int(random.next() % UInt64(BreathPhase.allCases.count))], cycle: Int(random.next() % 1000), durationSeconds: figure())),
            .level(LevelEvent(level: level, previous: random.next() % 3 == 0 ? nil : CoherenceLevelName.allCases[Int(random.next() % 3)], coherenceScore: figure())),
        ]
    }
}
