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
    let p = 0.082_145_887 as Float
    return x * (3.141_592_65 + x2 * (-5.167_712_78 + x2 * (2.550_164_04 + x2 * (-0.599_264_53 + x2 * p))))
}

/// The phase increment per sample for a frequency: 2^32 · f / sampleRate.
@inline(__always)
func phaseIncrement(frequencyHz: Double, sampleRate: Int) -> UInt32 {
    UInt32(truncatingIfNeeded: Int64((frequencyHz / Double(sampleRate) * 4_294_967_296.0).rounded()))
}
