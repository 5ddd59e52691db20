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

    /// The phase at the next sample, exact: it advances by whole increments in integers.
    var phase: UInt32 = 0
    private var oscillator = SegmentOscillator()

    static func frequencyHz(breath: Double) -> Double {
        lowFrequencyHz * exp(breath * log(highFrequencyHz / lowFrequencyHz))
    }

    static func shape(breath: Double) -> Double { quietShare + (1 - quietShare) * breath }

    /// Adds `count` samples of a control segment starting `offset` samples into it to `out`, or
    /// stores them there when `replacing` (so the caller need not clear `out` first); amplitude
    /// is `amplitude.at(offset + i)`, the frequency constant within the segment.
    @inline(__always)
    mutating func add(into out: UnsafeMutablePointer<Float>, count: Int, offset: Int, increment: UInt32, amplitude: LinearRamp, replacing: Bool = false) {
        let segmentPhase = phase &- UInt32(truncatingIfNeeded: offset) &* increment
        let segment = SegmentOscillator.Segment(startPhase: segmentPhase, increment: increment, amplitude: amplitude)
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
        phase = phase &+ UInt32(truncatingIfNeeded: count) &* increment
    }

    /// The same samples by the polynomial at every sample's exact phase: the reference the
    /// recurrence is tested against (SynthesisTests), and no faster path.
    @inline(never)
    mutating func addByPolynomial(into out: UnsafeMutablePointer<Float>, count: Int, offset: Int, increment: UInt32, amplitude: LinearRamp, replacing: Bool = false) {
        let start = phase
        for i in 0..<count {
            let p = start &+ UInt32(truncatingIfNeeded: i) &* increment
            out[i] = (replacing ? 0 : out[i]) + amplitude.at(offset &+ i) * sine(ofPhase: p)
        }
        phase = start &+ UInt32(truncatingIfNeeded: count) &* increment
    }
}

/// A linearly ramped sine at a constant frequency across one control segment, four consecutive
/// samples per SIMD lane group, at three vector operations per four samples (the polynomial takes
/// about twenty).
///
/// The sine is Reinsch's form of the Chebyshev recurrence r[j] = 2cos θ·r[j-4] − r[j-8] with
/// θ = 4ω: d[j] = d[j-4] − k·r[j-4], r[j] = r[j-4] + d[j], k = 4 sin²(θ/2). Unlike the plain form
/// its rounding error does not grow as 1/sin θ at low frequencies (θ is only 0.12 rad for 220 Hz
/// at 48 kHz), and k is exact to a relative 1e-7, so the pitch is too. The amplitude ramp is a
/// running sum per lane. Every sample depends only on the samples 4 before it, by the same float
/// operations, so the output is the same however the caller's buffers cut the segment.
struct SegmentOscillator {
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

    private(set) var segment: Segment?
    /// Samples of the segment rendered so far; the state below is for the four that follow.
    private(set) var offset = 0
    /// r[j-4..<j], the sine of the four samples before the next four.
    private var value: SIMD4<Float> = .zero
    /// d[j-4..<j] = r[j-4..<j] − r[j-8..<j-4].
    private var difference: SIMD4<Float> = .zero
    /// Amplitude of the next four samples.
    private var amplitude: SIMD4<Float> = .zero
    private var amplitudeStep4: Float = 0
    private var k: Float = 0

    init() {}

    init(_ segment: Segment) {
        self.segment = segment
        let increment = segment.increment
        // The seeds are the four samples before the segment, straight from the polynomial.
        let p = segment.startPhase, two = increment &+ increment
        let before = SIMD4(p &- two &- two, p &- increment &- two, p &- two, p &- increment)
        // sin(θ/2) where θ/2 is two samples' turn; d = sin φ − sin(φ − θ) = 2 sin(θ/2) cos(φ − θ/2).
        let halfTurnSine = sine(ofPhase: two)
        value = sine(ofPhases: before)
        difference = 2 * halfTurnSine * sine(ofPhases: before &- (two &- 0x4000_0000))
        k = 4 * halfTurnSine * halfTurnSine
        amplitude = segment.amplitudeStart + SIMD4<Float>(0, 1, 2, 3) * segment.amplitudeStep
        amplitudeStep4 = 4 * segment.amplitudeStep
    }

    /// The next four sines; advances the state by four samples.
    @inline(__always)
    private mutating func nextSines() -> SIMD4<Float> {
        difference -= k * value
        value += difference
        return value
    }

    /// The next four samples.
    @inline(__always)
    private mutating func nextSamples() -> SIMD4<Float> {
        let y = amplitude * nextSines()
        amplitude += amplitudeStep4
        return y
    }

    /// Adds the next `count` samples of the segment to `out`.
    @inline(__always)
    mutating func add(into out: UnsafeMutablePointer<Float>, count: Int) {
        let groups = count / 4
        let raw = UnsafeMutableRawPointer(out)
        for group in 0..<groups {
            let o = raw.loadUnaligned(fromByteOffset: group &* 16, as: SIMD4<Float>.self)
            raw.storeBytes(of: o + nextSamples(), toByteOffset: group &* 16, as: SIMD4<Float>.self)
        }
        let rest = count - groups * 4
        if rest > 0 {
            let y = partialGroup(rest)
            for lane in 0..<rest { out[groups * 4 + lane] += y[lane] }
        }
        offset += count
    }

    /// Stores the next `count` samples of the segment in `out`.
    @inline(__always)
    mutating func store(into out: UnsafeMutablePointer<Float>, count: Int) {
        let groups = count / 4
        let raw = UnsafeMutableRawPointer(out)
        for group in 0..<groups {
            raw.storeBytes(of: nextSamples(), toByteOffset: group &* 16, as: SIMD4<Float>.self)
        }
        let rest = count - groups * 4
        if rest > 0 {
            let y = partialGroup(rest)
            for lane in 0..<rest { out[groups * 4 + lane] = y[lane] }
        }
        offset += count
    }

    /// Advances by `count` samples without output.
    mutating func skip(_ count: Int) {
        for _ in 0..<(count / 4) { _ = nextSamples() }
        let rest = count % 4
        if rest > 0 { _ = partialGroup(rest) }
        offset += count
    }

    /// The next four samples, of which only the first `rest` (1 to 3) are used: the state then
    /// moves on by `rest` samples, each lane's history shifted with it.
    private mutating func partialGroup(_ rest: Int) -> SIMD4<Float> {
        let (oldValue, oldDifference, oldAmplitude) = (value, difference, amplitude)
        let y = nextSamples()
        value = Self.lanes(oldValue, value, from: rest)
        difference = Self.lanes(oldDifference, difference, from: rest)
        amplitude = Self.lanes(oldAmplitude, amplitude, from: rest)
        return y
    }

    /// Lanes `shift..<shift+4` of `a` followed by `b`.
    private static func lanes(_ a: SIMD4<Float>, _ b: SIMD4<Float>, from shift: Int) -> SIMD4<Float> {
        switch shift {
        case 1: SIMD4(a[1], a[2], a[3], b[0])
        case 2: SIMD4(a[2], a[3], b[0], b[1])
        case 3: SIMD4(a[3], b[0], b[1], b[2])
        default: a
        }
    }
}
