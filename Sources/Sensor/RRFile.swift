/// RR intervals from a text file or any line-oriented text (`breathctl analyze`, replay).
///
/// One value per line, or CSV (`,` or `;`) whose last column is the RR interval; `#` and `;`
/// comment lines, blank lines and non-numeric lines (headers) are skipped. Values are milliseconds,
/// unless every value is below 10: then the file is in seconds.
public enum RRText {
    public struct Parsed: Sendable, Equatable {
        public var rrMilliseconds: [Double]
        /// Lines that held text but no number (headers, junk).
        public var skippedLines: Int
        public var unitWasSeconds: Bool

        public init(rrMilliseconds: [Double], skippedLines: Int, unitWasSeconds: Bool) {
            self.rrMilliseconds = rrMilliseconds
            self.skippedLines = skippedLines
            self.unitWasSeconds = unitWasSeconds
        }
    }

    public static func parse(_ text: Substring) -> Parsed {
        var values: [Double] = []
        var skipped = 0
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingWhitespace()
            guard let first = line.first, first != "#", first != ";" else { continue }
            let fields = line.split(whereSeparator: { $0 == "," || $0 == ";" })
                .map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
            let numbers = fields.compactMap { Double($0) }
            guard !fields.isEmpty, numbers.count == fields.count, let last = numbers.last else {
                skipped += 1
                continue
            }
            values.append(last)
        }
        let seconds = !values.isEmpty && values.allSatisfy { $0 < 10 }
        if seconds { values = values.map { $0 * 1000 } }
        return Parsed(rrMilliseconds: values, skippedLines: skipped, unitWasSeconds: seconds)
    }

    public static func parse(_ text: String) -> Parsed { parse(text[...]) }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
