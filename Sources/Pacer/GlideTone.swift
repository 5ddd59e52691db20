#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `glide` voice: a sine whose pitch follows the breath (a fifth from low to high) with a
/// gentle swell in loudness.
struct GlideTone {
    static let lowFrequencyHz = 220.0
    static let highFrequencyHz = 330.0
    /// Loudness at empty lungs relative to full lungs.
    static let quietShare = 0.55

    var phase: UInt32 = 0

    static func frequencyHz(breath: Double) -> Double {
        lowFrequencyHz * exp(breath * log(highFrequencyHz / lowFrequencyHz))
    }

    static func shape(breath: Double) -> Double { quietShare + (1 - quietShare) * breath }

    /// Adds `count` samples of a control segment starting `offset` samples into it; amplitude is
    /// `amplitude.at(offset + i)`, the frequency constant within the segment.
    @inline(__always)
    mutating func add(into out: UnsafeMutablePointer<Float>, count: Int, offset: Int, increment: UInt32, amplitude: LinearRamp) {
        let start = phase
        for i in 0..<count {
            let p = start &+ UInt32(truncatingIfNeeded: i) &* increment
            out[i] += amplitude.at(offset &+ i) * sine(ofPhase: p)
        }
        phase = start &+ UInt32(truncatingIfNeeded: count) &* increment
    }
}
