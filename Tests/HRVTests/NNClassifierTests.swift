import HRV
import Testing

@Suite struct NNClassifierTests {
    private func classify(_ values: [Double]) -> [Bool] {
        var classifier = NNClassifier()
        return values.map { classifier.classify(rrMilliseconds: $0) }
    }

    @Test func plausibilityRangeIsInclusive() {
        #expect(classify([299.999, 300, 2000, 2000.001]) == [false, true, true, false])
    }

    @Test func fewerThanThreeEarlierBeatsOnlyCheckTheRange() {
        // 1500 after 800, 800 would be a 25 % outlier, but there are only two earlier beats.
        #expect(classify([800, 800, 1500]) == [true, true, true])
    }

    @Test func deviationOfExactlyAQuarterIsStillNN() {
        // Reference median 800: 1000 is exactly 25 % away, 1000.5 is more.
        #expect(classify([800, 800, 800, 1000]) == [true, true, true, true])
        #expect(classify([800, 800, 800, 1000.5]) == [true, true, true, false])
    }

    @Test func evenCountMedianIsTheMeanOfTheMiddleTwo() {
        // Four plausible values 700, 700, 900, 900: median 800; 1000 is within 25 %, 1001 is not.
        #expect(classify([700, 900, 700, 900, 1000]).last == true)
        #expect(classify([700, 900, 700, 900, 1001]).last == false)
    }

    @Test func ruleTwoArtifactsStillMoveTheReference() {
        // A genuine step from 1000 to 600 ms: rejected at first, accepted once the median follows.
        let values = [Double](repeating: 1000, count: 11) + [Double](repeating: 600, count: 8)
        let flags = classify(values)
        #expect(flags.prefix(11).allSatisfy { $0 })
        #expect(flags[11] == false)
        #expect(flags.last == true)
    }

    @Test func onlyTheLastElevenPlausibleValuesCount() {
        // Twelve beats at 1000 then eleven at 700: the old value has left the reference window.
        var values = [Double](repeating: 1000, count: 12) + [Double](repeating: 700, count: 11)
        values.append(700)
        #expect(classify(values).last == true)
    }

    @Test func implausibleValuesNeverEnterTheReference() {
        #expect(classify([800, 5000, 800, 10, 800, 1000]) == [true, false, true, false, true, true])
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, 0, -800, .greatestFiniteMagnitude])
    func nonsenseIsAnArtifact(_ value: Double) {
        #expect(classify([800, 800, 800, value, 800]) == [true, true, true, false, true])
    }
}
