@testable import HRV
import Testing

@Suite struct SortedWindowTests {
    @Test func quantilesAndMedianAreThoseOfPandas() {
        // pandas: Series([5, 1, 4, 2, 3, 10]).quantile(0.25) == 2.25, .quantile(0.75) == 4.75, .median() == 3.5
        var window = SortedWindow(capacity: 8)
        for v in [5.0, 1, 4, 2, 3, 10] { window.insert(v) }
        #expect(window.quantile(0.25) == 2.25)
        #expect(window.quantile(0.75) == 4.75)
        #expect(window.median == 3.5)
        window.remove(10)
        // [1, 2, 3, 4, 5]: quantile(0.25) == 2.0, median 3
        #expect(window.quantile(0.25) == 2 && window.median == 3 && window.count == 5)
        window.insert(3)
        window.remove(3)
        #expect(window.quantile(0.75) == 4 && window.count == 5)
    }
}
