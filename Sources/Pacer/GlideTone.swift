#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `glide` voice: a sine whose pitch follows the breath (a fifth from low to high) with a
/// gentle swell in loudness.
///
/// Inside a control segment the frequency is constant, so the sine comes from a two-term
/// recurrence (`SegmentOscillator`) instead of a polynomial per sample; every segment restarts it
/// from the exact integer phase, so its error never accumulates beyond one segment (within 1e-5
/// full scale of the exact sine, the polynomial alone being within 4e-6: GlideOscillatorTests)
/// and the pitch stays sample-exact for hours.
struct GlideTone {
    static let lowFrequencyHz = 220.0
    static let highFrequencyHz = 330.0
    /// Loudness at empty lungs relative to full lungs.
    static let quietShare = 0.55

    /// How the sine is computed: the recurrence in 16 or 4 lanes (what plays, by sample rate), or
    /// the polynomial per sample (the reference the tests compare with).
    enum Rendering {
        /// Four independent dependency chains: the glide costs about what silence costs in time.
        case sixteenLaneRecurrence
        /// One dependency chain: the rendering before 16 lanes, and what plays at low sample rates.
        case fourLaneRecurrence
        /// The polynomial at every sample's exact phase; no faster path.
        case polynomial

        /// 16 lanes where 16 samples' turn at the highest pitch stays within a quarter turn
        /// (from 21.1 kHz): toward a half turn the recurrence's step k = 4 sin²(θ/2) fixes θ
        /// badly (at 8 kHz 16 lanes drift 3e-3 from the sine in a segment, 4 lanes 8.4e-6).
        static func forSampleRate(_ sampleRate: Int) -> Rendering {
            Double(sampleRate) >= 64 * GlideTone.highFrequencyHz ? .sixteenLaneRecurrence : .fourLaneRecurrence
        }
    }

    /// The phase at the next sample, exact: it advances by whole increments in integers.
    var phase: UInt32 = 0
    var rendering: Rendering
    private var oscillator = SegmentOscillator<SIMD16<Float>>()
    private var fourLaneOscillator = SegmentOscillator<SIMD4<Float>>()

    init(sampleRate: Int) {
        rendering = .forSampleRate(sampleRate)
    }

    static func frequencyHz(breath: Double) -> Double {
        lowFrequencyHz * exp(breath * log(highFrequencyHz / lowFrequencyHz))
    }

    static func shape(breath: Double) -> Double { quietShare + (1 - quietShare) * breath }

    /// Adds `count` samples of a control segment starting `offset` samples into it to `out`, or
    /// stores them there when `replacing` (so the caller need not clear `out` first); amplitude
    /// is `amplitude.at(offset + i)`, the frequency constant within the segment.
    @inline(__always)
    mutating func add(into out: UnsafeMutablePointer<Float>, count: Int, offset: Int, increment: UInt32, amplitude: LinearRamp, replacing: Bool = false) {
        switch rendering {
        case .sixteenLaneRecurrence:
            Self.run(&oscillator, phase: phase, into: out, count: count, offset: offset, increment: increment, amplitude: amplitude, replacing: replacing)
        case .fourLaneRecurrence:
            Self.run(&fourLaneOscillator, phase: phase, into: out, count: count, offset: offset, increment: increment, amplitude: amplitude, replacing: replacing)
        case .polynomial:
            addByPolynomial(into: out, count: count, offset: offset, increment: increment, amplitude: amplitude, replacing: replacing)
        }
        phase = phase &+ UInt32(truncatingIfNeeded: count) &* increment
    }

    @inline(__always)
    private static func run<Lanes>(
        _ oscillator: inout SegmentOscillator<Lanes>, phase: UInt32, into out: UnsafeMutablePointer<Float>,
        count: Int, offset: Int, increment: UInt32, amplitude: LinearRamp, replacing: Bool
    ) {
        let segmentPhase = phase &- UInt32(truncatingIfNeeded: offset) &* increment
        let segment = SegmentOscillator<Lanes>.Segment(startPhase: segmentPhase, increment: increment, amplitude: amplitude)
        if oscillator.segment != segment || oscillator.offset != offset {
            oscillator = SegmentOscillator(segment)
            // Only when a segment is entered part-way (never in sequential rendering): run up to
            // the offset, so the samples are the ones an unbroken render of the segment gives.
            if offset > 0 { oscillator.skip(offset) }
        }
        if replacing {
            oscillator.store(into: out, count: count)
        } else {
            oscillator.add(into: out, count: count)
        }
    }

    /// The same samples by the polynomial at every sample's exact phase: the reference the
    /// recurrence is tested against (GlideOscillatorTests).
    @inline(never)
    private func addByPolynomial(into out: UnsafeMutablePointer<Float>, count: Int, offset: Int, increment: UInt32, amplitude: LinearRamp, replacing: Bool) {
        for i in 0..<count {
            let p = phase &+ UInt32(truncatingIfNeeded: i) &* increment
            out[i] = (replacing ? 0 : out[i]) + amplitude.at(offset &+ i) * sine(ofPhase: p)
        }
    }
}

