import Foundation
import HRV
import Testing

/// ECG or PPG from the shape alone, on every 4 s window of every reference recording.
@Suite struct WaveformShapeTests {
    private static func recording(_ name: String) throws -> (samples: [Double], sampleRateHz: Double, shape: WaveformShapeClassifier.Shape) {
        switch name {
        case "mitdb100": (try WaveformFixture.samples("ecg/mitdb100_mlii_360hz.txt"), 360, .ecg)
        case "biosppy-ecg": (try WaveformFixture.samples("ecg/biosppy_ecg_1000hz.txt"), 1000, .ecg)
        case "neurokit-ecg": (try WaveformFixture.column("ecg/neurokit_bio_resting_100hz.csv", 0), 100, .ecg)
        case "biosppy-ppg": (try WaveformFixture.samples("ppg/biosppy_ppg_1000hz.txt"), 1000, .ppg)
        default: (try WaveformFixture.column("ecg/neurokit_bio_resting_100hz.csv", 1), 100, .ppg)
        }
    }

    @Test(arguments: ["mitdb100", "biosppy-ecg", "neurokit-ecg", "biosppy-ppg", "neurokit-ppg"])
    func everyWindowOfARecordingIsTold(name: String) throws {
        let (samples, rate, shape) = try Self.recording(name)
        var classifier = WaveformShapeClassifier(sampleRateHz: rate)
        var decisions: [WaveformShapeClassifier.Shape] = []
        for x in samples {
            if let decided = classifier.add(x) { decisions.append(decided) }
        }
        // One decision per 4 s of signal after the first 10 ms.
        let expectedCount = Int((Double(samples.count) / rate - 0.01) / WaveformShapeClassifier.windowSeconds)
        #expect(abs(decisions.count - expectedCount) <= 1, "\(decisions.count) decisions, expected \(expectedCount)")
        #expect(decisions.allSatisfy { $0 == shape }, "\(name): \(decisions.filter { $0 != shape }.count) of \(decisions.count) windows wrong")
    }

    /// Quantized coarsely (64 levels over the signal's range), a slow pulse wave moves by 0 or 1
    /// count per sample at 1000 Hz; the 10 ms span keeps that from looking like QRS spikes.
    @Test func aCoarselyQuantizedPulseWaveIsStillAPPG() throws {
        let (samples, rate, _) = try Self.recording("biosppy-ppg")
        let low = samples.min()!, high = samples.max()!
        var classifier = WaveformShapeClassifier(sampleRateHz: rate)
        let decisions = samples.compactMap { classifier.add(((($0 - low) / (high - low)) * 64).rounded()) }
        #expect(!decisions.isEmpty && decisions.allSatisfy { $0 == .ppg }, "\(decisions)")
    }

    @Test func aFlatLineDecidesNothingAndAGapBreaksTheChange() {
        var classifier = WaveformShapeClassifier(sampleRateHz: 100)
        #expect((0..<1000).compactMap { _ in classifier.add(512) }.isEmpty)
        // A smooth sine with a jump of 1000 across every leads-off gap: without `gap()` the jumps
        // would be spikes (an ECG); with it they are not changes at all.
        var smooth = WaveformShapeClassifier(sampleRateHz: 100)
        var decisions: [WaveformShapeClassifier.Shape] = []
        for i in 0..<2000 {
            if i % 100 == 0 { smooth.gap() }
            let offset = Double(i / 100 % 2) * 1000
            if let decided = smooth.add(offset + 100 * sin(Double(i) * 2 * .pi / 80)) { decisions.append(decided) }
        }
        #expect(!decisions.isEmpty && decisions.allSatisfy { $0 == .ppg }, "\(decisions)")
    }
}
