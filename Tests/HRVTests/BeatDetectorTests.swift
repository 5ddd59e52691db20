import BreathTestSupport
import Foundation
import HRV
import Testing

/// Recorded waveforms in `../shared/data` (env `BREATHD_SHARED` when `make test` runs).
enum WaveformFixture {
    static var sharedDirectory: String { TestPaths.shared.path }

    static func lines(_ relativePath: String) throws -> [Substring] {
        let text = try String(contentsOfFile: sharedDirectory + "/data/" + relativePath, encoding: .utf8)
        return text.split(whereSeparator: \.isNewline)
    }

    static func samples(_ relativePath: String) throws -> [Double] {
        try lines(relativePath).compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Column `column` of a CSV with one header line.
    static func column(_ relativePath: String, _ column: Int) throws -> [Double] {
        try lines(relativePath).dropFirst().map { Double($0.split(separator: ",")[column])! }
    }

    static let beatSymbols: Set<Substring> = ["N", "L", "R", "B", "A", "a", "J", "S", "V", "r", "F", "e", "j", "n", "E", "/", "f", "Q", "?"]

    /// Sample indices of the annotated beats of MIT-BIH record 100.
    static func mitbihBeats() throws -> [Int] {
        try lines("ecg/mitdb100_annotations.csv").dropFirst().compactMap { line in
            let fields = line.split(separator: ",")
            return beatSymbols.contains(fields[1]) ? Int(fields[0]) : nil
        }
    }
}

/// Sensitivity and positive predictivity of detections against reference beats (both sorted),
/// pairing each reference with the nearest unused detection within `toleranceSamples`.
struct DetectionScore: CustomStringConvertible {
    var truePositives = 0, falseNegatives = 0, falsePositives = 0
    var sensitivity: Double { Double(truePositives) / Double(truePositives + falseNegatives) }
    var positivePredictivity: Double { Double(truePositives) / Double(truePositives + falsePositives) }
    var description: String {
        "TP \(truePositives) FN \(falseNegatives) FP \(falsePositives) Se \(sensitivity * 100) % +P \(positivePredictivity * 100) %"
    }

    init(reference: [Int], detected: [Int], toleranceSamples: Int) {
        var used = [Bool](repeating: false, count: detected.count)
        var j = 0
        for r in reference {
            while j < detected.count, detected[j] < r - toleranceSamples { j += 1 }
            var best: Int?
            var k = j
            while k < detected.count, detected[k] <= r + toleranceSamples {
                if !used[k], best.map({ abs(detected[k] - r) < abs(detected[$0] - r) }) ?? true { best = k }
                k += 1
            }
            if let best { used[best] = true; truePositives += 1 } else { falseNegatives += 1 }
        }
        falsePositives = used.filter { !$0 }.count
    }
}

func detectBeats<D: WaveformBeatDetector>(_ detector: D, _ samples: [Double]) -> (beats: [Int], maximumDelaySamples: Int) {
    var detector = detector
    var beats: [Int] = []
    var maximumDelay = 0
    for (i, x) in samples.enumerated() {
        if let beat = detector.add(x) {
            beats.append(beat)
            // The first segment's learning period (2 s) reports its beats late, once.
            if Double(i) > 3 * detector.sampleRateHz { maximumDelay = max(maximumDelay, i - beat) }
        }
    }
    return (beats, maximumDelay)
}

@Suite struct BeatDetectorTests {
    @Test func qrsDetectorMeetsTheMITBIHRecord100Bar() throws {
        let samples = try WaveformFixture.samples("ecg/mitdb100_mlii_360hz.txt")
        let reference = try WaveformFixture.mitbihBeats()
        #expect(samples.count == 650_000)
        let (beats, delay) = detectBeats(QRSDetector(sampleRateHz: 360), samples)
        let score = DetectionScore(reference: reference, detected: beats, toleranceSamples: 54)
        print("MIT-BIH 100, 150 ms window: \(score), maximum delay \(Double(delay) / 360) s")
        #expect(score.sensitivity >= 0.995)
        #expect(score.positivePredictivity >= 0.995)
        #expect(beats == beats.sorted())
        #expect(Double(delay) / 360 <= 0.5)
    }

    @Test func ppgDetectorAgainstNeuroKit2PPGPeaks() throws {
        let ppg = try WaveformFixture.column("ecg/neurokit_bio_resting_100hz.csv", 1)
        let (pulses, delay) = detectBeats(PPGPeakDetector(sampleRateHz: 100), ppg)
        let score = DetectionScore(reference: NeuroKitPPGPeaks.sampleIndices, detected: pulses, toleranceSamples: 15)
        print("NeuroKit PPG vs NeuroKit2 ppg_peaks, 150 ms window: \(score), maximum delay \(Double(delay) / 100) s")
        #expect(score.sensitivity >= 0.98)
        #expect(score.positivePredictivity >= 0.995)
        #expect(Double(delay) / 100 <= 0.5)
    }

    @Test func ppgDetectorAgainstECGDerivedBeats() throws {
        let ecg = try WaveformFixture.column("ecg/neurokit_bio_resting_100hz.csv", 0)
        let ppg = try WaveformFixture.column("ecg/neurokit_bio_resting_100hz.csv", 1)
        let rPeaks = detectBeats(QRSDetector(sampleRateHz: 100), ecg).beats
        let (pulses, delay) = detectBeats(PPGPeakDetector(sampleRateHz: 100), ppg)
        // The pulse reaches the finger a transit time after the R wave: align by the median lag.
        var lags: [Int] = []
        for p in pulses { if let r = rPeaks.last(where: { $0 <= p }), p - r < 60 { lags.append(p - r) } }
        let lag = lags.sorted()[lags.count / 2]
        let score = DetectionScore(reference: rPeaks.map { $0 + lag }, detected: pulses, toleranceSamples: 15)
        print("NeuroKit PPG vs ECG-derived beats (+\(lag * 10) ms transit), 150 ms window: \(score), maximum delay \(Double(delay) / 100) s")
        #expect(score.sensitivity >= 0.95)
        #expect(score.positivePredictivity >= 0.98)
        #expect(Double(delay) / 100 <= 0.5)
    }
}
