import HRV
import Testing

@testable import Sensor

@Suite struct SimulatorTests {
    static func meanCoherence(_ coherence: HeartSimulator.Coherence, breathing: Double = 5.5) -> (score: Double, meanHR: Double) {
        var settings = HeartSimulator.Configuration()
        settings.coherence = coherence
        settings.breathingRatePerMinute = breathing
        var heart = HeartSimulator(configuration: settings)
        var engine = HRVEngine()
        var scores: [Double] = []
        var rrs: [Double] = []
        for _ in 0..<600 {
            let rr = heart.nextRRMilliseconds()
            rrs.append(rr)
            if let c = engine.add(rrMilliseconds: rr).update?.coherence { scores.append(c.score) }
        }
        return (scores.reduce(0, +) / Double(scores.count), 60000 / (rrs.reduce(0, +) / Double(rrs.count)))
    }

    @Test func coherenceFollowsTheSetting() {
        let high = Self.meanCoherence(.high), medium = Self.meanCoherence(.medium), low = Self.meanCoherence(.low)
        print("simulated coherence score: high \(high.score), medium \(medium.score), low \(low.score)")
        #expect(high.score > 4)  // level "high" at challenge level 1 starts at 1.8
        #expect(low.score < 1.8)
        #expect(high.score > medium.score && medium.score > low.score)
        #expect(abs(high.meanHR - 65) < 3)
    }

    @Test func deterministicForASeedAndEveryEncodedFormatDecodes() {
        var a = HeartSimulator(), b = HeartSimulator()
        let rrs = (0..<300).map { _ in a.nextRRMilliseconds() }
        #expect(rrs == (0..<300).map { _ in b.nextRRMilliseconds() })
        for format in SensorLineEncoder.encodableFormats {
            let text = rrs.map { SensorLineEncoder.line(rrMilliseconds: $0, format: format)! }.joined()
            var decoder = SensorDecoder()
            let decoded = beats(decoder.feed(Array(text.utf8)))
            #expect(decoder.format == format)
            #expect(decoder.rejected.total == 0)
            #expect(decoded.count == rrs.count, "\(format)")
            let tolerance = format == .hr ? 40.0 : 1.0  // hr carries whole bpm only
            #expect(zip(decoded, rrs).allSatisfy { abs($0.rrMilliseconds - $1) <= tolerance }, "\(format)")
            #expect(decoded.allSatisfy { $0.isLowPrecision == (format == .hr) })
        }
    }

    @Test(arguments: [SensorFormat.ecg, .ppg], [100.0, 250.0, 500.0])
    func syntheticWaveformsGiveBackTheirBeats(format: SensorFormat, rate: Double) {
        // No premature beats: a premature pulse rides on the previous beat's dicrotic wave, which
        // moves its PPG peak by more than the 2 samples held here (a property of PPG, not of the
        // detector).
        var settings = HeartSimulator.Configuration()
        settings.ectopicProbability = 0
        var heart = HeartSimulator(configuration: settings)
        var waveform = SyntheticWaveform(format: format, sampleRateHz: rate)
        // Not told the format: the decoder tells ECG from PPG by the shape.
        var decoder = SensorDecoder(sampleRateHz: rate)
        var sent: [Double] = []
        var received: [Double] = []
        for _ in 0..<200 {
            let rr = heart.nextRRMilliseconds()
            sent.append(rr)
            let text = SyntheticWaveform.lines(waveform.samples(nextBeatAfterMilliseconds: rr))
            received += beats(decoder.feed(Array(text.utf8))).map(\.rrMilliseconds)
        }
        // Warm-up costs the first beats; after that every interval comes back to within 2 samples.
        #expect(received.count >= 190)
        let tail = Array(received.suffix(150))
        // Detection trails the signal by a beat or two: align on the best shift.
        var best = Double.infinity
        for shift in 0...10 {
            let reference = Array(sent.dropLast(shift).suffix(150))
            let error = zip(tail, reference).map { abs($0 - $1) }.max() ?? .infinity
            best = min(best, error)
        }
        #expect(best <= 2 * 1000 / rate + 1, "\(format) at \(rate) Hz")
        #expect(decoder.format == format)
        #expect(decoder.rejected.total == 0)
    }
}
