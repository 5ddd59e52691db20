/// Resampling of an irregular tachogram onto a regular grid (hrv-spec, coherence step 2):
/// a natural cubic spline through the points, held constant before the first and after the last.
///
/// Scratch storage is allocated once for `capacity` knots; resampling allocates nothing.
public struct TachogramResampler: Sendable {
    /// Four scratch rows of `capacity` each: interval widths, diagonal, right-hand side, second derivatives.
    private var scratch: [Double]
    public private(set) var capacity: Int

    public init(capacity: Int) {
        self.capacity = max(capacity, 2)
        scratch = [Double](repeating: 0, count: 4 * self.capacity)
    }

    /// Evaluates the spline through (`x[i]`, `y[i]`) (strictly increasing `x`) at every `grid`
    /// point (ascending) into `output`. Returns `false`, writing nothing, with fewer than 2 points.
    /// Two points give the straight line, as `np.interp` would.
    public mutating func resample(
        x: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>,
        grid: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>
    ) -> Bool {
        let n = x.count
        guard n >= 2 else { return false }
        if n > capacity {
            capacity = n
            scratch = [Double](repeating: 0, count: 4 * n)
        }
        let c = capacity
        scratch.withUnsafeMutableBufferPointer { buffer in
            let h = UnsafeMutableBufferPointer(rebasing: buffer[0..<c])
            let d = UnsafeMutableBufferPointer(rebasing: buffer[c..<(2 * c)])
            let r = UnsafeMutableBufferPointer(rebasing: buffer[(2 * c)..<(3 * c)])
            let m = UnsafeMutableBufferPointer(rebasing: buffer[(3 * c)..<(4 * c)])
            for i in 0..<(n - 1) { h[i] = x[i + 1] - x[i] }
            m[0] = 0
            m[n - 1] = 0
            if n > 2 { Self.solveNatural(n: n, y: y, h: h, diagonal: d, rhs: r, m: m) }
            Self.evaluate(n: n, x: x, y: y, h: h, m: m, grid: grid, into: output)
        }
        return true
    }

    /// Second derivatives of the natural spline: a tridiagonal system, solved by the Thomas algorithm.
    /// Unknowns m[1]...m[n-2]; row i: h[i-1] m[i-1] + 2(h[i-1]+h[i]) m[i] + h[i] m[i+1] = r[i].
    private static func solveNatural(
        n: Int, y: UnsafeBufferPointer<Double>, h: UnsafeMutableBufferPointer<Double>,
        diagonal d: UnsafeMutableBufferPointer<Double>, rhs r: UnsafeMutableBufferPointer<Double>,
        m: UnsafeMutableBufferPointer<Double>
    ) {
        for i in 1..<(n - 1) {
            d[i] = 2 * (h[i - 1] + h[i])
            r[i] = 6 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1])
        }
        for i in 2..<max(n - 1, 2) {
            let w = h[i - 1] / d[i - 1]
            d[i] -= w * h[i - 1]
            r[i] -= w * r[i - 1]
        }
        m[n - 2] = r[n - 2] / d[n - 2]
        var i = n - 3
        while i >= 1 {
            m[i] = (r[i] - h[i] * m[i + 1]) / d[i]
            i -= 1
        }
    }

    private static func evaluate(
        n: Int, x: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>,
        h: UnsafeMutableBufferPointer<Double>, m: UnsafeMutableBufferPointer<Double>,
        grid: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>
    ) {
        var interval = 0
        for (g, t) in grid.enumerated() {
            if t < x[0] {
                output[g] = y[0]
            } else if t > x[n - 1] {
                output[g] = y[n - 1]
            } else {
                while interval < n - 2 && t > x[interval + 1] { interval += 1 }
                let i = interval
                let hi = h[i]
                let a = x[i + 1] - t
                let b = t - x[i]
                output[g] = (m[i] * a * a * a + m[i + 1] * b * b * b) / (6 * hi)
                    + (y[i] / hi - m[i] * hi / 6) * a
                    + (y[i + 1] / hi - m[i + 1] * hi / 6) * b
            }
        }
    }

    /// Convenience for whole recordings.
    public mutating func resample(x: [Double], y: [Double], grid: [Double]) -> [Double]? {
        var out = [Double](repeating: 0, count: grid.count)
        let ok = x.withUnsafeBufferPointer { xs in
            y.withUnsafeBufferPointer { ys in
                grid.withUnsafeBufferPointer { gs in
                    out.withUnsafeMutableBufferPointer { os in resample(x: xs, y: ys, grid: gs, into: os) }
                }
            }
        }
        return ok ? out : nil
    }
}

/// Removes the least-squares straight line (against the sample index), as `scipy.signal.detrend`.
public func removeLinearTrend(_ values: UnsafeMutableBufferPointer<Double>) {
    let n = values.count
    guard n > 1 else {
        if n == 1 { values[0] = 0 }
        return
    }
    let centre = Double(n - 1) / 2
    var mean = 0.0
    for v in values { mean += v }
    mean /= Double(n)
    var covariance = 0.0
    var variance = 0.0
    for i in 0..<n {
        let dx = Double(i) - centre
        covariance += dx * (values[i] - mean)
        variance += dx * dx
    }
    let slope = covariance / variance
    for i in 0..<n { values[i] -= mean + slope * (Double(i) - centre) }
}
