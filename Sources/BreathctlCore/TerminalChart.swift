/// A line of values drawn with block characters, for a terminal: each column is the mean of the
/// points that fall into it, drawn as a bar whose top has eighth-of-a-row resolution.
struct TerminalChart {
    struct Point {
        let x: Double
        let y: Double
    }

    var widthColumns = 60
    var heightRows = 8

    private static let eighths: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The chart's lines: y labels on the left, the x axis and `xLabel(start)` / `xLabel(end)` under it.
    func render(_ points: [Point], yDecimals: Int, xLabel: (Double) -> String) -> [String] {
        guard let first = points.first else { return [] }
        let xMin = points.map(\.x).min() ?? first.x, xMax = points.map(\.x).max() ?? first.x
        var sums = [Double](repeating: 0, count: widthColumns), counts = [Int](repeating: 0, count: widthColumns)
        for point in points {
            let position = xMax > xMin ? (point.x - xMin) / (xMax - xMin) : 0
            let column = min(widthColumns - 1, Int(position * Double(widthColumns)))
            sums[column] += point.y
            counts[column] += 1
        }
        let means = zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : nil }
        let values = means.compactMap { $0 }
        var yMin = values.min() ?? 0, yMax = values.max() ?? 0
        // A flat line still needs a scale; centre it.
        if yMax - yMin < 1e-9 { (yMin, yMax) = (yMin - 1, yMax + 1) }
        let totalEighths = heightRows * 8
        // The lowest value keeps one eighth so that a column with data never looks empty.
        let levels = means.map { mean in mean.map { max(1, Int((($0 - yMin) / (yMax - yMin) * Double(totalEighths)).rounded())) } }

        let top = Readable.fixed(yMax, decimals: yDecimals), bottom = Readable.fixed(yMin, decimals: yDecimals)
        let labelWidth = max(top.count, bottom.count)
        func label(_ text: String) -> String { String(repeating: " ", count: labelWidth - text.count) + text }
        var lines: [String] = []
        for row in (0..<heightRows).reversed() {
            let axis = row == heightRows - 1 ? label(top) + " ┤" : row == 0 ? label(bottom) + " ┤" : label("") + " │"
            var line = axis
            for level in levels {
                let filled = (level ?? 0) - row * 8
                line.append(Self.eighths[max(0, min(8, filled))])
            }
            while line.last == " " { line.removeLast() }
            lines.append(line)
        }
        lines.append(label("") + " └" + String(repeating: "─", count: widthColumns))
        let start = xLabel(xMin), end = xLabel(xMax)
        let gap = max(1, widthColumns - start.count - end.count + 2)
        lines.append(label("") + "  " + start + String(repeating: " ", count: gap - 2) + end)
        return lines
    }
}
