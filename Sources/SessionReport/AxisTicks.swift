/// Round tick values (1, 2 or 5 times a power of ten) covering a range.
enum AxisTicks {
    static func values(from lower: Double, to upper: Double, roughCount: Int) -> [Double] {
        guard upper > lower, roughCount > 0 else { return [lower] }
        let rough = (upper - lower) / Double(roughCount)
        var power = 1.0
        while power * 10 <= rough { power *= 10 }
        while power > rough { power /= 10 }
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? power * 10
        var ticks: [Double] = []
        var tick = (lower / step).rounded(.up) * step
        while tick <= upper + step * 1e-9 {
            ticks.append(tick)
            tick += step
        }
        return ticks
    }

    /// A tick label: integers without decimals, others with one.
    static func label(_ value: Double) -> String {
        if value == value.rounded() { return String(Int64(value)) }
        return SVGWriter.number(value)
    }
}
