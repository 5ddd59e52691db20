import ArgumentParser
import BreathProtocol

// Values typed on the command line, checked against the same limits the daemon applies so that a
// mistake is reported with the accepted range before anything is sent.

extension Setting.Key: ExpressibleByArgument {}

enum ArgumentCheck {
    static func rate(_ value: Double, option: String) throws {
        guard ArgumentLimits.rateBreathsPerMinute.contains(value) else {
            throw ValidationError("\(option) must be between 4.0 and 7.0 breaths per minute (got \(Readable.setting(value))).")
        }
    }

    static func volume(_ value: Double, option: String) throws {
        guard ArgumentLimits.volume.contains(value) else {
            throw ValidationError("\(option) must be between 0 and 1 (got \(Readable.setting(value))).")
        }
    }

    static func minutes(_ value: Double, option: String) throws {
        guard ArgumentLimits.minutes.contains(value) else {
            throw ValidationError("\(option) must be between 0.1 and 240 minutes (got \(Readable.setting(value))).")
        }
    }

    static func ratio(_ text: String, option: String) throws -> BreathRatio {
        guard let ratio = BreathRatio(parsing: text), BreathRatio.inhaleShareRange.contains(ratio.inhaleShare) else {
            throw ValidationError("\(option) \(BreathRatio.requirement) (got \(text)).")
        }
        return ratio
    }

    /// Samples per second of an ECG or PPG waveform (`analyze`, `sensor`).
    static func waveformSampleRate(_ value: Double) throws {
        guard (20...10000).contains(value) else { throw ValidationError("--sample-rate must be between 20 and 10000.") }
    }

    static func number(_ text: String, option: String) throws -> Double {
        guard let value = Double(text), value.isFinite else { throw ValidationError("\(option) must be a number (got \(text)).") }
        return value
    }
}

/// `ID` or `last`, as `session` and `export` take it.
extension SessionReference: ExpressibleByArgument {
    public init?(argument: String) {
        if argument == "last" {
            self = .last
        } else if let id = Int64(argument), id >= 1 {
            self = .id(id)
        } else {
            return nil
        }
    }

    public var defaultValueDescription: String {
        switch self {
        case .last: "last"
        case .id(let id): String(id)
        }
    }
}
