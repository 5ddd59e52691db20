#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `noise` voice: white noise through two one-pole low-pass filters, like a distant surf;
/// its loudness follows the breath, louder on the in-breath.
struct NoiseTone {
    static let cutoffHz = 600.0
    static let quietShare = 0.15
    /// Filtered noise is scaled so its RMS is this share of the peak amplitude.
    static let rmsShare = 0.28

    var state: UInt32 = 0x9E37_79B9
    var low1: Float = 0
    var low2: Float = 0
    let coefficient: Float
    let normalisation: Float

    init(sampleRate: Int) {
        coefficient = Float(1 - exp(-2 * Double.pi * Self.cutoffHz / Double(sampleRate)))
        // Measure the filtered noise's RMS once, so every sample rate sounds equally loud.
        var probe = NoiseTone(coefficient: coefficient)
        var sum = 0.0
        let n = max(sampleRate, 8000)
        for _ in 0..<n {
            let y = Double(probe.next())
            sum += y * y
        }
        normalisation = Float(Self.rmsShare / max((sum / Double(n)).squareRoot(), 1e-9))
    }

    private init(coefficient: Float) {
        self.coefficient = coefficient
        normalisation = 1
    }

    static func shape(breath: Double) -> Double { quietShare + (1 - quietShare) * breath }

    @inline(__always)
    private mutating func next() -> Float {
        // xorshift32: cheap, allocation-free, good enough for audio noise.
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        let white = Float(Int32(bitPattern: state)) * (1.0 / 2_147_483_648.0)
        low1 += coefficient * (white - low1)
        low2 += coefficient * (low1 - low2)
        return low2
    }

    mutating func add(into out: UnsafeMutablePointer<Float>, count: Int, offset: Int, amplitude: LinearRamp) {
        let scale = normalisation
        for i in 0..<count {
            out[i] += amplitude.at(offset &+ i) * scale * next()
        }
    }
}
