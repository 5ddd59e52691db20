import Foundation
import HRV
import Testing

/// The hand-written FFT against the textbook DFT.
@Suite struct PowerSpectrumTests {
    private func pseudoRandom(_ n: Int, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    @Test(arguments: [(1, 1), (2, 2), (8, 8), (128, 256), (256, 256), (100, 256), (255, 255), (96, 96), (37, 64)])
    func matchesDirectDFT(inputLength: Int, length: Int) {
        let input = pseudoRandom(inputLength, seed: UInt64(inputLength * 1000 + length))
        var transform = PowerSpectrum(length: length)
        let fast = transform.powerSpectrum(of: input)
        let direct = PowerSpectrum.directDFT(input, length: length).map { $0.re * $0.re + $0.im * $0.im }
        #expect(fast.count == length / 2 + 1)
        let scale = direct.max() ?? 1
        for k in fast.indices {
            #expect(abs(fast[k] - direct[k]) <= 1e-10 * scale, "bin \(k) of \(length): \(fast[k]) vs \(direct[k])")
        }
    }

    @Test func aSineLandsInItsBin() {
        let n = 256
        let input = (0..<n).map { (2 * Double.pi * 10 * Double($0) / Double(n)).sinValue }
        var transform = PowerSpectrum(length: n)
        let power = transform.powerSpectrum(of: input)
        // |X_10| = n / 2 for a unit sine; every other bin is rounding noise.
        #expect(power[10].isApproximatelyEqual(to: Double(n * n) / 4, relativeTolerance: 1e-12))
        for k in power.indices where k != 10 { #expect(power[k] < 1e-18 * Double(n * n)) }
    }

    @Test func reusingTheTransformGivesTheSameAnswer() {
        var transform = PowerSpectrum(length: 256)
        let a = pseudoRandom(128, seed: 1), b = pseudoRandom(128, seed: 2)
        let first = transform.powerSpectrum(of: a)
        _ = transform.powerSpectrum(of: b)
        #expect(transform.powerSpectrum(of: a) == first)
    }
}

extension Double {
    var sinValue: Double { Foundation.sin(self) }
}
