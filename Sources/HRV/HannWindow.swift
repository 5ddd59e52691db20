#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The periodic Hann window of `length` points (`np.hanning(length + 1)[:-1]`, scipy's "hann").
func periodicHannWindow(length: Int) -> [Double] {
    (0..<length).map { k -> Double in
        let angle = 2 * Double.pi * Double(k) / Double(length)
        return 0.5 - 0.5 * cos(angle)
    }
}
