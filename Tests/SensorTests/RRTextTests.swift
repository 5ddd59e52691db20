import Sensor
import Testing

@Suite struct RRTextTests {
    @Test func millisecondsOnePerLine() {
        let parsed = RRText.parse("850\n850.5\n\n 900 \r\n")
        #expect(parsed.rrMilliseconds == [850, 850.5, 900])
        #expect(!parsed.unitWasSeconds && parsed.skippedLines == 0)
    }

    @Test func secondsWhenEveryValueIsBelowTen() {
        let parsed = RRText.parse("0.850\n0.9\n1.25\n")
        #expect(parsed.rrMilliseconds == [850, 900, 1250])
        #expect(parsed.unitWasSeconds)
    }

    @Test func csvTakesTheLastColumnAndSkipsHeadersAndComments() {
        let parsed = RRText.parse("# Polar H10\ntime_s,rr_ms\n0.221,936\n1.257;1020\n; another comment\n")
        #expect(parsed.rrMilliseconds == [936, 1020])
        #expect(parsed.skippedLines == 1)
    }

    @Test func junkLinesAreCountedNotFatal() {
        let parsed = RRText.parse("800\nabc\n81x\n,\n820\n")
        #expect(parsed.rrMilliseconds == [800, 820])
        #expect(parsed.skippedLines == 3)
    }

    @Test func nothingUsableIsEmpty() {
        #expect(RRText.parse("").rrMilliseconds.isEmpty)
        #expect(RRText.parse("# nothing\n\n").rrMilliseconds.isEmpty)
    }

    /// Swift makes "\r\n" one Character: a Character split found no line in a CRLF file.
    @Test(arguments: ["\n", "\r\n", "\r"], [false, true])
    func everyLineEndingWithOrWithoutByteOrderMarkAndFinalNewline(ending: String, bom: Bool) {
        for finalNewline in [false, true] {
            let text = (bom ? "\u{FEFF}" : "") + ["time,rr", "0.9,900", "1.75,850", "2.6,855.5"].joined(separator: ending) + (finalNewline ? ending : "")
            let parsed = RRText.parse(text)
            #expect(parsed.rrMilliseconds == [900, 850, 855.5], "\(ending.debugDescription), BOM \(bom), final newline \(finalNewline)")
            #expect(parsed.skippedLines == 1, "only the header")
        }
    }

    @Test func aByteOrderMarkBeforeANumberIsNotAHeader() {
        #expect(RRText.parse("\u{FEFF}812\r\n790").rrMilliseconds == [812, 790])
        #expect(TextLines.split("\u{FEFF}a\r\n\r\nb\rc\n") == ["a", "b", "c"])
    }
}
