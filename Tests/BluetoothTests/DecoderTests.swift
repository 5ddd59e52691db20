import Bluetooth
import Sensor
import Testing

/// Heart Rate Measurement values as straps send them, through the decoder.
@Suite struct HeartRateNotificationDecoderTests {
    @Test func everyRRIsABeatTimedBySummedRR() {
        var decoder = HeartRateNotificationDecoder()
        // Polar H10: flags 0x16 (contact detected, RR present), 60 bpm, RR 1024 and 512 (1/1024 s).
        guard case .beats(let beats) = decoder.decode([0x16, 60, 0x00, 0x04, 0x00, 0x02]) else {
            Issue.record("no beats")
            return
        }
        #expect(beats.map(\.rrMilliseconds) == [1000, 500])
        #expect(beats.map(\.signalTimeSeconds) == [1.0, 1.5])
        #expect(beats.allSatisfy { !$0.isLowPrecision })
    }

    @Test func notificationWithoutRRIsNoBeatOnceTheStrapSendsRR() {
        var decoder = HeartRateNotificationDecoder()
        _ = decoder.decode([0x16, 58, 0x1A, 0x04])
        #expect(decoder.decode([0x06, 58]) == .nothing)
        #expect(decoder.notificationsWithoutRR == 1)
        // A strap that never sends RR: one low-precision beat from the rate, as `ble-hrm` reads it.
        var rateOnly = HeartRateNotificationDecoder()
        guard case .beats(let beats) = rateOnly.decode([0x06, 60]) else {
            Issue.record("no beat from the rate")
            return
        }
        #expect(beats == [SensorBeat(rrMilliseconds: 1000, isLowPrecision: true, signalTimeSeconds: 1)])
    }

    @Test func sixteenBitRateAndEnergyExpendedAreSkippedToTheRR() {
        var decoder = HeartRateNotificationDecoder()
        // flags 0x19: 16-bit HR, energy expended present, RR present.
        #expect(decoder.decode([0x19, 0x48, 0x00, 0x10, 0x00, 0x00, 0x04]) == .beats([SensorBeat(rrMilliseconds: 1000, signalTimeSeconds: 1)]))
    }

    @Test func noContactMalformedAndImplausibleAreCountedNotBeats() {
        var decoder = HeartRateNotificationDecoder()
        #expect(decoder.decode([0x14, 60, 0x00, 0x04]) == .contactLost)  // contact supported, not detected
        #expect(decoder.decode([0x14, 60, 0x00, 0x04]) == .nothing)
        #expect(decoder.decode([0x10, 60, 0x00]) == .nothing)  // RR cut in half
        #expect(decoder.decode([0x10, 60, 0x10, 0x00]) == .nothing)  // 16/1024 s
        #expect(decoder.rejected[.unparseable] == 1)
        #expect(decoder.rejected[.outOfRange] == 1)
        #expect(decoder.beatClockSeconds == 0)
    }
}
