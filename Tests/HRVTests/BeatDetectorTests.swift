import BreathTestSupport
import Foundation
import HRV
import Sensor
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

    /// A file of `Tests/Fixtures` (written by scripts/make_waveform_fixtures.py): numbers, one a line.
    static func committed(_ relativePath: String) throws -> [Double] {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOfFile: tests.appendingPathComponent("Fixtures/" + relativePath).path, encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") }.map { Double($0)! }
    }

    static func committedIndices(_ relativePath: String) throws -> [Int] { try committed(relativePath).map { Int($0) } }

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

    /// Offsets (detected - reference, samples) of the matched beats, in reference order; nil for a
    /// reference beat missed.
    var offsets: [Int?] = []

    /// Beats outside `judged` (sample indices) count neither as missed nor as false: the
    /// detector's settling at the start, and the pulses a stream cannot have confirmed at the end.
    init(reference: [Int], detected: [Int], toleranceSamples: Int, judged: Range<Int>? = nil) {
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
            let inside = judged?.contains(r) ?? true
            if let best {
                used[best] = true
                if inside { truePositives += 1 }
                offsets.append(detected[best] - r)
            } else {
                if inside { falseNegatives += 1 }
                offsets.append(nil)
            }
        }
        falsePositives = zip(used, detected).filter { !$0.0 && (judged?.contains($0.1) ?? true) }.count
    }

    /// Error of each RR interval between two consecutive matched reference beats, in samples.
    var rrErrorsSamples: [Int] {
        zip(offsets, offsets.dropFirst()).compactMap { a, b in
            guard let a, let b else { return nil }
            return b - a
        }
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
        let rrErrors = score.rrErrorsSamples.map { Double($0) * 1000 / 360 }
        let (mean, sd) = meanAndSD(rrErrors)
        let matched = score.offsets.compactMap { $0 }.map(Double.init)
        let jumps = rrErrors.filter { abs($0) > 20 }.count
        print("MIT-BIH 100, 150 ms window: \(score), maximum delay \(Double(delay) / 360) s; RR error against the annotations: mean \(mean) ms, SD \(sd) ms over \(rrErrors.count) intervals, \(jumps) beyond 20 ms; beat offset mean \(meanAndSD(matched).mean * 1000 / 360) ms")
        #expect(score.sensitivity >= 0.995)
        #expect(score.positivePredictivity >= 0.995)
        // Issue 13: the R wave's peak, not the S wave: wfdb's xqrs has 1.5 ms, NeuroKit2 1.3 ms.
        #expect(sd <= 2.0)
        #expect(abs(mean) <= 0.05)
        #expect(jumps == 0)
        #expect(abs(meanAndSD(matched).mean) <= 1.0, "beats sit on the annotated R peak, within a sample on average")
        #expect(beats == beats.sorted())
        #expect(Double(delay) / 360 <= 0.5)
    }

    /// The R peaks of the other shared ECGs against NeuroKit2's `ecg_peaks`: same beats, same place.
    @Test(arguments: [("neurokit_bio_resting_100hz", 100.0), ("biosppy_ecg_1000hz", 1000.0)])
    func qrsDetectorAgainstNeuroKit2ECGPeaks(name: String, rateHz: Double) throws {
        let ecg = name.hasPrefix("neurokit")
            ? try WaveformFixture.column("ecg/\(name).csv", 0) : try WaveformFixture.samples("ecg/\(name).txt")
        let reference = try WaveformFixture.committedIndices("ecg/\(name).neurokit-peaks.txt")
        let (beats, _) = detectBeats(QRSDetector(sampleRateHz: rateHz), ecg)
        // The first second is not judged: there BioSPPy's ECG has a beat NeuroKit2 leaves out.
        let second = Int(rateHz)
        let score = DetectionScore(
            reference: reference, detected: beats, toleranceSamples: Int(0.15 * rateHz), judged: second..<(ecg.count - second))
        let offsetsMs = score.offsets.compactMap { $0 }.map { Double($0) * 1000 / rateHz }
        let rr = meanAndSD(score.rrErrorsSamples.map { Double($0) * 1000 / rateHz })
        print("\(name) vs NeuroKit2 ecg_peaks: \(score); offset mean \(meanAndSD(offsetsMs).mean) ms SD \(meanAndSD(offsetsMs).sd) ms; RR error mean \(rr.mean) ms SD \(rr.sd) ms")
        // The NeuroKit2 ECG turns noisy near its end (README of ../shared/data): the two detectors
        // disagree on 17 beats of 431 there (measured: Se 98.6 %, +P 97.5 %).
        #expect(score.sensitivity >= 0.98)
        #expect(score.positivePredictivity >= 0.97)
        // The same place as NeuroKit2's R peak, within a sample on average (the band-passed
        // placement was late).
        #expect(abs(meanAndSD(offsetsMs).mean) <= 1000 / rateHz)
    }

    /// Every PPG at hand against NeuroKit2's `ppg_peaks` (Elgendi): the shared recordings and the
    /// committed simulations (noise bursts, drift, mains; 55-130 beats/min; a quantized finger PPG of
    /// ~300 counts). The first second (filters settling) and the last (pulses a stream has not yet
    /// confirmed) are not judged.
    @Test(arguments: [
        ("neurokit_bio_resting_100hz", 100.0), ("biosppy_ppg_1000hz", 1000.0), ("sim_hr055_100hz", 100.0),
        ("sim_hr075_100hz", 100.0), ("sim_hr100_100hz", 100.0), ("sim_hr130_100hz", 100.0), ("finger_counts_100hz", 100.0),
    ])
    func ppgDetectorAgainstNeuroKit2PPGPeaks(name: String, rateHz: Double) throws {
        let ppg: [Double] =
            switch name {
            case "neurokit_bio_resting_100hz": try WaveformFixture.column("ecg/neurokit_bio_resting_100hz.csv", 1)
            case "biosppy_ppg_1000hz": try WaveformFixture.samples("ppg/biosppy_ppg_1000hz.txt")
            default: try WaveformFixture.committed("ppg/\(name).txt")
            }
        let reference = try WaveformFixture.committedIndices("ppg/\(name).neurokit-peaks.txt")
        let (pulses, delay) = detectBeats(PPGPeakDetector(sampleRateHz: rateHz), ppg)
        let second = Int(rateHz)
        let score = DetectionScore(
            reference: reference, detected: pulses, toleranceSamples: Int(0.15 * rateHz), judged: second..<(ppg.count - second))
        let offsetsMs = score.offsets.compactMap { $0 }.map { Double($0) * 1000 / rateHz }
        let rr = meanAndSD(score.rrErrorsSamples.map { Double($0) * 1000 / rateHz })
        print("\(name) vs NeuroKit2 ppg_peaks, 150 ms window: \(score); offset mean \(meanAndSD(offsetsMs).mean) ms; RR error mean \(rr.mean) ms SD \(rr.sd) ms; maximum delay \(Double(delay) / rateHz) s")
        #expect(score.sensitivity >= 0.98)
        #expect(score.positivePredictivity >= 0.98)
        #expect(Double(delay) / rateHz <= 0.8)
    }

    /// A stream that starts with noise before its first pulse (as every segment does) gives no
    /// beat in the noise, whatever the rate: before the warm-up, a ripple that began one sample
    /// after the settling passed for a block at 98 and 99.99999 Hz (an estimated 100 Hz), and the
    /// phantom first beat put every RR one beat off.
    @Test func ppgDetectorTakesNoNoiseBeforeTheFirstPulseForABeat() {
        let rrMilliseconds: [Double] = [859, 867, 883, 805, 852, 953, 1078, 1000]
        for rateHz in stride(from: 95.0, through: 105.0, by: 0.5) + [99.99999999999999, 250] {
            var wave = SyntheticWaveform(format: .ppg, sampleRateHz: rateHz)
            // As the SparkFun plotter prints it: IR counts.
            let samples = rrMilliseconds.flatMap { wave.samples(nextBeatAfterMilliseconds: $0) }.map { (104_800 + $0 * 900).rounded() }
            // Systolic peaks 0.25 s after each beat; the first beat 0.3 s + 859 ms in.
            var beatSeconds = 0.3
            let pulses = rrMilliseconds.dropLast().map { rr -> Double in
                beatSeconds += rr / 1000
                return beatSeconds + 0.25
            }
            let found = detectBeats(PPGPeakDetector(sampleRateHz: rateHz), samples).beats.map { Double($0) / rateHz }
            #expect(found.count == pulses.count, "\(rateHz) Hz: \(found)")
            for (f, p) in zip(found, pulses) { #expect(abs(f - p) <= 0.05, "\(rateHz) Hz: \(found) against \(pulses)") }
        }
    }

    /// The same for the QRS detector at the rates an AD8232 sketch's rate is measured at (about
    /// 192 Hz at 9600 baud; the explicit `ecg` path builds the detector at the estimate).
    @Test func qrsDetectorTakesNoNoiseBeforeTheFirstBeatForABeat() {
        let rrMilliseconds: [Double] = [859, 867, 883, 805, 852, 953, 1078, 1000]
        for rateHz in stride(from: 182.0, through: 202.0, by: 0.5) + [191.99999999999892, 250, 360] {
            var wave = SyntheticWaveform(format: .ecg, sampleRateHz: rateHz)
            // As the SparkFun sketch prints it: analogRead counts.
            let samples = rrMilliseconds.flatMap { wave.samples(nextBeatAfterMilliseconds: $0) }.map { max(0, min(1023, (330 + $0 * 280).rounded())) }
            var beatSeconds = 0.3
            let rWaves = rrMilliseconds.dropLast().map { rr -> Double in
                beatSeconds += rr / 1000
                return beatSeconds
            }
            let found = detectBeats(QRSDetector(sampleRateHz: rateHz), samples).beats.map { Double($0) / rateHz }
            #expect(found.count == rWaves.count, "\(rateHz) Hz: \(found)")
            for (f, r) in zip(found, rWaves) { #expect(abs(f - r) <= 0.02, "\(rateHz) Hz: \(found) against \(rWaves)") }
        }
    }

    /// No finger: a constant signal, or one flickering by a converter step, gives no beat in 20 s.
    @Test func ppgDetectorFindsNoBeatOnAFlatSignal() {
        for rateHz in [25.0, 100.0, 1000.0] {
            let n = Int(20 * rateHz)
            #expect(detectBeats(PPGPeakDetector(sampleRateHz: rateHz), [Double](repeating: 512, count: n)).beats.isEmpty)
            #expect(detectBeats(PPGPeakDetector(sampleRateHz: rateHz), [Double](repeating: 0, count: n)).beats.isEmpty)
            // A fixed pseudo-random flicker of -1, 0 or +1 count (a linear congruential sequence).
            var state: UInt32 = 12345
            let flicker = (0..<n).map { _ -> Double in
                state = state &* 1_103_515_245 &+ 12345
                return 512 + Double(Int(state >> 16) % 3 - 1)
            }
            #expect(detectBeats(PPGPeakDetector(sampleRateHz: rateHz), flicker).beats.isEmpty, "flicker at \(rateHz) Hz")
        }
    }

    /// A saturated sensor: the quantized finger PPG with its gain too high, every pulse top cut at
    /// the converter's ceiling (30 % of the samples there), gives no beat; the same unclipped does.
    @Test func ppgDetectorFindsNoBeatOnAClippedSignal() throws {
        let counts = try WaveformFixture.committed("ppg/finger_counts_100hz.txt")
        let ceiling = counts.sorted()[counts.count * 7 / 10]
        let clipped = counts.map { min($0, ceiling) }
        #expect(detectBeats(PPGPeakDetector(sampleRateHz: 100), clipped).beats.isEmpty)
        #expect(detectBeats(PPGPeakDetector(sampleRateHz: 100), counts).beats.count > 100)
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
        #expect(Double(delay) / 100 <= 0.8)
    }
}

func meanAndSD(_ values: [Double]) -> (mean: Double, sd: Double) {
    guard !values.isEmpty else { return (.nan, .nan) }
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    return (mean, variance.squareRoot())
}
