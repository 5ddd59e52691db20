/// One plot band of the report: its vertical place and value range, with the shared time axis.
struct Panel {
    let title: String
    let unit: String
    let top: Double
    let height: Double
    let lower: Double
    let upper: Double
    let ticks: [Double]

    /// Pixel row of a value (higher values are higher up).
    func y(_ value: Double) -> Double {
        let clamped = min(max(value, lower), upper)
        return top + height - (clamped - lower) / (upper - lower) * height
    }

    func drawFrame(_ svg: inout SVGWriter, time: TimeAxis, tickLabels: Bool) {
        let left = SessionReportChart.plotLeft
        let right = SessionReportChart.plotRight
        svg.element("text", [("x", SVGWriter.number(left)), ("y", SVGWriter.number(top - 8)), ("font-size", "14"),
            ("font-weight", "bold"), ("fill", Palette.text)], text: title)
        for tick in ticks {
            let row = SVGWriter.number(y(tick))
            svg.element("line", [("x1", SVGWriter.number(left)), ("x2", SVGWriter.number(right)), ("y1", row), ("y2", row),
                ("stroke", Palette.grid), ("stroke-width", "1")])
            svg.element("text", [("x", SVGWriter.number(left - 8)), ("y", SVGWriter.number(y(tick) + 4)), ("text-anchor", "end"),
                ("font-size", "11"), ("fill", Palette.mutedText)], text: AxisTicks.label(tick))
        }
        for tick in time.ticks {
            let column = SVGWriter.number(time.x(tick))
            svg.element("line", [("x1", column), ("x2", column), ("y1", SVGWriter.number(top)), ("y2", SVGWriter.number(top + height)),
                ("stroke", Palette.grid), ("stroke-width", "1")])
            if tickLabels {
                svg.element("text", [("x", column), ("y", SVGWriter.number(top + height + 18)), ("text-anchor", "middle"),
                    ("font-size", "11"), ("fill", Palette.mutedText)], text: TimeAxis.label(tick))
            }
        }
        svg.element("rect", [("x", SVGWriter.number(left)), ("y", SVGWriter.number(top)), ("width", SVGWriter.number(right - left)),
            ("height", SVGWriter.number(height)), ("fill", "none"), ("stroke", Palette.frame)])
        let middle = SVGWriter.number(top + height / 2)
        svg.element("text", [("x", "0"), ("y", "0"), ("transform", "translate(38 \(middle)) rotate(-90)"), ("text-anchor", "middle"),
            ("font-size", "12"), ("fill", Palette.text)], text: unit)
    }
}

/// Seconds since the session's start along the horizontal axis.
struct TimeAxis {
    let durationSeconds: Double
    let left: Double
    let right: Double

    func x(_ seconds: Double) -> Double {
        left + min(max(seconds, 0), durationSeconds) / durationSeconds * (right - left)
    }

    /// Ticks at round times, at most about twelve.
    var ticks: [Double] {
        let step = [5.0, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].first { durationSeconds / $0 <= 12 } ?? 7200
        return stride(from: 0, through: durationSeconds + 1e-9, by: step).map { $0 }
    }

    static func label(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        let remainder = whole % 60
        return "\(whole / 60):\(remainder < 10 ? "0" : "")\(remainder)"
    }
}
