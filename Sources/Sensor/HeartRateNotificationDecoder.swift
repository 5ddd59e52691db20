/// Beats from Heart Rate Measurement values (0x2A37): the one reading of them, for BlueZ
/// notifications (`Bluetooth`) and for the `ble-hrm` lines tools print (`BLEHexLine`).
///
/// - No skin contact → no beat (`contactLost` once when it goes).
/// - Every RR (1/1024 s) is a beat; an RR outside the plausible range rejects the value.
/// - A value without RR (the RR flag clear, only a rate): a strap that sends RR sends such values
///   when no beat ended since the last one (an H10 below 60 bpm, the first notification after
///   subscribing), so it is no beat once RR has been seen, and is held while RR may still come:
///   5 in a row without any RR make a rate-only strap, whose values then are one low-precision
///   beat each from the rate (the held ones included). Rate 0 is no beat. (`HeartRateOnlyPolicy`,
///   the rule of the `hr-rr` lines too.)
///
/// Beat times (`signalTimeSeconds`) come from the summed RR, never from when a value arrived:
/// notifications come about once a second and sometimes late, in bursts.
public struct HeartRateNotificationDecoder: Sendable {
    public private(set) var notifications = 0
    /// Values that carried a rate but no RR from a strap that sends RR.
    public private(set) var notificationsWithoutRR = 0
    /// Malformed values and implausible RR, as the line formats count them (`decode` only; the
    /// line path counts what `read` returns).
    public private(set) var rejected = RejectedInputCounters()
    /// Seconds on the strap's beat clock: the sum of the RR decoded so far (gaps not included).
    public private(set) var beatClockSeconds = 0.0
    public private(set) var contactDetected = true
    private var policy = HeartRateOnlyPolicy()

    public init() {}

    public enum Output: Sendable, Equatable {
        case beats([SensorBeat])
        /// The strap reports no skin contact (it was just taken off, or the electrodes are dry).
        case contactLost
        case nothing
    }

    /// A new connection: whether the strap sends RR is learnt again.
    public mutating func connectionStarted() { policy = HeartRateOnlyPolicy() }

    public mutating func decode(_ value: [UInt8]) -> Output {
        let wasDetected = contactDetected
        switch read(value) {
        case .beats(let beats): return .beats(beats)
        case .rejected(let kind):
            rejected.count(kind)
            return .nothing
        default: return wasDetected && !contactDetected ? .contactLost : .nothing
        }
    }

    /// The value as a line format reads it.
    mutating func read(_ value: [UInt8]) -> LineReading {
        notifications += 1
        guard let m = BLEHeartRateMeasurement(bytes: value) else { return .rejected(.unparseable) }
        if m.sensorContact == .notDetected {
            contactDetected = false
            return .ignored
        }
        contactDetected = true
        let reading: LineReading
        if m.rrIntervals1024.isEmpty {
            if policy.rrSeen { notificationsWithoutRR += 1 }
            reading = policy.heartRateOnly(bpm: Double(m.heartRateBPM))
        } else {
            reading = policy.rr(m.rrMilliseconds)
        }
        guard case .beats(let beats) = reading else { return reading }
        return .beats(beats.map { b in
            var beat = b
            beatClockSeconds += beat.rrMilliseconds / 1000
            beat.signalTimeSeconds = beatClockSeconds
            return beat
        })
    }
}
