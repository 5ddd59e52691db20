import HRV
import Testing

@testable import Sensor

@Suite struct RecordedDataTests {
    @Test(arguments: ["rr/nsr_5min.txt", "rr/polar_h10_pvc_600s.txt", "rr/polar_h10_slow_breathing_600s.csv"])
    func rrFilesDecodeLikeTheRRFileParser(file: String) throws {
        let text = try SharedData.text(file)
        let reference = RRText.parse(text).rrMilliseconds.filter { PlausibleRange.rrMilliseconds.contains($0) }
        var decoder = SensorDecoder()
        let out = decoder.feed(Array(text.utf8))
        #expect(decoder.format == .rr)
        #expect(beats(out).map(\.rrMilliseconds) == reference)
    }

    @Test func mitbihECGThroughTheDecoder() throws {
        var decoder = SensorDecoder(sampleRateHz: 360)
        let out = decoder.feed(try SharedData.bytes("ecg/mitdb100_mlii_360hz.txt"))
        #expect(decoder.format == .ecg)
        let b = beats(out)
        // 2273 annotated beats in 30 min; the first detected beat has no RR.
        #expect(abs(b.count - 2272) <= 3)
        let meanRR = b.map(\.rrMilliseconds).reduce(0, +) / Double(b.count)
        #expect(abs(meanRR - 1800_000.0 / 2273) < 5)
    }

    @Test func neurokitPPGThroughTheDecoder() throws {
        let ppg = try SharedData.text("ecg/neurokit_bio_resting_100hz.csv").split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] }
        var decoder = SensorDecoder(format: .ppg, sampleRateHz: 100)
        let out = decoder.feed(Array(ppg.joined(separator: "\n").utf8) + [0x0A])
        let b = beats(out)
        #expect(b.count > 400)
        // A missed pulse shows as one long interval; the detector finds about 97 % of them.
        #expect(b.filter { (500...1300).contains($0.rrMilliseconds) }.count >= b.count * 95 / 100)
    }

    @Test func biosppyWaveformsWithHeaders() throws {
        var ecg = SensorDecoder(format: .ecg, sampleRateHz: 1000)
        let ecgBeats = beats(ecg.feed(try SharedData.bytes("ecg/biosppy_ecg_1000hz.txt")))
        #expect(ecgBeats.count >= 10)
        // The first interval may span a beat missed while the detector settles.
        #expect(ecgBeats.dropFirst().allSatisfy { (500...1500).contains($0.rrMilliseconds) }, "\(ecgBeats.map(\.rrMilliseconds))")
        var ppg = SensorDecoder(format: .ppg, sampleRateHz: 1000)
        let ppgBeats = beats(ppg.feed(try SharedData.bytes("ppg/biosppy_ppg_1000hz.txt")))
        #expect(ppgBeats.count >= 10)
    }

    /// Raw samples without a configured format: ECG or PPG is told from their shape, and the
    /// samples held meanwhile are replayed, so the beats are exactly those of the configured format.
    /// (BioSPPy's recordings are 12-bit counts around 2000, which pass for RR intervals in ms:
    /// those need `format`; the shape test in `HRVTests` covers them.)
    @Test(arguments: [
        ("ecg/mitdb100_mlii_360hz.txt", -1, 360.0, SensorFormat.ecg),
        ("ecg/neurokit_bio_resting_100hz.csv", 0, 100, .ecg),
        ("ecg/neurokit_bio_resting_100hz.csv", 1, 100, .ppg),
    ])
    func waveformsAreToldApartAndLoseNoBeat(file: String, column: Int, sampleRateHz: Double, format: SensorFormat) throws {
        var bytes = try SharedData.bytes(file)
        if column >= 0 {
            let values = try SharedData.text(file).split(separator: "\n").dropFirst().map { $0.split(separator: ",")[column] }
            bytes = Array(values.joined(separator: "\n").utf8) + [0x0A]
        }
        var auto = SensorDecoder(sampleRateHz: sampleRateHz)
        let detected = auto.feed(bytes)
        #expect(auto.format == format)
        #expect(detected.filter { if case .formatDetected = $0 { true } else { false } } == [.formatDetected(format)])
        var configured = SensorDecoder(format: format, sampleRateHz: sampleRateHz)
        let reference = configured.feed(bytes)
        let (autoBeats, referenceBeats) = (beats(detected), beats(reference))
        #expect(autoBeats.count == referenceBeats.count)
        #expect(autoBeats == referenceBeats, "the beats differ")
        #expect(auto.rejected == configured.rejected)
    }
}
