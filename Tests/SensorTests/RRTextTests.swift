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
}
