import Bluetooth
import BreathProtocol
import Sensor
import SystemCalls
import TOMLKit

/// One key of the configuration file: how to read it, check it and write it back.
/// One table drives parsing, `--print-config` and the suggestions for unknown keys.
struct ConfigurationKey: Sendable {
    let section: String
    let name: String
    /// The comment `--print-config` writes above the key.
    let comment: String
    /// What the key accepts ("a number from 4.0 to 7.0 breaths per minute"), for breathd.toml(5).
    let accepted: String
    let apply: @Sendable (inout Configuration, any TOMLValueConvertible) throws(ValueProblem) -> Void
    let render: @Sendable (Configuration) -> String

    var qualifiedName: String { "\(section).\(name)" }
}

enum ConfigurationSchema {
    static let sections = ["pacer", "audio", "sensor", "coherence", "session", "notify", "socket", "storage"]

    static let keys: [ConfigurationKey] = [
        ConfigurationKey(
            section: "pacer", name: "rate",
            comment: "Breaths per minute, 4.0-7.0, or \"resonance\": the rate of the last `breathctl assess` in history.",
            accepted: "a number from 4.0 to 7.0 breaths per minute, or \"resonance\"",
            apply: { configuration, value throws(ValueProblem) in
                if value.string == "resonance" {
                    configuration.pacer.rateFromResonance = true
                    return
                }
                guard value.string == nil else {
                    throw ValueProblem("must be between 4.0 and 7.0 breaths per minute, or \"resonance\"")
                }
                configuration.pacer.rateBreathsPerMinute = try TOMLRead.number(
                    value, in: ArgumentLimits.rateBreathsPerMinute, unit: "breaths per minute")
                configuration.pacer.rateFromResonance = false
            },
            render: { $0.pacer.rateFromResonance ? TOMLText.string("resonance") : String($0.pacer.rateBreathsPerMinute) }),
        ConfigurationKey(
            section: "pacer", name: "ratio", comment: "Inhale:exhale proportion, e.g. \"1:1\" or \"4:6\", with \(BreathRatio.rangeText).",
            accepted: "\"INHALE:EXHALE\" with \(BreathRatio.rangeText)",
            apply: { configuration, value throws(ValueProblem) in
                let reason = BreathRatio.requirement
                guard let text = value.string, let ratio = BreathRatio(parsing: text),
                    BreathRatio.inhaleShareRange.contains(ratio.inhaleShare)
                else { throw ValueProblem(reason) }
                configuration.pacer.ratio = ratio
            },
            render: { TOMLText.string($0.pacer.ratio.description) }),
        ConfigurationKey(
            section: "pacer", name: "inhale_share",
            comment: "Alternative to ratio: the inhale's share of the breath, 0.3-0.7 (0.5 = 1:1), that is \(BreathRatio.rangeText).",
            accepted: "a number from \(BreathRatio.inhaleShareRange.lowerBound) to \(BreathRatio.inhaleShareRange.upperBound)",
            apply: { configuration, value throws(ValueProblem) in
                let number = value.double ?? value.int.map(Double.init)
                guard let share = number, BreathRatio.inhaleShareRange.contains(share) else {
                    throw ValueProblem(BreathRatio.shareRequirement)
                }
                configuration.pacer.ratio = BreathRatio(inhaleShare: share)
            },
            render: { String($0.pacer.ratio.inhaleShare) }),
        number(
            "pacer", "hold_in", \.pacer.holdInSeconds, in: 0...10, unit: "seconds",
            comment: "Pause after the in-breath, seconds (0-10; holds must leave half of the breath for breathing)."),
        number("pacer", "hold_out", \.pacer.holdOutSeconds, in: 0...10, unit: "seconds", comment: "Pause after the out-breath, seconds (0-10)."),
        choice(
            "pacer", "voice", \.pacer.voice,
            comment: "glide: pitch rises on the in-breath and falls on the out-breath; bowl: a chime at each turn; noise: an ocean-like swell; off."),
        number("pacer", "volume", \.pacer.volume, in: ArgumentLimits.volume, unit: nil, comment: "Peak amplitude of the tone, 0.0-1.0 (0.1 is -20 dBFS, a quiet default)."),
        number("pacer", "fade_in", \.pacer.fadeInSeconds, in: 0...60, unit: "seconds", comment: "Seconds the tone takes to fade in at the start of a session (0-60)."),
        number("pacer", "fade_out", \.pacer.fadeOutSeconds, in: 0...60, unit: "seconds", comment: "Seconds the tone takes to fade out at the end (0-60)."),

        text("audio", "device", \.audio.device, allowEmpty: false, comment: "ALSA PCM device name, e.g. \"default\", \"hw:0,0\", \"plughw:1\"."),
        integer("audio", "sample_rate", \.audio.sampleRateHz, in: 8_000...192_000, unit: "Hz", comment: "Samples per second, 8000-192000."),
        integer("audio", "buffer_ms", \.audio.bufferMilliseconds, in: 20...2_000, unit: "milliseconds", comment: "ALSA buffer time in milliseconds (20-2000): longer survives more load, reacts later to set, pause and stop."),
        integer("audio", "period_ms", \.audio.periodMilliseconds, in: 5...1_000, unit: "milliseconds", comment: "ALSA period time in milliseconds (5-1000), at most half of buffer_ms: the audio thread wakes once a period."),

        ConfigurationKey(
            section: "sensor", name: "device",
            comment: "Serial device of the heart sensor, e.g. \"/dev/ttyUSB0\", or a Bluetooth LE strap, \"bluetooth:AA:BB:CC:DD:EE:FF\"; empty: no sensor.",
            accepted: "a serial device's path, or \"\(BluetoothAddress.devicePrefix)\" and a Bluetooth address, or empty",
            apply: { configuration, value throws(ValueProblem) in
                guard let text = value.string else { throw ValueProblem("must be a string") }
                // Bluetooth: the address must be well-formed (docs/bluetooth.md).
                if text.hasPrefix(BluetoothAddress.devicePrefix) {
                    let address = text.dropFirst(BluetoothAddress.devicePrefix.count)
                    guard BluetoothAddress(address) != nil else { throw ValueProblem(BluetoothAddressError(text: String(address)).description) }
                } else if !text.isEmpty, !text.hasPrefix("/") {
                    // A daemon's working directory is not the user's: "ttyUSB0" would be looked for in /.
                    throw ValueProblem("must be an absolute device path such as \"/dev/ttyUSB0\", \"bluetooth:ADDRESS\", or empty for no sensor")
                }
                configuration.sensor.device = text
            },
            render: { TOMLText.string($0.sensor.device) }),
        ConfigurationKey(
            section: "sensor", name: "baud", comment: "Serial speed: a standard rate from 1200 to 921600.",
            accepted: "one of \(SerialPort.supportedBaudRates.keys.sorted().map(String.init).joined(separator: ", "))",
            apply: { configuration, value throws(ValueProblem) in
                let rates = SerialPort.supportedBaudRates.keys.sorted()
                guard let baud = value.int, rates.contains(baud) else {
                    throw ValueProblem(
                        "must be a standard rate between 1200 and 921600 (\(rates.map(String.init).joined(separator: ", ")))")
                }
                configuration.sensor.baud = baud
            },
            render: { String($0.sensor.baud) }),
        choice(
            "sensor", "format", \.sensor.format,
            comment: "Input format: auto (detected from the first lines), rr, hr, json, pulsesensor, ble-hrm, ecg, ppg, max3010x, hr-rr, hr-rr-1024 or openhrv."),
        ConfigurationKey(
            section: "sensor", name: "sample_rate",
            comment: "Samples per second of ecg and ppg waveforms, 25-2000, or \"auto\": measured from how fast lines arrive.",
            accepted: "\"auto\" or a whole number from 25 to 2000 Hz",
            apply: { configuration, value throws(ValueProblem) in
                if value.string == "auto" {
                    configuration.sensor.sampleRateHz = nil
                    return
                }
                guard let number = value.int, (25...2_000).contains(number) else {
                    throw ValueProblem("must be \"auto\" or a whole number between 25 and 2000 Hz")
                }
                configuration.sensor.sampleRateHz = number
            },
            render: { $0.sensor.sampleRateHz.map(String.init) ?? TOMLText.string("auto") }),

        integer(
            "coherence", "window", \.coherence.windowSeconds, in: 64...64, unit: "seconds",
            comment: "Seconds of beats coherence is computed over (the HRV engine's window is fixed at 64)."),
        integer("coherence", "challenge_level", \.coherence.challengeLevel, in: 1...4, unit: nil, comment: "Thresholds for low/medium/high coherence, 1 (easiest) to 4."),

        number("session", "duration_minutes", \.session.durationMinutes, in: ArgumentLimits.minutes, unit: "minutes", comment: "Default session length in minutes (fractions allowed), 0.1-240."),
        ConfigurationKey(
            section: "session", name: "autostart", comment: "Start a session when the daemon starts.",
            accepted: "true or false",
            apply: { configuration, value throws(ValueProblem) in
                guard let flag = value.bool else { throw ValueProblem("must be true or false") }
                configuration.session.autostart = flag
            },
            render: { String($0.session.autostart) }),

        flag("notify", "session_start", \.notify.sessionStart, comment: "Notify when a session starts (the daily timer's reminder)."),
        flag("notify", "session_finish", \.notify.sessionFinish, comment: "Notify when a session ends, with its summary."),
        flag("notify", "sensor", \.notify.sensor, comment: "Notify when the sensor is lost during a session, and when it is back."),
        flag("notify", "audio", \.notify.audio, comment: "Notify when the audio device is unavailable."),
        number("notify", "high_coherence_minutes", \.notify.highCoherenceMinutes, in: 0...240, unit: "minutes", comment: "Notify once when high coherence is held this many minutes, 0-240 (0: off)."),
        ConfigurationKey(
            section: "notify", name: "quiet_hours", comment: "Local times without notifications, \"HH:MM-HH:MM\" (may wrap midnight), e.g. \"22:00-07:00\"; empty: none.",
            accepted: "\"HH:MM-HH:MM\" with two different 24-hour times, or empty",
            apply: { configuration, value throws(ValueProblem) in
                guard let text = value.string else { throw ValueProblem("must be a string like \"22:00-07:00\"") }
                // QuietHours is the one parser of the syntax, so what loads here `breathctl notify` uses.
                guard text.isEmpty || QuietHours(parsing: text) != nil else {
                    throw ValueProblem("must be \"HH:MM-HH:MM\" with two different 24-hour times, e.g. \"22:00-07:00\", or empty")
                }
                configuration.notify.quietHours = text
            },
            render: { TOMLText.string($0.notify.quietHours) }),

        path("socket", "path", \.socket.path, comment: "Control socket; empty: $RUNTIME_DIRECTORY/breathd.sock under systemd, else $XDG_RUNTIME_DIR/breathd/breathd.sock, else /run/breathd/breathd.sock."),
        ConfigurationKey(
            section: "socket", name: "mode", comment: "Permissions of the socket file, octal (0o600-0o777).",
            accepted: "an octal file mode from 0o600 to 0o777, e.g. 0o660 or \"0660\"",
            apply: { configuration, value throws(ValueProblem) in
                let reason = "must be an octal file mode between 0o600 and 0o777, e.g. 0o660 or \"0660\""
                let mode: Int?
                if let number = value.int {
                    mode = number
                } else if let text = value.string {
                    mode = Int(text.hasPrefix("0o") ? String(text.dropFirst(2)) : text, radix: 8)
                } else {
                    mode = nil
                }
                guard let mode, (0o600...0o777).contains(mode) else { throw ValueProblem(reason) }
                configuration.socket.mode = mode
            },
            render: { "0o" + String($0.socket.mode, radix: 8) }),
        ConfigurationKey(
            section: "socket", name: "group",
            comment: "Group whose members may control the daemon (start, stop, set); empty: only its own user and root.",
            accepted: "a group name of this system, or empty",
            apply: { configuration, value throws(ValueProblem) in
                guard let name = value.string else { throw ValueProblem("must be a string (a group name, or empty)") }
                guard name.isEmpty || UserDatabase.groupID(named: name) != nil else {
                    throw ValueProblem("no such group on this system")
                }
                configuration.socket.group = name
            },
            render: { TOMLText.string($0.socket.group) }),
        number("socket", "idle_timeout_s", \.socket.idleTimeoutSeconds, in: 1...86_400, unit: "seconds",
               comment: "A client that is not watching is disconnected after this many seconds without a request, 1-86400."),

        path("storage", "path", \.storage.path, comment: "History database; empty: $STATE_DIRECTORY/history.sqlite under systemd, else $XDG_STATE_HOME/breathd/history.sqlite (~/.local/state)."),
    ]

