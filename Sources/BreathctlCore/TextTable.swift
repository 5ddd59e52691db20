/// Columns padded to their widest cell, as `ps` and `ls -l` print them; numbers right-aligned.
struct TextTable {
    enum Alignment { case left, right }

    struct Column {
        let header: String
        let alignment: Alignment
    }

    let columns: [Column]
    private(set) var rows: [[String]] = []

    init(_ columns: [Column]) { self.columns = columns }

    mutating func append(_ row: [String]) { rows.append(row) }

    func rendered() -> String {
        let all = [columns.map(\.header)] + rows
        let widths = columns.indices.map { index in all.map { $0[index].count }.max() ?? 0 }
        return all.map { row in
            var line = ""
            for (index, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                if index > 0 { line += "  " }
                line += columns[index].alignment == .right ? padding + cell : cell + padding
            }
            // Trailing blanks of a left-aligned last column would only confuse diffs.
            while line.last == " " { line.removeLast() }
            return line + "\n"
        }.joined()
    }
}
