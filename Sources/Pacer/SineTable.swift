/// sin(2π · phase / 2^32) for a 32-bit phase accumulator, by folding into a quarter-turn-wide
/// range and a 9th-order odd polynomial (error below 4e-6, about -108 dB): fast, branch-free,
/// vectorisable, and exact in phase because the accumulator wraps in integers.
@inline(__always)
func sine(ofPhase phase: UInt32) -> Float {
    // Half-turns in [-1, 1): sin(2π·phase/2^32) = sin(π·t).
    let t = Float(Int32(bitPattern: phase)) * (1.0 / 2_147_483_648.0)
    // sin(π t) = sin(π (±1 - t)), which brings t into [-0.5, 0.5].
    var x = t > 0.5 ? 1 - t : t
    x = x < -0.5 ? -1 - x : x
    let x2 = x * x
    let c = SinePolynomial.self
    return x * (c.c1 + x2 * (c.c3 + x2 * (c.c5 + x2 * (c.c7 + x2 * c.c9))))
}

/// `sine(ofPhase:)` for four phases at once (the same folding and polynomial, lane by lane).
@inline(__always)
func sine(ofPhases phases: SIMD4<UInt32>) -> SIMD4<Float> {
    let t = SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: phases)) * (1.0 / 2_147_483_648.0)
    var x = t.replacing(with: 1 - t, where: t .> 0.5)
    x = x.replacing(with: -1 - x, where: x .< -0.5)
    let x2 = x * x
    let c = SinePolynomial.self
    return x * (c.c1 + x2 * (c.c3 + x2 * (c.c5 + x2 * (c.c7 + x2 * c.c9))))
}

/// Coefficients of sin(π x) on [-0.5, 0.5] (odd powers), shared by the scalar and vector forms.
enum SinePolynomial {
    static let c1: Float = 3.141_592_65
    static let c3: Float = -5.167_712_78
    static let c5: Float = 2.550_164_04
    static let c7: Float = -0.599_264_53
    static let c9: Float = 0.082_145_887
}

/// The phase increment per sample for a frequency: 2^32 · f / sampleRate.
@inline(__always)
func phaseIncrement(frequencyHz: Double, sampleRate: Int) -> UInt32 {
    UInt32(truncatingIfNeeded: Int64((frequencyHz / Double(sampleRate) * 4_294_967_296.0).rounded()))
}
