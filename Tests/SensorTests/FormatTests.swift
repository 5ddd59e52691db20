import HRV
import Testing

@testable import Sensor

func beats(_ outputs: [SensorDecoder.Output]) -> [SensorBeat] {
    outputs.compactMap { if case .beat(let b) = $0 { b } else { nil } }
}

func decode(_ text: String, format: SensorFormat? = nil, sampleRateHz: Double = 250) -> (outputs: [SensorDecoder.Output], decoder: SensorDecoder) {
    var decoder = SensorDecoder(format: format, sampleRateHz: sampleRateHz)
    let outputs = decoder.feed(Array(text.utf8))
    return (outputs, decoder)
}

@Suite struct FormatTests {
    @Test func rrInMillisecondsSecondsAndCSV() {
        let (out, d) = decode("850\n850.5\r\n0.900\nRR 910\n920 ms\n12.5,930\n# comment\n", format: .rr)
        #expect(beats(out).map(\.rrMilliseconds) == [850, 850.5, 900, 910, 920, 930])
        #expect(d.rejected.total == 0)
    }

    @Test func heartRateIsLowPrecision() {
        let (out, d) = decode("HR 72\n60 bpm\nHR: 75\n80\nHR 900\nHR abc\n", format: .hr)
        let b = beats(out)
        #expect(b.map(\.rrMilliseconds) == [60000 / 72, 1000, 800, 750])
        #expect(b.allSatisfy { $0.isLowPrecision })
        #expect(d.rejected[.outOfRange] == 1)
        #expect(d.rejected.chatterLines == 1)  // "HR abc": words, not a rate
    }

    @Test func jsonObjects() {
        let text = """
            {"rr_ms":850}
            {"rr":[850,842], "battery": 90}
            {"hr":72}
            {"rr":[0.8]}
            {"status":"ok","nested":{"a":[1,2,{"b":null}]}}
            {"rr_ms":50}
            {"rr_ms":
            [1,2]

            """
        let (out, d) = decode(text, format: .json)
        let b = beats(out)
        #expect(b.map(\.rrMilliseconds) == [850, 850, 842, 60000 / 72, 800])
        #expect(b.map(\.isLowPrecision) == [false, false, false, true, false])
        #expect(d.rejected[.outOfRange] == 1)
        #expect(d.rejected[.unparseable] == 2)
    }

    @Test func pulseSensorLettersAndCSV() {
        let (letters, _) = decode("S512\nS530\nB72\nQ834\nS500\nB70\nQ856\n", format: .pulsesensor)
        #expect(beats(letters).map(\.rrMilliseconds) == [834, 856])
        let (csv, d) = decode("BPM,IBI,Signal\n72,830,512\n72,830,520\n71,845,530\n71,845,500\n70,860,510\n", format: .pulsesensor)
        #expect(beats(csv).map(\.rrMilliseconds) == [845, 860])
        #expect(d.rejected.total == 0, "\(d.rejected)")
    }

    @Test func bleHeartRateMeasurementEveryFlagCombination() throws {
        // Byte by byte, so the test does not share the encoder with the code under test.
        for flags in 0..<32 {
            let sixteenBit = flags & 0x01 != 0, energy = flags & 0x08 != 0, hasRR = flags & 0x10 != 0
            var packet: [UInt8] = [UInt8(flags)]
            packet += sixteenBit ? [72, 0] : [72]
            if energy { packet += [0x34, 0x12] }
            let rrs: [UInt16] = hasRR ? [870, 1024, 901] : []
            for rr in rrs { packet += [UInt8(rr & 0xFF), UInt8(rr >> 8)] }
            let m = try #require(BLEHeartRateMeasurement(bytes: packet))
            #expect(m.heartRateBPM == 72)
            #expect(m.energyExpendedKilojoules == (energy ? 0x1234 : nil))
            #expect(m.rrIntervals1024 == rrs)
            #expect(BLEHeartRateMeasurement(bytes: m.bytes) == m)

            let hex = packet.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            let (out, d) = decode(hex.joined(separator: " ") + "\n" + hex.joined(separator: ":").uppercased() + "\n", format: .bleHRM)
            let contactLost = (flags >> 1) & 3 == 2
            // Two rate-only notifications are held (HeartRateOnlyPolicy): no beat yet.
            let expected: [Double] = contactLost || !hasRR ? [] : rrs.map { Double($0) * 1000 / 1024 }
            #expect(beats(out).map(\.rrMilliseconds) == expected + expected, "flags \(flags)")
            #expect(d.rejected.total == 0)
        }
        // Truncated and overlong packets.
        let (out, d) = decode("10 48 5a\n00\n01 48\n00 48 00\n16 48 00 04 00 04\n", format: .bleHRM)
        #expect(beats(out).map(\.rrMilliseconds) == [1000, 1000])
        #expect(d.rejected[.unparseable] == 4)
    }

