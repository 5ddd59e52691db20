/// The line formats heart-rate sensors write (docs/design.md, "Sensor input formats"; README,
/// "Sensors": which firmware prints which).
public enum SensorFormat: String, Sendable, CaseIterable, Equatable {
    case rr, hr, json, pulsesensor
    case bleHRM = "ble-hrm"
    case ecg, ppg
    /// SparkFun MAX3010x Example5_HeartRate: `IR=..., BPM=..., Avg BPM=...`.
    case max3010x
    /// A heart rate and the RR list of one BLE notification per line (Python loggers, the Polar
    /// BLE SDK example's log, nRF Connect SDK's HR central).
    case hrRR = "hr-rr"
    /// As `hr-rr`, with a Polar SDK `rrs: [...]` list in 1/1024 s (SDK versions that logged raw RR).
    case hrRR1024 = "hr-rr-1024"
    /// OpenHRV recordings: `event,value,timestamp` with `InterBeatInterval` rows.
    case openhrv

    /// One raw sample per line: beats come from a detector in `HRV`.
    public var isWaveform: Bool { self == .ecg || self == .ppg }
}

/// A format as the configuration or a command line asks for it: one of the formats, or `auto`
/// (detected from the first lines). Its text form is the format's name, or "auto".
public enum SensorFormatSetting: Sendable, Hashable, CaseIterable, RawRepresentable {
    case auto
    case fixed(SensorFormat)

    public init?(rawValue: String) {
        if rawValue == "auto" {
            self = .auto
        } else if let format = SensorFormat(rawValue: rawValue) {
            self = .fixed(format)
        } else {
            return nil
        }
    }

    public var rawValue: String {
        switch self {
        case .auto: "auto"
        case .fixed(let format): format.rawValue
        }
    }

    public static var allCases: [SensorFormatSetting] { [.auto] + SensorFormat.allCases.map(Self.fixed) }

    /// The format to decode with; nil: detect it.
    public var format: SensorFormat? {
        switch self {
        case .auto: nil
        case .fixed(let format): format
        }
    }
}

/// One heart beat read from a sensor.
public struct SensorBeat: Sendable, Equatable {
    public var rrMilliseconds: Double
    /// Derived from a heart rate (`hr`, a BLE packet without RR): too coarse for HRV detail.
    public var isLowPrecision: Bool
    /// For waveforms, the beat's time in the signal (seconds since the first sample).
    public var signalTimeSeconds: Double?

    public init(rrMilliseconds: Double, isLowPrecision: Bool = false, signalTimeSeconds: Double? = nil) {
        self.rrMilliseconds = rrMilliseconds
        self.isLowPrecision = isLowPrecision
        self.signalTimeSeconds = signalTimeSeconds
    }
}

/// Counts of input that was skipped, per reason.
public struct RejectedInputCounters: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// NULs, control characters or bytes outside ASCII.
        case binary
        /// Lines longer than `LineFramer.maximumLineBytes`; discarded unread.
        case overlongLine = "overlong"
        /// Text that is not a line of the format in use.
        case unparseable
        /// Numbers outside what a heart or a sensor can produce.
        case outOfRange = "out-of-range"
    }

    public internal(set) var counts: [Kind: Int] = [:]
    /// Waveform samples marked `!` (electrodes off), not an error of the input.
    public internal(set) var leadsOffSamples = 0
    /// The firmware's own text (boot and scan logs, "No finger?"): skipped, never a beat.
    public internal(set) var chatterLines = 0
    /// Events the reader had to drop because the consumer fell behind (live devices only; a
    /// replayed file waits instead).
    public internal(set) var droppedEvents = 0

    public init() {}

    public subscript(kind: Kind) -> Int { counts[kind] ?? 0 }
    public var total: Int { counts.values.reduce(0, +) }
    public mutating func count(_ kind: Kind) { counts[kind, default: 0] += 1 }
}
