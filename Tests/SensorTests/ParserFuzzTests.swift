import Foundation
import PropertyBased
import Testing

@testable import Sensor

/// Property-based fuzzing of the decoder: random bytes and shuffled fragments of every format,
/// fed whole and in random chunks. Properties: never traps, chunking never changes the outputs,
/// every beat is physiological, memory stays bounded. Runs for `BREATHD_FUZZ_SECONDS` (default 15;
/// `make fuzz` gives it 60).
@Suite struct ParserFuzzTests {
    static let fragments: [String] = [
        "850", "0.9", "\n", "\r\n", "\r", "HR 72", "72 bpm", "{\"rr\":[850,", "{\"rr_ms\":900}", "{\"hr\":", "}", "]",
        "S512", "B72", "Q830", "72,830,512", "BPM,IBI,Signal", "10 48 5a 03", "16 48 00 04", "01", "ff", "!",
        "-0.145", "1e308", "-1e400", "nan", "inf", "0x1p3", "\0", "\u{7F}", "é", ",", ";", " ", "\t", "#",
        "99999999999999999999999", "{\"a\":[[[[[[[[[[[[[1]]]]]]]]]]]]}", "\"", "\\",
    ]

    static var budget: Duration {
        .seconds(Double(ProcessInfo.processInfo.environment["BREATHD_FUZZ_SECONDS"] ?? "") ?? 15)
    }

    static func check(_ bytes: [UInt8], chunkSeed: UInt64, format: SensorFormat?) {
        var whole = SensorDecoder(format: format, sampleRateHz: 100)
        let expected = whole.feed(bytes)
        var chunked = SensorDecoder(format: format, sampleRateHz: 100)
        var rng = SplitMix(state: chunkSeed)
        var outputs: [SensorDecoder.Output] = []
        var i = 0
        while i < bytes.count {
            let n = Int.random(in: 1...17, using: &rng)
            chunked.feed(bytes[i..<min(i + n, bytes.count)]) { outputs.append($0) }
            i += n
        }
        #expect(outputs == expected)
        #expect(chunked.rejected == whole.rejected)
        for case .beat(let b) in expected {
            #expect(PlausibleRange.rrMilliseconds.contains(b.rrMilliseconds))
        }
    }

    @Test func randomBytes() async {
        let deadline = ContinuousClock.now + Self.budget / 2
        var rounds = 0
        while ContinuousClock.now < deadline {
            await propertyCheck(count: 100, input: Gen.uint8().array(of: 0...600), Gen.uint64(), Gen.element(of: [nil] + SensorFormat.allCases.map(Optional.some))) { bytes, seed, format in
                Self.check(bytes, chunkSeed: seed, format: format ?? nil)
                await Task.yield()  // share the test pool with the timed tests when run together
            }
            rounds += 1
        }
        #expect(rounds > 0)
    }

    @Test func shuffledFragmentsOfEveryFormat() async {
        let deadline = ContinuousClock.now + Self.budget / 2
        var rounds = 0
        while ContinuousClock.now < deadline {
            await propertyCheck(count: 100, input: Gen.element(of: Self.fragments).array(of: 0...200), Gen.uint64(), Gen.element(of: [nil] + SensorFormat.allCases.map(Optional.some))) { pieces, seed, format in
                Self.check(Array(pieces.compactMap { $0 }.joined().utf8), chunkSeed: seed, format: format ?? nil)
                await Task.yield()
            }
            rounds += 1
        }
        #expect(rounds > 0)
    }
}