    @Test func waveformLeadsOffAndRange() {
        let (out, d) = decode("0.1\n!\n!\n0.2\n1e12\nx\n", format: .ecg)
        #expect(out == [.leadsOff])
        #expect(d.rejected.leadsOffSamples == 2)
        #expect(d.rejected[.outOfRange] == 1)
        #expect(d.rejected[.unparseable] == 1)
    }

    @Test(arguments: [
        ("850\n860\n870\n880\n890\n900\n910\n920\n", SensorFormat.rr),
        ("0.85\n0.86\n0.87\n0.88\n0.89\n0.90\n0.91\n0.92\n", .rr),
        ("HR 72\nHR 73\nHR 74\n", .hr),
        ("72 bpm\n73 bpm\n74 bpm\n", .hr),
        ("{\"rr\":[850]}\n{\"rr\":[860]}\n{\"rr\":[870]}\n", .json),
        ("S512\nB72\nQ830\n", .pulsesensor),
        ("BPM,IBI,Signal\n72,830,512\n72,830,520\n71,845,530\n", .pulsesensor),
        ("10 48 5a 03\n10 48 5a 03\n10 48 5a 03\n", .bleHRM),
    ])
    func autoDetection(text: String, format: SensorFormat) {
        let (out, d) = decode(text)
        #expect(d.format == format)
        #expect(out.first == .formatDetected(format))
        #expect(d.rejected.total == 0)
    }

    /// Numbers that cannot be RR intervals are a waveform, but which one (ECG or PPG) takes 4 s of
    /// its shape: until then nothing is decided and nothing is lost (`RecordedDataTests`).
    @Test func aWaveformWaitsForItsShape() {
        let (out, d) = decode("0.1\n0.2\n-0.1\n0.0\n0.3\n0.1\n0.2\n0.1\n")
        #expect(d.format == nil)
        #expect(out.isEmpty)
        #expect(d.rejected.total == 0)
    }

    @Test func autoDetectionKeepsTheLinesItDecidedOn() {
        let (out, _) = decode("HR 60\nHR 60\nHR 60\nHR 60\n")
        #expect(beats(out).count == 4)
    }

    @Test func formatSwitchingMidStreamIsCountedAndFollowed() {
        var text = ""
        for _ in 0..<10 { text += "850\n" }
        for _ in 0..<5 { text += "{\"rr_ms\":900}\n" }
        for _ in 0..<5 { text += "HR 60\n" }
        let (out, d) = decode(text)
        let detected = out.compactMap { if case .formatDetected(let f) = $0 { f } else { nil } }
        #expect(detected == [.rr, .json, .hr])
        #expect(beats(out).map(\.rrMilliseconds) == Array(repeating: 850, count: 10) + Array(repeating: 900, count: 5) + Array(repeating: 1000, count: 5))
        #expect(d.rejected[.unparseable] == 6)  // the 3 lines of each new format that voted for it
    }

    @Test func configuredFormatCountsForeignLinesWithoutSwitching() {
        let (out, d) = decode("850\n{\"rr_ms\":900}\n{\"rr_ms\":900}\n{\"rr_ms\":900}\n{\"rr_ms\":900}\n860\n", format: .rr)
        #expect(beats(out).map(\.rrMilliseconds) == [850, 860])
        #expect(d.rejected[.unparseable] == 4)
        #expect(d.format == .rr)
    }
}