    static func keys(in section: String) -> [ConfigurationKey] { keys.filter { $0.section == section } }

    /// Paths whose default is a location that depends on the environment (left empty in the file).
    static let pathAccepted = "an absolute path, or empty for the default"

    // MARK: Key builders

    private static func number(
        _ section: String, _ name: String, _ keyPath: WritableKeyPath<Configuration, Double> & Sendable,
        in range: ClosedRange<Double>, unit: String?, comment: String
    ) -> ConfigurationKey {
        ConfigurationKey(
            section: section, name: name, comment: comment,
            accepted: "a number from \(TOMLRead.bound(range.lowerBound, unit: unit)) to \(TOMLRead.bound(range.upperBound, unit: unit))"
                + (unit.map { " \($0)" } ?? ""),
            apply: { configuration, value throws(ValueProblem) in
                configuration[keyPath: keyPath] = try TOMLRead.number(value, in: range, unit: unit)
            },
            render: { String($0[keyPath: keyPath]) })
    }

    private static func flag(
        _ section: String, _ name: String, _ keyPath: WritableKeyPath<Configuration, Bool> & Sendable, comment: String
    ) -> ConfigurationKey {
        ConfigurationKey(
            section: section, name: name, comment: comment, accepted: "true or false",
            apply: { configuration, value throws(ValueProblem) in
                guard let flag = value.bool else { throw ValueProblem("must be true or false") }
                configuration[keyPath: keyPath] = flag
            },
            render: { String($0[keyPath: keyPath]) })
    }

