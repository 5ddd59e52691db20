/// A second-order IIR section (RBJ cookbook Butterworth, Q = 1/sqrt 2), designed for any sample rate
/// so the waveform beat detectors keep the same corner frequencies at 100, 360 or 1000 Hz.
public struct Biquad: Sendable {
    private let b0, b1, b2, a1, a2: Double
    private var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0

    public enum Kind: Sendable { case lowPass, highPass }

    public init(_ kind: Kind, cornerHz: Double, sampleRateHz: Double) {
        // Clamp below Nyquist so a low sample rate degrades the filter instead of making it unstable.
        let f = min(cornerHz, 0.45 * sampleRateHz)
        let w0 = 2 * Double.pi * f / sampleRateHz
        let cosW = Self.cosine(w0), alpha = Self.sine(w0) / (2 * 0.7071067811865476)
        let a0 = 1 + alpha
        switch kind {
        case .lowPass:
            b0 = (1 - cosW) / 2 / a0; b1 = (1 - cosW) / a0; b2 = b0
        case .highPass:
            b0 = (1 + cosW) / 2 / a0; b1 = -(1 + cosW) / a0; b2 = b0
        }
        a1 = -2 * cosW / a0
        a2 = (1 - alpha) / a0
    }

    public mutating func process(_ x: Double) -> Double {
        let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2 = x1; x1 = x
        y2 = y1; y1 = y
        return y
    }

    public mutating func reset() { x1 = 0; x2 = 0; y1 = 0; y2 = 0 }

    // Taylor series: HRV imports no Foundation, and w0 stays within [0, 0.9 pi].
    static func sine(_ x: Double) -> Double {
        var term = x, sum = x
        for n in 1..<20 {
            term *= -x * x / Double((2 * n) * (2 * n + 1))
            sum += term
        }
        return sum
    }

    static func cosine(_ x: Double) -> Double {
        var term = 1.0, sum = 1.0
        for n in 1..<20 {
            term *= -x * x / Double((2 * n - 1) * (2 * n))
            sum += term
        }
        return sum
    }
}
