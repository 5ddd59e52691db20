#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Power spectra of real sequences: a radix-2 FFT for power-of-two lengths, a direct DFT otherwise.
///
/// Written here rather than taken from FFTW because `HRV` is pure computation with no dependencies
/// (design.md), the transform sizes are tiny and fixed (256 points for coherence and Welch), and
/// FFTW's planner is not thread-safe, which would put a lock in the per-beat path. Tables are built
/// once in `init`; `powerSpectrum` allocates nothing. `RealDFTTests` checks it against `directDFT`.
public struct PowerSpectrum: Sendable {
    /// Transform length (the zero-padded length).
    public let length: Int
    private let isPowerOfTwo: Bool
    private let cosTable: [Double]
    private let sinTable: [Double]
    private let bitReversed: [Int]
    private var real: [Double]
    private var imaginary: [Double]

    public init(length: Int) {
        precondition(length >= 1, "a transform needs at least one point")
        self.length = length
        isPowerOfTwo = length & (length - 1) == 0
        // Twiddles e^{-2 pi i k / n} for k < n; exact multiples of pi/2 from sin/cos of 2 pi k / n.
        cosTable = (0..<length).map { cos(2 * Double.pi * Double($0) / Double(length)) }
        sinTable = (0..<length).map { -sin(2 * Double.pi * Double($0) / Double(length)) }
        var reversed = [Int](repeating: 0, count: length)
        if isPowerOfTwo && length > 1 {
            let bits = length.trailingZeroBitCount
            for i in 0..<length {
                var r = 0
                var v = i
                for _ in 0..<bits {
                    r = (r << 1) | (v & 1)
                    v >>= 1
                }
                reversed[i] = r
            }
        }
        bitReversed = reversed
        real = [Double](repeating: 0, count: length)
        imaginary = [Double](repeating: 0, count: length)
    }

    /// Number of one-sided bins, 0 through length / 2.
    public var binCount: Int { length / 2 + 1 }

    /// Writes |X_k|^2 for k in 0..<binCount into `output`, where X is the DFT of `input`
    /// zero-padded to `length` (inputs longer than `length` are truncated).
    public mutating func powerSpectrum(of input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        precondition(output.count >= binCount, "output needs room for every one-sided bin")
        if isPowerOfTwo {
            fft(input)
            for k in 0..<binCount {
                output[k] = real[k] * real[k] + imaginary[k] * imaginary[k]
            }
        } else {
            Self.directDFTPower(input, length: length, cosTable: cosTable, sinTable: sinTable, into: output)
        }
    }

    public mutating func powerSpectrum(of input: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: binCount)
        input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in powerSpectrum(of: i, into: o) }
        }
        return out
    }

    private mutating func fft(_ input: UnsafeBufferPointer<Double>) {
        let n = length
        let used = min(input.count, n)
        real.withUnsafeMutableBufferPointer { re in
            imaginary.withUnsafeMutableBufferPointer { im in
                bitReversed.withUnsafeBufferPointer { rev in
                    for i in 0..<n {
                        let j = rev[i]
                        re[i] = j < used ? input[j] : 0
                        im[i] = 0
                    }
                }
                cosTable.withUnsafeBufferPointer { c in
                    sinTable.withUnsafeBufferPointer { s in
                        var size = 2
                        while size <= n {
                            let half = size / 2
                            let step = n / size
                            var start = 0
                            while start < n {
                                var t = 0
                                for k in start..<(start + half) {
                                    let wr = c[t], wi = s[t]
                                    let l = k + half
                                    let xr = re[l] * wr - im[l] * wi
                                    let xi = re[l] * wi + im[l] * wr
                                    re[l] = re[k] - xr
                                    im[l] = im[k] - xi
                                    re[k] += xr
                                    im[k] += xi
                                    t += step
                                }
                                start += size
                            }
                            size *= 2
                        }
                    }
                }
            }
        }
    }

    private static func directDFTPower(
        _ input: UnsafeBufferPointer<Double>, length n: Int, cosTable: [Double], sinTable: [Double],
        into output: UnsafeMutableBufferPointer<Double>
    ) {
        let used = min(input.count, n)
        for k in 0..<(n / 2 + 1) {
            var sr = 0.0, si = 0.0
            var index = 0
            for j in 0..<used {
                sr += input[j] * cosTable[index]
                si += input[j] * sinTable[index]
                index += k
                if index >= n { index -= n }
            }
            output[k] = sr * sr + si * si
        }
    }

    /// The textbook O(n^2) DFT with freshly computed twiddles: the yardstick for the tests.
    public static func directDFT(_ input: [Double], length n: Int) -> [(re: Double, im: Double)] {
        (0..<(n / 2 + 1)).map { k in
            var sr = 0.0, si = 0.0
            for (j, x) in input.prefix(n).enumerated() {
                let angle = -2 * Double.pi * Double(k * j % n) / Double(n)
                sr += x * cos(angle)
                si += x * sin(angle)
            }
            return (sr, si)
        }
    }
}