    private static func integer(
        _ section: String, _ name: String, _ keyPath: WritableKeyPath<Configuration, Int> & Sendable,
        in range: ClosedRange<Int>, unit: String?, comment: String
    ) -> ConfigurationKey {
        let suffix = unit.map { " \($0)" } ?? ""
        return ConfigurationKey(
            section: section, name: name, comment: comment,
            accepted: range.count == 1
                ? "\(range.lowerBound)\(suffix)" : "a whole number from \(range.lowerBound) to \(range.upperBound)\(suffix)",
            apply: { configuration, value throws(ValueProblem) in
                let reason = range.count == 1
                    ? "must be \(range.lowerBound)\(suffix)"
                    : "must be a whole number between \(range.lowerBound) and \(range.upperBound)\(suffix)"
                guard let number = value.int, range.contains(number) else { throw ValueProblem(reason) }
                configuration[keyPath: keyPath] = number
            },
            render: { String($0[keyPath: keyPath]) })
    }

    private static func text(
        _ section: String, _ name: String, _ keyPath: WritableKeyPath<Configuration, String> & Sendable,
        allowEmpty: Bool, comment: String
    ) -> ConfigurationKey {
        ConfigurationKey(
            section: section, name: name, comment: comment, accepted: allowEmpty ? "a string" : "a non-empty string",
            apply: { configuration, value throws(ValueProblem) in
                guard let text = value.string, allowEmpty || !text.isEmpty else {
                    throw ValueProblem(allowEmpty ? "must be a string" : "must be a non-empty string")
                }
                configuration[keyPath: keyPath] = text
            },
            render: { TOMLText.string($0[keyPath: keyPath]) })
    }

