@testable import Audio
import Testing

/// The count of samples heard between two measurements (one a period apart): carried on by the
/// monotonic clock, never past what was written, never backwards. Times are given, not read.
@Suite struct HeardClockTests {
    static let second: Int64 = 1_000_000_000

    @Test func betweenMeasurementsTheCountRunsOnAtTheSampleRate() {
        var clock = HeardClock()
        clock.measured(heard: 48_000, written: 144_000, at: 10 * Self.second, framesPerSecond: 48_000)
        #expect(clock.read(at: 10 * Self.second) == 48_000)
        // 250 ms later, a quarter of a second more has been heard although nothing was measured.
        #expect(clock.read(at: 10 * Self.second + Self.second / 4) == 60_000)
    }

    @Test func theCountNeverPassesWhatWasWrittenNorGoesBack() {
        var clock = HeardClock()
        clock.measured(heard: 48_000, written: 72_000, at: 0, framesPerSecond: 48_000)
        // An underrun: the device cannot play what it was never given.
        #expect(clock.read(at: 5 * Self.second) == 72_000)
        // A measurement a little behind what a reader was told holds the count there.
        clock.measured(heard: 70_000, written: 96_000, at: 5 * Self.second, framesPerSecond: 48_000)
        #expect(clock.read(at: 5 * Self.second) == 72_000)
        #expect(clock.read(at: 5 * Self.second + Self.second / 2) == 94_000)
    }

    @Test func aHeldOrSettledCountStandsStillAndAResetStartsAgain() {
        var clock = HeardClock()
        clock.measured(heard: 0, written: 96_000, at: 0, framesPerSecond: 48_000)
        clock.hold(at: Self.second / 2)
        #expect(clock.read(at: 60 * Self.second) == 24_000)
        clock.settled(at: 96_000)
        #expect(clock.read(at: 120 * Self.second) == 96_000)
        clock.reset()
        #expect(clock.read(at: 121 * Self.second) == 0)
    }
}
