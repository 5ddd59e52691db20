import Testing

@testable import Sensor

/// Heart Rate Measurement values as straps send them, through the decoder (the one reading of
/// them: BlueZ notifications and `ble-hrm` lines).
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
        // A strap that never sends RR: after 5 values without any, one low-precision beat from
        // the rate each (the 5 held ones included).
        var rateOnly = HeartRateNotificationDecoder()
        for _ in 0..<4 { #expect(rateOnly.decode([0x06, 60]) == .nothing) }
        guard case .beats(let beats) = rateOnly.decode([0x06, 60]) else {
            Issue.record("no beat from the rate")
            return
        }
        #expect(beats == (1...5).map { SensorBeat(rrMilliseconds: 1000, isLowPrecision: true, signalTimeSeconds: Double($0)) })
        #expect(rateOnly.decode([0x06, 60]) == .beats([SensorBeat(rrMilliseconds: 1000, isLowPrecision: true, signalTimeSeconds: 6)]))
    }

    /// A strap that sends RR sends values without any when no beat ended (below 60 bpm, or the
    /// first after subscribing): at the start of every connection such a value is no beat either.
    @Test func valueWithoutRRFirstInAConnectionIsNoPhantomBeat() {
        var decoder = HeartRateNotificationDecoder()
        for connection in 1...2 {
            decoder.connectionStarted()
            #expect(decoder.decode([0x06, 52]) == .nothing)  // contact, 52 bpm, RR flag clear
            let beat = SensorBeat(rrMilliseconds: 1252 * 1000 / 1024, signalTimeSeconds: Double(connection) * 1252 / 1024)
            #expect(decoder.decode([0x16, 52, 0xE4, 0x04]) == .beats([beat]))
            #expect(decoder.decode([0x06, 52]) == .nothing)
        }
        #expect(decoder.notificationsWithoutRR == 2)
        #expect(decoder.beatClockSeconds == 2 * 1252.0 / 1024)
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
