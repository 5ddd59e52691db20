import Foundation
import HRV
@testable import Sensor
import Testing

/// `WaveformText`, the byte-level reader `analyze` streams waveform files through: it must read
/// exactly what `SensorDecoder` reads, whatever the line endings and chunk sizes.
@Suite struct WaveformTextTests {
    private func beats(_ bytes: [UInt8], rateHz: Double = 360, chunk: Int = 1 << 16) -> (beats: [SensorBeat], reader: WaveformText<QRSDetector>) {
        var reader = WaveformText(detector: QRSDetector(sampleRateHz: rateHz))
        var out: [SensorBeat] = []
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + chunk)
            bytes[i..<end].withUnsafeBytes { reader.feed($0) { out.append($0) } }
            i = end
        }
        reader.finish { out.append($0) }
        return (out, reader)
    }

    private func decoderBeats(_ bytes: [UInt8], rateHz: Double = 360) -> (beats: [SensorBeat], decoder: SensorDecoder) {
        var decoder = SensorDecoder(format: .ecg, sampleRateHz: rateHz)
        var out: [SensorBeat] = []
        decoder.feed(bytes + [0x0A]) { if case .beat(let b) = $0 { out.append(b) } }
        return (out, decoder)
    }

    @Test func readsMITBIH100AsTheSensorDecoderDoes() throws {
        let bytes = try SharedData.bytes("ecg/mitdb100_mlii_360hz.txt")
        let (ours, reader) = beats(bytes)
        let (theirs, decoder) = decoderBeats(bytes)
        #expect(ours.count > 2200)
        #expect(ours == theirs)
        #expect(reader.sampleCount == 650_000)
        #expect(reader.rejected == decoder.rejected)
    }

    /// LF, CRLF, CR, a byte-order mark, no final newline, and chunks of 1, 7 and 4096 bytes: the
    /// same beats every time.
    @Test func lineEndingsBOMAndChunkingDoNotMatter() throws {
        let lines = try SharedData.text("ecg/mitdb100_mlii_360hz.txt").split(whereSeparator: \.isNewline).prefix(36_000)
        let lf = Array(lines.joined(separator: "\n").utf8) + [0x0A]
        let reference = beats(lf).beats
        #expect(reference.count > 100)
        let variants: [(String, [UInt8])] = [
            ("CRLF", Array(lines.joined(separator: "\r\n").utf8) + [0x0D, 0x0A]),
            ("CR", Array(lines.joined(separator: "\r").utf8) + [0x0D]),
            ("BOM", [0xEF, 0xBB, 0xBF] + lf),
            ("BOM CRLF, no final newline", [0xEF, 0xBB, 0xBF] + Array(lines.joined(separator: "\r\n").utf8)),
            ("no final newline", Array(lines.joined(separator: "\n").utf8)),
        ]
        for (name, bytes) in variants {
            let (out, reader) = beats(bytes)
            #expect(out == reference, "\(name)")
            #expect(reader.sampleCount == 36_000 - 1, "\(name): the header is a comment")
            #expect(reader.rejected.total == 0, "\(name)")
        }
        for chunk in [1, 7, 4096] { #expect(beats(lf, chunk: chunk).beats == reference, "chunks of \(chunk)") }
    }

    @Test func badLinesAreCountedAsTheDecoderCountsThem() {
        let text = "# header\n1.5\nabc\n2,3,4.25\n!\n\u{1}\u{2}\n9e9\n" + String(repeating: "7", count: 2000) + "\n 5 ; \n-\n.\n"
        let bytes = Array(text.utf8)
        let (_, reader) = beats(bytes)
        let (_, decoder) = decoderBeats(bytes)
        #expect(reader.rejected == decoder.rejected)
        #expect(reader.rejected[.unparseable] == 3)
        #expect(reader.rejected[.outOfRange] == 1)
        #expect(reader.rejected[.binary] == 1)
        #expect(reader.rejected[.overlongLine] == 1)
        #expect(reader.rejected.leadsOffSamples == 1)
        #expect(reader.sampleCount == 4, "1.5, 4.25, the leads-off sample and 5")
    }

    /// The byte parser gives the very double `Double(_:)` gives (the decoder's parser).
    @Test func numbersParseAsDoubleParsesThem() {
        var strings = [
            "-0.145", "2065.0", "512", "0", "-0", "+3", ".5", "5.", "-.25", "1e3", "1.5E-2", "12345678901234567",
            "0.1234567890123456789", "123456789012345", "-", ".", "1.2.3", "1e", "--1", "inf", "nan", "0x1p3", "",
        ]
        var state: UInt64 = 42
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let digits = Int(state >> 60) + 1
            let point = Int((state >> 20) % UInt64(digits + 1))
            var s = (state >> 40) & 1 == 0 ? "-" : ""
            for k in 0..<digits {
                if k == point { s += "." }
                s += String((state >> UInt64(k * 3 % 60)) % 10)
            }
            strings.append(s)
        }
        for s in strings {
            let bytes = Array(s.utf8)
            let ours = bytes.withUnsafeBufferPointer { WaveformTextLine.number($0) }
            let theirs = LineText.number(s[...])
            #expect(ours?.bitPattern == theirs?.bitPattern, "\(s): \(String(describing: ours)) vs \(String(describing: theirs))")
        }
    }
}
