import Testing

@testable import Sensor

/// A fixed-seed generator, so a failure names an input that can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func decodeInChunks(_ bytes: [UInt8], format: SensorFormat?, sampleRateHz: Double = 250, chunkSizes: inout SplitMix, fixedChunk: Int? = nil) -> ([SensorDecoder.Output], RejectedInputCounters) {
    var decoder = SensorDecoder(format: format, sampleRateHz: sampleRateHz)
    var out: [SensorDecoder.Output] = []
    var i = 0
    while i < bytes.count {
        let n = fixedChunk ?? Int.random(in: 1...64, using: &chunkSizes)
        decoder.feed(bytes[i..<min(bytes.count, i + n)]) { out.append($0) }
        i += n
    }
    return (out, decoder.rejected)
}

@Suite struct RobustnessTests {
    static func mixedInput() -> [UInt8] {
        var text = ""
        for i in 0..<40 { text += "\(800 + i * 3)\r\n" }
        text += "HR 70\n{\"rr\":[850,860]}\n10 48 5a 03\nS512\n"
        var bytes = Array(text.utf8)
        bytes += [0, 0, 0x0A, 0xFF, 0xFE, 0x0A] + Array("99999\n-5\n".utf8)
        return bytes
    }

    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func chunkSizesDoNotChangeTheBeats(chunk: Int) throws {
        var rng = SplitMix(state: 1)
        let inputs: [([UInt8], SensorFormat?, Double)] = [
            (Self.mixedInput(), nil, 250),
            (try SharedData.bytes("rr/polar_h10_pvc_600s.txt"), nil, 250),
            (Array(try SharedData.bytes("ecg/mitdb100_mlii_360hz.txt").prefix(120_000)), .ecg, 360),
        ]
        for (bytes, format, rate) in inputs {
            let whole = decodeInChunks(bytes, format: format, sampleRateHz: rate, chunkSizes: &rng, fixedChunk: bytes.count)
            let chunked = decodeInChunks(bytes, format: format, sampleRateHz: rate, chunkSizes: &rng, fixedChunk: chunk)
            #expect(!whole.0.isEmpty)
            #expect(chunked.0 == whole.0)
            #expect(chunked.1 == whole.1)
        }
    }

    @Test func randomChunkSizesDoNotChangeTheBeats() {
        var rng = SplitMix(state: 7)
        let bytes = Self.mixedInput()
        let whole = decodeInChunks(bytes, format: nil, chunkSizes: &rng, fixedChunk: bytes.count)
        for _ in 0..<50 {
            let chunked = decodeInChunks(bytes, format: nil, chunkSizes: &rng)
            #expect(chunked.0 == whole.0)
        }
    }

    @Test func garbageIsCountedNotFatal() {
        var decoder = SensorDecoder(format: .rr)
        var rng = SplitMix(state: 42)
        var beats = 0
        // 1 MB without a newline, then a good line: the line is counted once, the beat survives.
        let megabyte = [UInt8](repeating: UInt8(ascii: "7"), count: 1 << 20)
        for chunk in stride(from: 0, to: megabyte.count, by: 4096) {
            decoder.feed(megabyte[chunk..<chunk + 4096]) { _ in }
        }
        #expect(decoder.rejected[.overlongLine] == 1)
        decoder.feed(Array("\n850\n".utf8)) { if case .beat = $0 { beats += 1 } }
        #expect(beats == 1)
        // Random bytes, NULs, CRLF, numbers out of range.
        for _ in 0..<200 {
            let junk = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            decoder.feed(junk) { _ in }
        }
        decoder.feed(Array("\n\0\0\0\r\n1e400\n-850\n5000\nnan\ninf\n0x1p3\n860\r\n".utf8)) { if case .beat = $0 { beats += 1 } }
        #expect(beats == 2)
        #expect(decoder.rejected[.binary] > 0)
        #expect(decoder.rejected[.outOfRange] >= 2)
        #expect(decoder.rejected[.unparseable] >= 3)
    }

    @Test func framerMemoryStaysBounded() {
        var framer = LineFramer()
        var items = 0
        framer.feed([UInt8](repeating: 0x41, count: 1 << 20)) { _ in items += 1 }
        #expect(items == 1)
        #expect(framer.pendingByteCount == 0)
        framer.feed([UInt8](repeating: 0x41, count: 100)) { _ in }
        #expect(framer.pendingByteCount == 0)  // still discarding until the newline
        framer.feed([0x0A, 0x42]) { _ in }
        #expect(framer.pendingByteCount == 1)
    }
}
