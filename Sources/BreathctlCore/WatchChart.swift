/// The picture biofeedback tools show: each beat's heart rate (60000/RR) as a line in braille dots,
/// rising on the in-breath and falling on the out-breath, over the pacer's breath drawn behind it
/// (a shaded area that fills as the lungs do). Artifacts are marked `×` and the line breaks at them.
///
///      73┤⠀⠀⠀⢀⠔⠉⠢⡀⠀⠀⠀⠀⠀⢀⠤⠊⠑⢄⠀⠀
///        │⠀⠀⡰⠁░░░⠈⢢⠀⠀⠀⢠⠃░░░░⠱⡀
///      61┤⠤⠊░░░░░░░⠑⠤⠤⠊░░░░░░⠈⠢
///        └ -60 s ─────────────── now
struct WatchChart {
    var columns: Int
    var rows: Int
    var colour: Bool

    /// Columns of the y axis: "123┤".
    static let axisWidth = 5
    /// Smallest heart-rate span drawn, so that a steady heart does not look like a storm.
    static let minimumSpanBPM = 10.0

    /// Seconds across the chart: about one per column, between one and one and a half minutes.
    var windowSeconds: Double { min(90, max(60, Double(columns - Self.axisWidth))) }

    /// `rows` lines of chart and one of time axis.
    func render(_ trace: WatchTrace, at now: Double) -> [String] {
        let plotColumns = max(1, columns - Self.axisWidth)
        let start = now - windowSeconds
        let visible = trace.beats.filter { $0.at >= start && $0.at <= now }
        let (low, high) = Self.range(visible)
        var cells = Array(repeating: Array(repeating: Cell(), count: plotColumns), count: rows)

        // The breath behind: per column, the lungs' fill at that moment.
        for column in 0..<plotColumns {
            let time = start + (Double(column) + 0.5) / Double(plotColumns) * windowSeconds
            guard let breath = trace.breath(at: time) else { continue }
            let filledRows = breath * Double(rows)
            for row in 0..<rows where Double(rows - row) - 0.5 < filledRows { cells[row][column].breath = true }
        }

        // The heart rate in braille dots: two across and four down per cell.
        let dotColumns = plotColumns * 2, dotRows = rows * 4
        func dot(_ beat: WatchTrace.Beat) -> (x: Int, y: Int) {
            let x = Int(((beat.at - start) / windowSeconds * Double(dotColumns - 1)).rounded())
            let share = (high - beat.heartRateBPM) / (high - low)
            let y = Int((min(1, max(0, share)) * Double(dotRows - 1)).rounded())
            return (min(dotColumns - 1, max(0, x)), y)
        }
        var previous: (x: Int, y: Int)?
        for beat in visible {
            let point = dot(beat)
            guard beat.isNN else {
                cells[point.y / 4][point.x / 2].artifact = true
                previous = nil
                continue
            }
            if let previous {
                for (x, y) in Self.line(from: previous, to: point) { cells[y / 4][x / 2].set(dotX: x % 2, dotY: y % 4) }
            } else {
                cells[point.y / 4][point.x / 2].set(dotX: point.x % 2, dotY: point.y % 4)
            }
            previous = point
        }

        var lines: [String] = []
        for row in 0..<rows {
            let label: String
            if row == 0 {
                label = Self.number(high)
            } else if row == rows - 1 {
                label = Self.number(low)
            } else if row == rows / 2 && rows >= 5 {
                label = Self.number((high + low) / 2)
            } else {
                label = ""
            }
            let axis = String(repeating: " ", count: max(0, Self.axisWidth - 1 - label.count)) + label + (label.isEmpty ? "│" : "┤")
            lines.append(axis + draw(cells[row]))
        }
        if visible.isEmpty, rows >= 1 {
            let note = " no beats in the last \(Int(windowSeconds)) s "
            let row = rows / 2
            let axis = String(repeating: " ", count: Self.axisWidth - 1) + (row == 0 || row == rows - 1 ? "┤" : "│")
            let padding = max(0, (plotColumns - note.count) / 2)
            lines[row] = axis + String(repeating: " ", count: padding) + note
        }
        lines.append(timeAxis(plotColumns))
        return lines
    }

    private func timeAxis(_ plotColumns: Int) -> String {
        let left = " -\(Int(windowSeconds)) s ", right = " now"
        let rule = max(0, plotColumns - left.count - right.count)
        return String(repeating: " ", count: Self.axisWidth - 1) + "└" + left + String(repeating: "─", count: rule) + right
    }

    private struct Cell {
        var dots: UInt32 = 0
        var breath = false
        var artifact = false

        /// Braille dot bits: the left column is dots 1, 2, 3, 7; the right 4, 5, 6, 8.
        private static let bits: [[UInt32]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

        mutating func set(dotX: Int, dotY: Int) { dots |= Self.bits[dotX][dotY] }

        var character: Character {
            if artifact { return "×" }
            if dots != 0 { return Character(Unicode.Scalar(0x2800 + dots)!) }
            return " "
        }
    }

    /// One row: the breath as a background colour (or `░` without colours), the heart line in red.
    private func draw(_ row: [Cell]) -> String {
        guard colour else {
            return String(row.map { $0.dots == 0 && !$0.artifact && $0.breath ? "░" : $0.character })
        }
        var text = "", current = ""
        for cell in row {
            // 48;5;24: a deep blue that keeps the red line and the ×s readable on light and dark themes.
            let code = [cell.breath ? "48;5;24" : nil, cell.artifact ? "1;33" : (cell.dots != 0 ? "91" : nil)]
                .compactMap { $0 }.joined(separator: ";")
            if code != current {
                text += "\u{1B}[0m" + (code.isEmpty ? "" : "\u{1B}[\(code)m")
                current = code
            }
            text.append(cell.character)
        }
        return text + (current.isEmpty ? "" : "\u{1B}[0m")
    }

    /// The heart-rate span drawn: the visible beats with a margin, at least `minimumSpanBPM`.
    static func range(_ beats: [WatchTrace.Beat]) -> (low: Double, high: Double) {
        let rates = beats.filter(\.isNN).map(\.heartRateBPM)
        guard let lowest = rates.min(), let highest = rates.max() else { return (50, 80) }
        var low = (lowest - 2).rounded(.down), high = (highest + 2).rounded(.up)
        if high - low < minimumSpanBPM {
            let middle = ((low + high) / 2).rounded()
            low = middle - minimumSpanBPM / 2
            high = middle + minimumSpanBPM / 2
        }
        return (low, high)
    }

    private static func number(_ value: Double) -> String { String(Int(value.rounded())) }

    /// The dots of a straight line, both ends included (Bresenham).
    static func line(from a: (x: Int, y: Int), to b: (x: Int, y: Int)) -> [(Int, Int)] {
        var points: [(Int, Int)] = []
        let dx = abs(b.x - a.x), dy = -abs(b.y - a.y)
        let sx = a.x < b.x ? 1 : -1, sy = a.y < b.y ? 1 : -1
        var error = dx + dy, x = a.x, y = a.y
        while true {
            points.append((x, y))
            if x == b.x && y == b.y { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += sx }
            if doubled <= dx { error += dx; y += sy }
        }
        return points
    }
}
