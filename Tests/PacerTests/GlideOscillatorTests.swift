import Numerics
import Testing
@testable import Pacer

/// The glide voice's sine by recurrence (`SegmentOscillator`) against the sine itself and against
/// the polynomial-per-sample formula it replaced.
///
/// Tolerances, full scale = 1: the recurrence differs from the exact ramped sine by less than
/// `exactTolerance` (the polynomial alone is within 4e-6; measured: 3.5e-6 to 4.2e-6 from 22 to
/// 192 kHz, 8.4e-6 at 8 kHz), and a whole rendered session at volume 1 differs from the
/// polynomial formula by less than `formulaTolerance` (measured 5.2e-6) with an SNR above 110 dB
/// (measured 116.7 dB): both below a third of a 16-bit step (3.05e-5).
@Suite struct GlideOscillatorTests {
    static let exactTolerance = 1e-5
    static let formulaTolerance = 1e-5

    /// A fixed sequence of phases, so a failure can be reproduced.
    struct Phases: IteratorProtocol {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        mutating func next() -> UInt32? {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt32(truncatingIfNeeded: state >> 32)
        }
    }

    /// `count` samples of one segment from `oscillator`, stored in pieces of the given sizes.
    func samples(_ segment: SegmentOscillator.Segment, count: Int, pieces: [Int] = [Int.max]) -> [Float] {
        var oscillator = SegmentOscillator(segment)
        var out = [Float](repeating: 0, count: count)
        var done = 0, piece = 0
        out.withUnsafeMutableBufferPointer { buffer in
            while done < count {
                let n = min(pieces[piece % pieces.count], count - done)
                oscillator.store(into: buffer.baseAddress! + done, count: n)
                done += n
                piece += 1
            }
        }
        return out
    }

    @Test(arguments: [8_000, 22_050, 44_100, 48_000, 96_000, 192_000])
    func recurrenceFollowsTheExactSine(sampleRate: Int) {
        var phases = Phases()
        var worst = 0.0
        for frequencyHz in stride(from: GlideTone.lowFrequencyHz, through: GlideTone.highFrequencyHz, by: 11) {
            let increment = phaseIncrement(frequencyHz: frequencyHz, sampleRate: sampleRate)
            for (from, to) in [(1.0, 1.0), (0.0, 1.0), (1.0, 0.2), (0.5, 0.55)] {
                let count = ToneRenderer.controlBlockFrames
                let ramp = LinearRamp(from: from, to: to, over: Int64(count))
                let start = phases.next()!
                let out = samples(.init(startPhase: start, increment: increment, amplitude: ramp), count: count)
                for j in 0..<count {
                    let phase = start &+ UInt32(truncatingIfNeeded: j) &* increment
                    let exact = Double(ramp.at(j)) * _sin(2 * Double.pi * Double(phase) / 4_294_967_296.0)
                    worst = max(worst, abs(Double(out[j]) - exact))
                    #expect(Double(out[j]).isApproximatelyEqual(to: exact, absoluteTolerance: Self.exactTolerance),
                            "\(frequencyHz) Hz at \(sampleRate) Hz, sample \(j) from phase \(start)")
                }
            }
        }
        print("recurrence vs exact sine at \(sampleRate) Hz: largest error \(worst) full scale")
    }

    @Test func piecesGiveTheSameSamplesAsOneRun() {
        var phases = Phases()
        for sampleRate in [8_000, 48_000] {
            let increment = phaseIncrement(frequencyHz: 277, sampleRate: sampleRate)
            let segment = SegmentOscillator.Segment(startPhase: phases.next()!, increment: increment, amplitude: LinearRamp(from: 0.3, to: 0.9, over: 256))
            let whole = samples(segment, count: 256)
            for pieces in [[1], [3], [5, 2], [7, 1, 13], [255]] {
                #expect(samples(segment, count: 256, pieces: pieces) == whole, "pieces \(pieces)")
            }
        }
    }

    /// A session with what changes the glide: the breath turns, holds, a rate change, loudness
    /// changes (up to full scale), a crossfade to the bowl and back, fades in and out; rendered in
    /// odd buffer sizes.
    @Test func aSessionMatchesThePolynomialFormula() throws {
        let sampleRate = 48_000
        let total: Int64 = 2_400_000
        func session(byPolynomial: Bool) throws -> [Float] {
            let renderer = ToneRenderer(
                settings: PacerSettings(pattern: .standard, tone: try ToneSettings(voice: .glide, volume: 1)),
                sampleRate: sampleRate, fades: try FadeSettings(inSeconds: 2, outSeconds: 2), endSample: total)
            renderer.glideByPolynomial = byPolynomial
            let changes: [(at: Int64, PacerSettings)] = [
                (600_000, PacerSettings(pattern: try BreathPattern(ratePerMinute: 6.8, holdAfterInhaleSeconds: 1, holdAfterExhaleSeconds: 0.5),
                                        tone: try ToneSettings(voice: .glide, volume: 0.4))),
                (1_300_000, PacerSettings(pattern: .standard, tone: try ToneSettings(voice: .bowl, volume: 0.8))),
                (1_700_000, PacerSettings(pattern: .standard, tone: try ToneSettings(voice: .glide, volume: 1))),
            ]
            let out = render(renderer, frames: Int(total), chunks: [480, 1, 1023, 333, 4096], changes: changes)
            #expect(renderer.appliedChanges == 3)
            return out
        }
        let recurrence = try session(byPolynomial: false)
        let formula = try session(byPolynomial: true)
        #expect(recurrence.count == Int(total) && formula.count == Int(total))
        var worst = 0.0, signal = 0.0, noise = 0.0
        for (a, b) in zip(recurrence, formula) {
            let difference = Double(a) - Double(b)
            worst = max(worst, abs(difference))
            signal += Double(b) * Double(b)
            noise += difference * difference
        }
        let snrDB = 10 * Double.log10(signal / noise)
        print("recurrence vs polynomial over \(total) samples: largest difference \(worst) full scale, SNR \(snrDB) dB")
        #expect(worst < Self.formulaTolerance)
        #expect(snrDB > 110)
    }
}