    /// Paths: empty keeps the default location; relative paths are refused because a daemon's
    /// working directory is not the user's.
    private static func path(
        _ section: String, _ name: String, _ keyPath: WritableKeyPath<Configuration, String> & Sendable, comment: String
    ) -> ConfigurationKey {
        ConfigurationKey(
            section: section, name: name, comment: comment, accepted: pathAccepted,
            apply: { configuration, value throws(ValueProblem) in
                guard let text = value.string else { throw ValueProblem("must be a string (an absolute path, or empty for the default)") }
                if text.isEmpty { return }
                guard text.hasPrefix("/") else { throw ValueProblem("must be an absolute path (or empty for the default)") }
                configuration[keyPath: keyPath] = text
            },
            render: { TOMLText.string($0[keyPath: keyPath]) })
    }

    private static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ section: String, _ name: String, _ keyPath: WritableKeyPath<Configuration, Value> & Sendable, comment: String
    ) -> ConfigurationKey where Value.RawValue == String {
        ConfigurationKey(
            section: section, name: name, comment: comment,
            accepted: "one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))",
            apply: { configuration, value throws(ValueProblem) in
                guard let text = value.string, let choice = Value(rawValue: text) else {
                    throw ValueProblem("must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                configuration[keyPath: keyPath] = choice
            },
            render: { TOMLText.string($0[keyPath: keyPath].rawValue) })
    }
}

/// termios speeds between 1200 and 921600 baud.
enum TOMLRead {
    /// Integers are accepted where a number is expected: `rate = 6` means 6.0.
    static func number(_ value: any TOMLValueConvertible, in range: ClosedRange<Double>, unit: String?) throws(ValueProblem) -> Double {
        let number = value.double ?? value.int.map(Double.init)
        guard let number, number.isFinite, range.contains(number) else {
            throw ValueProblem(
                "must be between \(formatBound(range.lowerBound, unit: unit)) and \(formatBound(range.upperBound, unit: unit))"
                    + (unit.map { " \($0)" } ?? ""))
        }
        return number
    }

    /// Rates read as "4.0 and 7.0 breaths per minute", plain quantities as "0 and 60 seconds".
    static func bound(_ value: Double, unit: String?) -> String { formatBound(value, unit: unit) }

    private static func formatBound(_ value: Double, unit: String?) -> String {
        unit == "breaths per minute" || unit == nil ? String(value) : TOMLText.number(value)
    }
}

enum TOMLText {
    /// A TOML basic string.
    static func string(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case "\r": escaped += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                escaped += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16, uppercase: true)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "\"\(escaped)\""
    }

    /// 12.0 as "12", 5.5 as "5.5": values as a person wrote them, for error messages.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A value as written in the file, for error messages.
    static func value(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .int: value.int.map(String.init) ?? "?"
        case .double: value.double.map(number) ?? "?"
        case .string: string(value.string ?? "")
        case .bool: value.bool.map(String.init) ?? "?"
        case .table: "(table)"
        case .array: "(array)"
        case .date, .time, .dateTime: "(\(value.type.rawValue))"
        }
    }
}
