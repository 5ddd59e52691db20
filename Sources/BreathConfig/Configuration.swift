import BreathProtocol
import Sensor

/// The daemon's effective configuration: built-in defaults overridden by the TOML file.
public struct Configuration: Sendable, Equatable {
    public var pacer = Pacer()
    public var audio = Audio()
    public var sensor = Sensor()
    public var coherence = Coherence()
    public var session = Session()
    public var notify = Notify()
    public var socket: Socket
    public var storage: Storage

    /// Defaults; the socket and history locations depend on the environment (XDG, systemd).
    public init(environment: [String: String]) {
        socket = Socket(path: DefaultLocations.socketPath(environment: environment))
        storage = Storage(path: DefaultLocations.historyPath(environment: environment))
    }

    public struct Pacer: Sendable, Equatable {
        public var rateBreathsPerMinute = 5.5
        /// `rate = "resonance"`: take the rate of the last assessment in history, and
        /// `rateBreathsPerMinute` only while history holds none.
        public var rateFromResonance = false
        public var ratio = BreathRatio.even
        public var holdInSeconds = 0.0
        public var holdOutSeconds = 0.0
        public var voice = Voice.glide
        public var volume = 0.1
        public var fadeInSeconds = 5.0
        public var fadeOutSeconds = 5.0
    }

    public struct Audio: Sendable, Equatable {
        public var device = "default"
        public var sampleRateHz = 48_000
        /// Audio.OutputConfiguration.standardBufferMilliseconds and ...PeriodMilliseconds (this module
        /// does not depend on Audio; BreathDaemonTests checks they agree).
        public var bufferMilliseconds = 2_000
        public var periodMilliseconds = 666
    }

    public struct Sensor: Sendable, Equatable {
        /// Empty: no sensor, the daemon paces alone.
        public var device = ""
        public var baud = SerialPort.defaultBaudRate
        public var format = SensorFormatSetting.auto
        /// Samples per second of `ecg` and `ppg` waveforms.
        /// nil: measured from arrival times ("auto").
        public var sampleRateHz: Int? = nil
    }

    public struct Coherence: Sendable, Equatable {
        public var windowSeconds = 64
        public var challengeLevel = 1
    }

    public struct Session: Sendable, Equatable {
        public var durationMinutes = 10.0
        /// Start a session as soon as the daemon is up.
        public var autostart = false
    }

    /// What `breathctl notify` sends to the desktop; its command-line options override these.
    public struct Notify: Sendable, Equatable {
        public var sessionStart = true
        public var sessionFinish = true
        public var sensor = true
        public var audio = true
        /// Notify once when high coherence is held this long; 0 turns it off.
        public var highCoherenceMinutes = 0.0
        /// Local times without notifications, "HH:MM-HH:MM" (may wrap midnight); empty: none.
        public var quietHours = ""
    }

    public struct Socket: Sendable, Equatable {
        public var path: String
        public var mode = 0o660
        /// Members of this group may control the daemon; empty: only its own user and root.
        public var group = ""
        /// A client that is not watching is disconnected after this long without a request.
        public var idleTimeoutSeconds = 60.0
    }

    public struct Storage: Sendable, Equatable {
        public var path: String
    }
}

/// Where files go when the configuration does not say.
public enum DefaultLocations {
    public static let systemConfigPath = "/etc/breathd/breathd.toml"

    /// `$XDG_CONFIG_HOME/breathd/breathd.toml`, XDG_CONFIG_HOME defaulting to ~/.config.
    public static func userConfigPath(environment: [String: String]) -> String? {
        if let base = nonEmpty(environment["XDG_CONFIG_HOME"]) { return "\(base)/breathd/breathd.toml" }
        return nonEmpty(environment["HOME"]).map { "\($0)/.config/breathd/breathd.toml" }
    }

    /// systemd's RuntimeDirectory, else `$XDG_RUNTIME_DIR/breathd/`, else `/run/breathd/`.
    /// Shared with breathctl through BreathProtocol.
    public static func socketPath(environment: [String: String]) -> String {
        SocketLocation.defaultPath(environment: environment)
    }

    /// systemd's StateDirectory, else `$XDG_STATE_HOME/breathd/`, XDG_STATE_HOME defaulting to ~/.local/state.
    public static func historyPath(environment: [String: String]) -> String {
        if let directory = firstDirectory(environment["STATE_DIRECTORY"]) { return "\(directory)/history.sqlite" }
        if let base = nonEmpty(environment["XDG_STATE_HOME"]) { return "\(base)/breathd/history.sqlite" }
        if let home = nonEmpty(environment["HOME"]) { return "\(home)/.local/state/breathd/history.sqlite" }
        return "/var/lib/breathd/history.sqlite"
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// systemd passes several directories separated by colons when a unit lists several.
    private static func firstDirectory(_ value: String?) -> String? {
        nonEmpty(value).flatMap { $0.split(separator: ":").first.map(String.init) }
    }
}
