import BreathConfig
import Testing

@Suite struct QuietHoursTests {
    @Test func windowWithinADay() throws {
        let quiet = try #require(QuietHours(parsing: "12:30-14:00"))
        #expect(!quiet.contains(minuteOfDay: 12 * 60 + 29))
        #expect(quiet.contains(minuteOfDay: 12 * 60 + 30))
        #expect(quiet.contains(minuteOfDay: 13 * 60 + 59))
        #expect(!quiet.contains(minuteOfDay: 14 * 60))
    }

    @Test func windowWrappingMidnight() throws {
        let quiet = try #require(QuietHours(parsing: "22:00-07:00"))
        #expect(quiet.contains(minuteOfDay: 23 * 60))
        #expect(quiet.contains(minuteOfDay: 0))
        #expect(quiet.contains(minuteOfDay: 6 * 60 + 59))
        #expect(!quiet.contains(minuteOfDay: 7 * 60))
        #expect(!quiet.contains(minuteOfDay: 21 * 60 + 59))
    }

    @Test(arguments: ["", "22:00", "24:00-07:00", "22:60-07:00", "7-8", "08:00-08:00", "a:b-c:d", "7:00-08:00", "+7:00-08:00", "22:00-07:00-", "07:00-08:00 "])
    func malformedWindowsAreRefused(_ text: String) {
        #expect(QuietHours(parsing: text) == nil)
    }

    @Test func writtenAsParsed() throws {
        #expect(try #require(QuietHours(parsing: "22:05-07:00")).description == "22:05-07:00")
    }
}
