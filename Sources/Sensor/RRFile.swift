/// RR intervals from a text file or any line-oriented text (`breathctl analyze`, replay).
///
/// One value per line, or CSV (`,` or `;`) whose last column is the RR interval; `#` and `;`
/// comment lines, blank lines and non-numeric lines (headers) are skipped. Values are milliseconds,
/// unless every value is below 10: then the file is in seconds. Lines end in LF, CRLF or CR, the last
/// one may lack its end, and a leading byte-order mark is not content.
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
        for rawLine in TextLines.split(text) {
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

/// Lines of text as files from any system write them.
///
/// Splits on the unicode scalars LF and CR, not on Characters: Swift makes "\r\n" one Character
/// (one grapheme), equal to neither "\n" nor "\r", so a Character split finds no line in a CRLF
/// file (Windows tools, Elite HRV exports). Empty lines are dropped; a leading U+FEFF (a UTF-8
/// byte-order mark) is removed.
public enum TextLines {
    public static func split(_ text: Substring) -> [Substring] {
        var scalars = text.unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        return scalars.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { Substring($0) }
    }

    public static func split(_ text: String) -> [Substring] { split(text[...]) }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
