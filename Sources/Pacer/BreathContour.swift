#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How full the lungs are, 0 (out) to 1 (in), as a raised cosine through each breath: its slope
/// is zero at every turn, so pitch and loudness that follow it turn smoothly.
@inline(__always)
func breathLevel(_ phase: BreathPhase, progress: Double) -> Double {
    switch phase {
    case .inhale: (1 - cos(Double.pi * progress)) / 2
    case .holdIn: 1
    case .exhale: (1 + cos(Double.pi * progress)) / 2
    case .holdOut: 0
    }
}

/// A raised-cosine ramp from 0 to 1 over `length` samples: no step in value or slope at the ends.
@inline(__always)
func raisedCosineRamp(_ t: Int64, length: Int64) -> Double {
    if length <= 0 || t >= length { return 1 }
    if t <= 0 { return 0 }
    return (1 - cos(Double.pi * Double(t) / Double(length))) / 2
}

/// A value gliding linearly from one level to another over a span of samples: a pure function of
/// the sample index, so the output does not depend on how the caller chunks its buffers.
struct Glide {
    private(set) var from: Double
    private(set) var target: Double
    private var startSample: Int64 = 0
    private var lengthSamples: Int64 = 0

    init(_ value: Double) {
        from = value
        target = value
    }

    /// Glide from the value at `n` to `target` over `samples`.
    mutating func start(to target: Double, at n: Int64, overSamples samples: Int64) {
        from = value(at: n)
        self.target = target
        startSample = n
        lengthSamples = max(samples, 1)
    }

    func value(at n: Int64) -> Double {
        if n >= startSample + lengthSamples { return target }
        if n <= startSample { return from }
        return from + (target - from) * Double(n - startSample) / Double(lengthSamples)
    }
}

/// A control value interpolated linearly across one control segment: value at offset i is
/// `start + i * step`, the same whichever piece of the segment a buffer covers.
struct LinearRamp {
    let start: Float
    let step: Float

    init(from a: Double, to b: Double, over length: Int64) {
        start = Float(a)
        step = Float((b - a) / Double(length))
    }

    // Through Int32: Int64-to-Float has no vector instruction before AVX-512, Int32 does.
    @inline(__always) func at(_ offset: Int) -> Float { start + Float(Int32(truncatingIfNeeded: offset)) * step }
}
