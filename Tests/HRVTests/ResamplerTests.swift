import HRV
import Testing

@Suite struct ResamplerTests {
    @Test func naturalSplineReproducesAStraightLine() throws {
        var resampler = TachogramResampler(capacity: 4)  // grows as needed
        let x = [0.0, 0.7, 1.5, 2.0, 3.1, 4.4]
        let y = x.map { 3 * $0 + 800 }
        let grid = stride(from: 0.0, through: 4.4, by: 0.1).map { $0 }
        let resampled = resampler.resample(x: x, y: y, grid: grid)
        let out = try #require(resampled)
        for (t, v) in zip(grid, out) {
            #expect(v.isApproximatelyEqual(to: 3 * t + 800, relativeTolerance: 1e-13))
        }
    }

    @Test func passesThroughEveryKnotAndHoldsTheEnds() throws {
        var resampler = TachogramResampler(capacity: 8)
        let x = [1.0, 2.0, 2.5, 4.0, 5.0]
        let y = [800.0, 900, 850, 700, 820]
        let grid = [0.0, 0.5] + x + [5.5, 9]
        let resampled = resampler.resample(x: x, y: y, grid: grid)
        let out = try #require(resampled)
        #expect(out[0] == 800 && out[1] == 800)
        for i in x.indices { #expect(out[i + 2].isApproximatelyEqual(to: y[i], relativeTolerance: 1e-13)) }
        #expect(out[7] == 820 && out[8] == 820)
    }

    @Test func naturalSplineOfThreeKnotsMatchesItsClosedForm() throws {
        // Knots (0,0), (1,1), (2,0): natural spline S(x) = 1.5x - 0.5x^3 on [0, 1].
        var resampler = TachogramResampler(capacity: 3)
        let resampled = resampler.resample(x: [0, 1, 2], y: [0, 1, 0], grid: [0.25, 0.5, 1.5])
        let out = try #require(resampled)
        #expect(out[0].isApproximatelyEqual(to: 1.5 * 0.25 - 0.5 * 0.015625, relativeTolerance: 1e-14))
        #expect(out[1].isApproximatelyEqual(to: 0.6875, relativeTolerance: 1e-14))
        #expect(out[2].isApproximatelyEqual(to: 0.6875, relativeTolerance: 1e-14))
    }

    @Test func twoKnotsInterpolateLinearlyAndOneIsNotEnough() throws {
        var resampler = TachogramResampler(capacity: 2)
        #expect(resampler.resample(x: [1, 3], y: [800, 1000], grid: [0, 2, 4]) == [800, 900, 1000])
        #expect(resampler.resample(x: [1], y: [800], grid: [0, 2]) == nil)
    }

    @Test func detrendRemovesTheLeastSquaresLine() {
        var values: [Double] = (0..<50).map { i in
            let wiggle: Double = i % 2 == 0 ? 1 : -1
            return 2.5 * Double(i) - 7 + wiggle
        }
        values.withUnsafeMutableBufferPointer { removeLinearTrend($0) }
        #expect(abs(values.reduce(0, +)) < 1e-9)
        var slope = 0.0
        for (i, v) in values.enumerated() { slope += (Double(i) - 24.5) * v }
        #expect(abs(slope) < 1e-9)
    }
}
