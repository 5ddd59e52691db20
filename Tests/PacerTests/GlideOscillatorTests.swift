import Numerics
import Testing
@testable import Pacer

/// The glide voice's sine by recurrence (`SegmentOscillator`, 16 lanes) against the sine itself,
/// against the polynomial-per-sample formula, and against the four-lane recurrence it replaced.
///
/// Tolerances, full scale = 1: the recurrence differs from the exact ramped sine by less than
/// `exactTolerance` (the polynomial alone is within 4e-6), and a whole rendered session at volume
/// 1 differs from the polynomial formula, and from the four-lane rendering, by less than
/// `formulaTolerance` with an SNR above 110 dB: all below a third of a 16-bit step (3.05e-5).
/// Measured figures are printed by each test.
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

    /// `count` samples of one segment from an oscillator `Lanes` wide, stored in pieces of the given sizes.
    func samples<Lanes: SineLanes>(_ lanes: Lanes.Type, _ segment: SegmentOscillator<Lanes>.Segment, count: Int, pieces: [Int] = [Int.max]) -> [Float] {
        var oscillator = SegmentOscillator<Lanes>(segment)
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

    /// Each width at the sample rates it plays at (16 lanes from 21.1 kHz), and 4 lanes at all.
    @Test(arguments: [8_000, 22_050, 44_100, 48_000, 96_000, 192_000], [false, true])
    func recurrenceFollowsTheExactSine(sampleRate: Int, fourLanes: Bool) {
        #expect(GlideTone.Rendering.forSampleRate(sampleRate) == (sampleRate < 22_050 ? .fourLaneRecurrence : .sixteenLaneRecurrence))
        if !fourLanes && GlideTone.Rendering.forSampleRate(sampleRate) != .sixteenLaneRecurrence { return }
        var phases = Phases()
        var worst = 0.0
        for frequencyHz in stride(from: GlideTone.lowFrequencyHz, through: GlideTone.highFrequencyHz, by: 11) {
            let increment = phaseIncrement(frequencyHz: frequencyHz, sampleRate: sampleRate)
            for (from, to) in [(1.0, 1.0), (0.0, 1.0), (1.0, 0.2), (0.5, 0.55)] {
                let count = ToneRenderer.controlBlockFrames
                let ramp = LinearRamp(from: from, to: to, over: Int64(count))
                let start = phases.next()!
                let out = fourLanes
                    ? samples(SIMD4<Float>.self, .init(startPhase: start, increment: increment, amplitude: ramp), count: count)
                    : samples(SIMD16<Float>.self, .init(startPhase: start, increment: increment, amplitude: ramp), count: count)
                for j in 0..<count {
                    let phase = start &+ UInt32(truncatingIfNeeded: j) &* increment
                    let exact = Double(ramp.at(j)) * _sin(2 * Double.pi * Double(phase) / 4_294_967_296.0)
                    worst = max(worst, abs(Double(out[j]) - exact))
                    #expect(Double(out[j]).isApproximatelyEqual(to: exact, absoluteTolerance: Self.exactTolerance),
                            "\(frequencyHz) Hz at \(sampleRate) Hz, sample \(j) from phase \(start)")
                }
            }
        }
        print("recurrence (\(fourLanes ? 4 : 16) lanes) vs exact sine at \(sampleRate) Hz: largest error \(worst) full scale")
    }

    @Test func piecesGiveTheSameSamplesAsOneRun() {
        var phases = Phases()
        for sampleRate in [8_000, 48_000] {
            let increment = phaseIncrement(frequencyHz: 277, sampleRate: sampleRate)
            let segment = SegmentOscillator<SIMD16<Float>>.Segment(startPhase: phases.next()!, increment: increment, amplitude: LinearRamp(from: 0.3, to: 0.9, over: 256))
            let whole = samples(SIMD16<Float>.self, segment, count: 256)
            for pieces in [[1], [3], [5, 2], [7, 1, 13], [15], [17, 16], [31, 33], [255]] {
                #expect(samples(SIMD16<Float>.self, segment, count: 256, pieces: pieces) == whole, "pieces \(pieces)")
            }
        }
    }

    /// What changes the glide: the breath turns, holds, a rate change, loudness changes (up to
    /// full scale), fades in and out; with `crossfade`, a crossfade to the bowl and back.
    static func changes(crossfade: Bool) throws -> [(at: Int64, PacerSettings)] {
        [
            (600_000, PacerSettings(pattern: try BreathPattern(ratePerMinute: 6.8, holdAfterInhaleSeconds: 1, holdAfterExhaleSeconds: 0.5),
                                    tone: try ToneSettings(voice: .glide, volume: 0.4))),
            (1_300_000, PacerSettings(pattern: .standard, tone: try ToneSettings(voice: crossfade ? .bowl : .glide, volume: 0.8))),
            (1_700_000, PacerSettings(pattern: .standard, tone: try ToneSettings(voice: .glide, volume: 1))),
        ]
    }

    /// A 50 s session at 48 kHz with `changes`, rendered in odd buffer sizes with the given glide rendering.
    static func session(_ rendering: GlideTone.Rendering, crossfade: Bool = true, chunks: [Int] = [480, 1, 1023, 333, 4096]) throws -> [Float] {
        let total: Int64 = 2_400_000
        let renderer = ToneRenderer(
            settings: PacerSettings(pattern: .standard, tone: try ToneSettings(voice: .glide, volume: 1)),
            sampleRate: 48_000, fades: try FadeSettings(inSeconds: 2, outSeconds: 2), endSample: total)
        renderer.glideRendering = rendering
        let out = render(renderer, frames: Int(total), chunks: chunks, changes: try changes(crossfade: crossfade))
        #expect(renderer.appliedChanges == 3)
        #expect(out.count == Int(total))
        return out
    }

    /// Largest difference and SNR of `a` against the reference `b`, after checking every sample
    /// against `tolerance`.
    static func compare(_ a: [Float], with b: [Float], tolerance: Double, _ what: String) -> (worst: Double, snrDB: Double) {
        var worst = 0.0, signal = 0.0, noise = 0.0, failures = 0
        for (i, (x, y)) in zip(a, b).enumerated() {
            let difference = Double(x) - Double(y)
            worst = max(worst, abs(difference))
            signal += Double(y) * Double(y)
            noise += difference * difference
            if !Double(x).isApproximatelyEqual(to: Double(y), absoluteTolerance: tolerance) {
                failures += 1
                if failures <= 3 { Issue.record("\(what): sample \(i) is \(x), reference \(y)") }
            }
        }
        let snrDB = 10 * Double.log10(signal / noise)
        print("\(what) over \(a.count) samples: largest difference \(worst) full scale, SNR \(snrDB) dB")
        return (worst, snrDB)
    }

    @Test func aSessionMatchesThePolynomialFormula() throws {
        let (_, snrDB) = Self.compare(try Self.session(.sixteenLaneRecurrence), with: try Self.session(.polynomial), tolerance: Self.formulaTolerance, "recurrence vs polynomial")
        #expect(snrDB > 110)
    }

    /// The 16-lane recurrence against the four-lane one it replaced (the rendering before, whose
    /// seeds it keeps).
    @Test func aSessionMatchesTheFourLaneRendering() throws {
        let (_, snrDB) = Self.compare(try Self.session(.sixteenLaneRecurrence), with: try Self.session(.fourLaneRecurrence), tolerance: Self.formulaTolerance, "16 lanes vs 4 lanes")
        #expect(snrDB > 110)
    }

    /// The phase runs on across every control segment (every 256 samples and at each breath
    /// turn), every buffer boundary (odd sizes, some not a multiple of 16, so a segment is left
    /// and resumed in the middle of a 16-sample group) and every glide change (rate, holds,
    /// loudness): each sample equals the polynomial at that sample's exact integer phase within
    /// `formulaTolerance`, on both sides of each boundary; and the second difference, which a
    /// phase jump of even a hundredth of a sample's turn would raise by 4e-4, stays within the
    /// bound of a full-scale 330 Hz sine.
    @Test func phaseStaysContinuousAcrossBlocksAndGlideChanges() throws {
        let chunks = [1, 255, 257, 16, 17, 4095, 31]
        let recurrence = try Self.session(.sixteenLaneRecurrence, crossfade: false, chunks: chunks)
        let polynomial = try Self.session(.polynomial, crossfade: false, chunks: [4096])
        var boundaries: [Int] = []
        var position = 0, index = 0
        while position < recurrence.count { boundaries.append(position); position += chunks[index % chunks.count]; index += 1 }
        boundaries += stride(from: 256, to: recurrence.count, by: 256)
        for n in boundaries where n > 0 && n < recurrence.count {
            for m in [n - 1, n] {
                #expect(Double(recurrence[m]).isApproximatelyEqual(to: Double(polynomial[m]), absoluteTolerance: Self.formulaTolerance),
                        "sample \(m) at the boundary \(n)")
            }
        }
        _ = Self.compare(recurrence, with: polynomial, tolerance: Self.formulaTolerance, "recurrence in odd buffers vs polynomial")
        let turn = 2 * Double.pi * GlideTone.highFrequencyHz / 48_000
        let step = 2 * Double.sin(turn / 2)
        let bound = step * step + 5e-5
        var largest = 0.0
        for n in 1..<(recurrence.count - 1) {
            largest = max(largest, abs(Double(recurrence[n + 1]) - 2 * Double(recurrence[n]) + Double(recurrence[n - 1])))
        }
        print("largest second difference \(largest), bound \(bound)")
        #expect(largest < bound)
    }
}
