import Sensor
import Systemd

/// Beats from Heart Rate Measurement notifications (0x2A37), one connection after another.
///
/// The value is parsed by `BLEHeartRateMeasurement` and judged as the `ble-hrm` line format judges
/// it: contact not detected → no beat; an RR out of the plausible range rejects the notification;
/// every RR (1/1024 s) is a beat. One difference, because a strap that sends RR also sends
/// notifications without any when no beat ended in that second (an H10 below 60 bpm does): once a
/// connection has carried RR, a notification without RR is no beat. A strap that never sends RR
/// gives one low-precision beat per notification from its heart rate, as `ble-hrm` does.
///
/// Beat times come from the summed RR, never from when a notification arrived: notifications
/// come about once a second and sometimes late, in bursts.
public struct HeartRateNotificationDecoder: Sendable {
    public private(set) var notifications = 0
    /// Notifications that carried a rate but no RR while the strap sends RR.
    public private(set) var notificationsWithoutRR = 0
    /// Malformed values and implausible RR, as the line formats count them.
    public private(set) var rejected = RejectedInputCounters()
    /// Seconds on the strap's beat clock: the sum of the RR decoded so far (gaps not included).
    public private(set) var beatClockSeconds = 0.0
    public private(set) var contactDetected = true
    private var connectionCarriesRR = false

    public init() {}

    public enum Output: Sendable, Equatable {
        case beats([SensorBeat])
        /// The strap reports no skin contact (it was just taken off, or the electrodes are dry).
        case contactLost
        case nothing
    }

    /// A new connection: whether the strap sends RR is learnt again.
    public mutating func connectionStarted() { connectionCarriesRR = false }

    public mutating func decode(_ value: [UInt8]) -> Output {
        notifications += 1
        guard let m = BLEHeartRateMeasurement(bytes: value) else {
            rejected.count(.unparseable)
            return .nothing
        }
        if m.sensorContact == .notDetected {
            defer { contactDetected = false }
            return contactDetected ? .contactLost : .nothing
        }
        contactDetected = true
        if m.rrIntervals1024.isEmpty {
            if connectionCarriesRR || m.heartRateBPM == 0 {
                notificationsWithoutRR += 1
                return .nothing
            }
            let bpm = Double(m.heartRateBPM)
            guard PlausibleRange.heartRateBPM.contains(bpm) else {
                rejected.count(.outOfRange)
                return .nothing
            }
            return .beats([beat(rrMilliseconds: 60000 / bpm, lowPrecision: true)])
        }
        connectionCarriesRR = true
        let rr = m.rrMilliseconds
        guard rr.allSatisfy(PlausibleRange.rrMilliseconds.contains) else {
            rejected.count(.outOfRange)
            return .nothing
        }
        return .beats(rr.map { beat(rrMilliseconds: $0, lowPrecision: false) })
    }

    private mutating func beat(rrMilliseconds: Double, lowPrecision: Bool) -> SensorBeat {
        beatClockSeconds += rrMilliseconds / 1000
        return SensorBeat(rrMilliseconds: rrMilliseconds, isLowPrecision: lowPrecision, signalTimeSeconds: beatClockSeconds)
    }
}