/// The widths `SegmentOscillator` runs at: 4 lanes (the reference) or 16, built from groups of
/// four in registers (through memory, seeding cost more than the rest of a segment's work).
protocol SineLanes: SIMD where Scalar == Float {
    /// Lanes 0-3 from `g0`, 4-7 from `g1` and so on; groups past the width are not used.
    static func grouped(_ g0: SIMD4<Float>, _ g1: SIMD4<Float>, _ g2: SIMD4<Float>, _ g3: SIMD4<Float>) -> Self
}

extension SIMD4: SineLanes where Scalar == Float {
    @inline(__always)
    static func grouped(_ g0: SIMD4<Float>, _: SIMD4<Float>, _: SIMD4<Float>, _: SIMD4<Float>) -> Self { g0 }
}

extension SIMD16: SineLanes where Scalar == Float {
    @inline(__always)
    static func grouped(_ g0: SIMD4<Float>, _ g1: SIMD4<Float>, _ g2: SIMD4<Float>, _ g3: SIMD4<Float>) -> Self {
        SIMD16(lowHalf: SIMD8(lowHalf: g0, highHalf: g1), highHalf: SIMD8(lowHalf: g2, highHalf: g3))
    }
}

/// A linearly ramped sine at a constant frequency across one control segment, `Lanes.scalarCount`
/// (N) consecutive samples per SIMD group.
///
/// The sine is Reinsch's form of the Chebyshev recurrence r[j] = 2cos θ·r[j-N] − r[j-2N] with
/// θ = Nω: d[j] = d[j-N] − k·r[j-N], r[j] = r[j-N] + d[j], k = 4 sin²(θ/2). Unlike the plain form
/// its rounding error does not grow as 1/sin θ at low frequencies, and k is exact to a relative
/// 1e-7, so the pitch is too. The amplitude ramp is a running sum per lane. Every sample depends
/// only on the sample N before it, by the same float operations, so the output is the same however
/// the caller's buffers cut the segment.
///
/// N sets the speed: a group costs one multiply, subtract and add in series (9 cycles' latency on
/// the machines we measure), so with N = 4 the voice ran at the latency of that chain, half as
/// fast as silence in time at the same instruction count; with N = 16 (four independent 4-wide
/// chains on SSE) the chain is no longer the limit. N = 16 also means 16 recurrence steps per
/// 256-sample segment instead of 64: less rounding to accumulate, not more.
struct SegmentOscillator<Lanes: SineLanes> {
    struct Segment: Equatable {
        var startPhase: UInt32
        var increment: UInt32
        var amplitudeStart: Float
        var amplitudeStep: Float

        init(startPhase: UInt32, increment: UInt32, amplitude: LinearRamp) {
            self.startPhase = startPhase
            self.increment = increment
            amplitudeStart = amplitude.start
            amplitudeStep = amplitude.step
        }
    }

    static var lanes: Int { Lanes.scalarCount }

    private(set) var segment: Segment?
    /// Samples of the segment rendered so far; the state below is for the N that follow.
    private(set) var offset = 0
    /// r[j-N..<j], the sine of the N samples before the next N.
    private var value = Lanes()
    /// d[j-N..<j] = r[j-N..<j] − r[j-2N..<j-N].
    private var difference = Lanes()
    /// Amplitude of the next N samples.
    private var amplitude = Lanes()
    private var amplitudeStepN: Float = 0
    private var k: Float = 0

    init() {}

    @inline(__always)
    init(_ segment: Segment) {
        self.segment = segment
        let increment = segment.increment
        let quarterTurn: UInt32 = 0x4000_0000
        // θ/2 in phase units: N/2 samples' turn.
        let half = UInt32(truncatingIfNeeded: Self.lanes / 2) &* increment
        // The sines of 2, 4, N/2 and N/4 samples' turn, all small angles, where the polynomial
        // is exact to float rounding (its 3.5e-6 is at a quarter turn).
        let sines = sine(ofPhases: SIMD4(2 &* increment, 4 &* increment, half, UInt32(truncatingIfNeeded: Self.lanes / 4) &* increment))
        // sin(θ/2); d = sin φ − sin(φ − θ) = 2 sin(θ/2) cos(φ − θ/2).
        let halfTurnSine = sines[2]
        k = 4 * halfTurnSine * halfTurnSine
        amplitudeStepN = Float(Self.lanes) * segment.amplitudeStep
        let (start, step) = (segment.amplitudeStart, segment.amplitudeStep)
        amplitude = .grouped(
            start + SIMD4(0, 1, 2, 3) * step, start + SIMD4(4, 5, 6, 7) * step,
            start + SIMD4(8, 9, 10, 11) * step, start + SIMD4(12, 13, 14, 15) * step) - Lanes(repeating: amplitudeStepN)
        // The seeds are the N samples before the segment, the first four straight from the polynomial.
        let first = (segment.startPhase &- UInt32(truncatingIfNeeded: Self.lanes) &* increment) &+ SIMD4<UInt32>(0, 1, 2, 3) &* increment
        let sine0 = sine(ofPhases: first)
        if Self.lanes == 4 {
            // One group: d from the polynomial at φ − θ/2, as the four-lane rendering always
            // did (the tests' reference keeps its samples bit for bit).
            value = .grouped(sine0, .zero, .zero, .zero)
            difference = .grouped(2 * halfTurnSine * sine(ofPhases: first &- (half &- quarterTurn)), .zero, .zero, .zero)
            return
        }
        // Further groups by turning (sin φ, cos φ) four samples at a time: two polynomials and
        // three rotations instead of eight polynomials. Cosines of small angles come as
        // 1 − 2 sin²(angle/2), exact to rounding.
        let fourSine = sines[1], fourCosine = 1 - 2 * sines[0] * sines[0]
        let halfTurnCosine = 1 - 2 * sines[3] * sines[3]
        let cosine0 = sine(ofPhases: first &+ quarterTurn)
        let (sine1, cosine1) = (sine0 * fourCosine + cosine0 * fourSine, cosine0 * fourCosine - sine0 * fourSine)
        let (sine2, cosine2) = (sine1 * fourCosine + cosine1 * fourSine, cosine1 * fourCosine - sine1 * fourSine)
        let (sine3, cosine3) = (sine2 * fourCosine + cosine2 * fourSine, cosine2 * fourCosine - sine2 * fourSine)
        // d = 2 sin(θ/2) cos(φ − θ/2), and cos(φ − θ/2) = cos φ cos θ/2 + sin φ sin θ/2.
        func seedDifference(_ sine: SIMD4<Float>, _ cosine: SIMD4<Float>) -> SIMD4<Float> {
            2 * halfTurnSine * (cosine * halfTurnCosine + sine * halfTurnSine)
        }
        value = .grouped(sine0, sine1, sine2, sine3)
        difference = .grouped(seedDifference(sine0, cosine0), seedDifference(sine1, cosine1), seedDifference(sine2, cosine2), seedDifference(sine3, cosine3))
    }

    /// The next N sines; advances the state by N samples.
    @inline(__always)
    private mutating func nextSines() -> Lanes {
        difference -= k * value
        value += difference
        return value
    }

    /// The next N samples.
    @inline(__always)
    private mutating func nextSamples() -> Lanes {
        amplitude += Lanes(repeating: amplitudeStepN)
        return nextSines() * amplitude
    }

    /// Adds the next `count` samples of the segment to `out`.
    @inline(__always)
    mutating func add(into out: UnsafeMutablePointer<Float>, count: Int) {
        let groups = count / Self.lanes
        let raw = UnsafeMutableRawPointer(out)
        let stride = MemoryLayout<Lanes>.size
        for group in 0..<groups {
            let o = raw.loadUnaligned(fromByteOffset: group &* stride, as: Lanes.self)
            raw.storeBytes(of: o + nextSamples(), toByteOffset: group &* stride, as: Lanes.self)
        }
        let rest = count - groups * Self.lanes
        if rest > 0 {
            let y = partialGroup(rest)
            for lane in 0..<rest { out[groups * Self.lanes + lane] += y[lane] }
        }
        offset += count
    }

    /// Stores the next `count` samples of the segment in `out`.
    @inline(__always)
    mutating func store(into out: UnsafeMutablePointer<Float>, count: Int) {
        let groups = count / Self.lanes
        let raw = UnsafeMutableRawPointer(out)
        let stride = MemoryLayout<Lanes>.size
        for group in 0..<groups {
            raw.storeBytes(of: nextSamples(), toByteOffset: group &* stride, as: Lanes.self)
        }
        let rest = count - groups * Self.lanes
        if rest > 0 {
            let y = partialGroup(rest)
            for lane in 0..<rest { out[groups * Self.lanes + lane] = y[lane] }
        }
        offset += count
    }

    /// Advances by `count` samples without output.
    mutating func skip(_ count: Int) {
        for _ in 0..<(count / Self.lanes) { _ = nextSamples() }
        let rest = count % Self.lanes
        if rest > 0 { _ = partialGroup(rest) }
        offset += count
    }

    /// The next N samples, of which only the first `rest` (1 to N-1) are used: the state then
    /// moves on by `rest` samples, each lane's history shifted with it.
    private mutating func partialGroup(_ rest: Int) -> Lanes {
        let (oldValue, oldDifference, oldAmplitude) = (value, difference, amplitude)
        let y = nextSamples()
        value = Self.shifted(oldValue, value, by: rest)
        difference = Self.shifted(oldDifference, difference, by: rest)
        amplitude = Self.shifted(oldAmplitude, amplitude, by: rest)
        return y
    }

    /// Lanes `shift..<shift+N` of `a` followed by `b`.
    private static func shifted(_ a: Lanes, _ b: Lanes, by shift: Int) -> Lanes {
        // a and b lie side by side in the tuple: one unaligned load picks the window.
        withUnsafeBytes(of: (a, b)) { $0.loadUnaligned(fromByteOffset: shift * MemoryLayout<Float>.stride, as: Lanes.self) }
    }
}
