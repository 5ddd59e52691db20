@testable import BreathConfig
import BreathProtocol
import BreathTestSupport
import Foundation
import Testing

@Suite struct ConfigurationTests {
    let environment = ["HOME": "/home/ada", "XDG_RUNTIME_DIR": "/run/user/1000"]

    private func problems(_ text: String) -> [String] {
        do {
            _ = try ConfigurationParser.parse(text, file: "breathd.toml", environment: environment)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func defaultsWithNoFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let loaded = try ConfigurationLoader.load(
            explicitPath: nil, environment: ["XDG_CONFIG_HOME": directory.path, "HOME": directory.path],
            systemConfigPath: "\(directory.path)/etc/breathd.toml")
        #expect(loaded.source == .defaults)
        let configuration = loaded.configuration
        #expect(configuration.pacer.rateBreathsPerMinute == 5.5)
        #expect(configuration.pacer.ratio == .even)
        #expect(configuration.pacer.voice == .glide)
        #expect(configuration.audio.device == "default")
        #expect(configuration.audio.sampleRateHz == 48_000)
        #expect(configuration.sensor.device == "")
        #expect(configuration.sensor.baud == 115_200)
        #expect(configuration.sensor.format == .auto)
        #expect(configuration.coherence.windowSeconds == 64)
        #expect(configuration.socket.mode == 0o660)
        #expect(configuration.socket.path == "/run/breathd/breathd.sock")
        #expect(configuration.storage.path == "\(directory.path)/.local/state/breathd/history.sqlite")
    }

    @Test func defaultLocationsFollowXDGAndSystemd() {
        #expect(DefaultLocations.socketPath(environment: ["XDG_RUNTIME_DIR": "/run/user/7"]) == "/run/user/7/breathd/breathd.sock")
        #expect(DefaultLocations.socketPath(environment: ["RUNTIME_DIRECTORY": "/run/breathd", "XDG_RUNTIME_DIR": "/x"]) == "/run/breathd/breathd.sock")
        #expect(DefaultLocations.socketPath(environment: [:]) == "/run/breathd/breathd.sock")
        #expect(DefaultLocations.historyPath(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]) == "/s/breathd/history.sqlite")
        #expect(DefaultLocations.historyPath(environment: ["STATE_DIRECTORY": "/var/lib/breathd:/var/lib/other", "XDG_STATE_HOME": "/s"]) == "/var/lib/breathd/history.sqlite")
        #expect(DefaultLocations.historyPath(environment: ["HOME": "/h"]) == "/h/.local/state/breathd/history.sqlite")
        #expect(DefaultLocations.userConfigPath(environment: ["HOME": "/h"]) == "/h/.config/breathd/breathd.toml")
        #expect(DefaultLocations.userConfigPath(environment: ["XDG_CONFIG_HOME": "/c", "HOME": "/h"]) == "/c/breathd/breathd.toml")
    }

    @Test func lookupOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let system = try directory.write("[pacer]\nrate = 4.5\n", to: "etc/breathd/breathd.toml")
        let environment = ["XDG_CONFIG_HOME": "\(directory.path)/config", "HOME": directory.path]
        func load(_ explicit: String? = nil) throws -> ConfigurationLoader.Loaded {
            try ConfigurationLoader.load(explicitPath: explicit, environment: environment, systemConfigPath: system)
        }
        #expect(try load().source == .file(system))
        #expect(try load().configuration.pacer.rateBreathsPerMinute == 4.5)

        let user = try directory.write("[pacer]\nrate = 5.0\n", to: "config/breathd/breathd.toml")
        #expect(try load().source == .file(user))
        #expect(try load().configuration.pacer.rateBreathsPerMinute == 5.0)

        let explicit = try directory.write("[pacer]\nrate = 6.0\n", to: "other.toml")
        #expect(try load(explicit).source == .file(explicit))
        #expect(try load(explicit).configuration.pacer.rateBreathsPerMinute == 6.0)

        #expect(throws: ConfigurationError("\(directory.path)/missing.toml: no such file")) {
            try load("\(directory.path)/missing.toml")
        }
    }

    @Test func everyKey() throws {
        let text = """
            [pacer]
            rate = 6
            ratio = "4:6"
            hold_in = 1.0
            hold_out = 0.5
            voice = "noise"
            volume = 0.25
            fade_in = 3
            fade_out = 10.5
            [audio]
            device = "plughw:1"
            sample_rate = 44100
            buffer_ms = 500
            period_ms = 100
            [sensor]
            device = "/dev/ttyUSB0"
            baud = 9600
            format = "ble-hrm"
            sample_rate = 500
            [coherence]
            window = 64
            challenge_level = 3
            [session]
            duration_minutes = 2.5
            autostart = true
            [socket]
            path = "/tmp/b.sock"
            mode = "0600"
            group = "root"
            [storage]
            path = "/var/tmp/h.sqlite"
            """
        let configuration = try ConfigurationParser.parse(text, file: "breathd.toml", environment: environment)
        var expected = Configuration(environment: environment)
        expected.pacer = .init(
            rateBreathsPerMinute: 6, ratio: BreathRatio(inhale: 4, exhale: 6), holdInSeconds: 1, holdOutSeconds: 0.5,
            voice: .noise, volume: 0.25, fadeInSeconds: 3, fadeOutSeconds: 10.5)
        expected.audio = .init(device: "plughw:1", sampleRateHz: 44_100, bufferMilliseconds: 500, periodMilliseconds: 100)
        expected.sensor = .init(device: "/dev/ttyUSB0", baud: 9600, format: .fixed(.bleHRM), sampleRateHz: 500)
        expected.coherence = .init(windowSeconds: 64, challengeLevel: 3)
        expected.session = .init(durationMinutes: 2.5, autostart: true)
        expected.socket = .init(path: "/tmp/b.sock", mode: 0o600, group: "root")
        expected.storage = .init(path: "/var/tmp/h.sqlite")
        #expect(configuration == expected)

        let share = try ConfigurationParser.parse("[pacer]\ninhale_share = 0.4\n[socket]\nmode = 0o640", file: "f", environment: environment)
        #expect(share.pacer.ratio.inhaleShare == 0.4)
        #expect(share.socket.mode == 0o640)
    }

    @Test func rangeErrorsNameFileKeyValueAndRange() {
        let cases: [(String, String)] = [
            ("[pacer]\nrate = 12", "breathd.toml: pacer.rate = 12: must be between 4.0 and 7.0 breaths per minute"),
            ("[pacer]\nrate = 3.5", "breathd.toml: pacer.rate = 3.5: must be between 4.0 and 7.0 breaths per minute"),
            ("[pacer]\nratio = \"1:9\"", "breathd.toml: pacer.ratio = \"1:9\": must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6"),
            // 2:8 is a 20 % inhale: outside the one range, in the one wording.
            ("[pacer]\nratio = \"2:8\"", "breathd.toml: pacer.ratio = \"2:8\": must be INHALE:EXHALE with the inhale 30-70 % of the breath, e.g. 1:1 or 4:6"),
            ("[pacer]\ninhale_share = 0.9", "breathd.toml: pacer.inhale_share = 0.9: must be between 0.3 and 0.7, the inhale 30-70 % of the breath"),
            ("[pacer]\nhold_in = 11", "breathd.toml: pacer.hold_in = 11: must be between 0 and 10 seconds"),
            ("[pacer]\nhold_out = -1", "breathd.toml: pacer.hold_out = -1: must be between 0 and 10 seconds"),
            ("[pacer]\nvoice = \"drum\"", "breathd.toml: pacer.voice = \"drum\": must be one of glide, bowl, noise, off"),
            ("[pacer]\nvolume = 2", "breathd.toml: pacer.volume = 2: must be between 0.0 and 1.0"),
            ("[pacer]\nfade_in = 61", "breathd.toml: pacer.fade_in = 61: must be between 0 and 60 seconds"),
            ("[pacer]\nfade_out = 100", "breathd.toml: pacer.fade_out = 100: must be between 0 and 60 seconds"),
            ("[audio]\ndevice = \"\"", "breathd.toml: audio.device = \"\": must be a non-empty string"),
            ("[audio]\nsample_rate = 4000", "breathd.toml: audio.sample_rate = 4000: must be a whole number between 8000 and 192000 Hz"),
            ("[audio]\nbuffer_ms = 10", "breathd.toml: audio.buffer_ms = 10: must be a whole number between 20 and 2000 milliseconds"),
            ("[audio]\nperiod_ms = 2", "breathd.toml: audio.period_ms = 2: must be a whole number between 5 and 1000 milliseconds"),
            ("[sensor]\ndevice = 3", "breathd.toml: sensor.device = 3: must be a string"),
            ("[sensor]\nbaud = 1000000", "breathd.toml: sensor.baud = 1000000: must be a standard rate between 1200 and 921600 (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600)"),
            ("[sensor]\nformat = \"csv\"", "breathd.toml: sensor.format = \"csv\": must be one of auto, rr, hr, json, pulsesensor, ble-hrm, ecg, ppg, max3010x, hr-rr, hr-rr-1024, openhrv"),
            ("[sensor]\nsample_rate = 10", "breathd.toml: sensor.sample_rate = 10: must be \"auto\" or a whole number between 25 and 2000 Hz"),
            ("[coherence]\nwindow = 32", "breathd.toml: coherence.window = 32: must be 64 seconds"),
            ("[coherence]\nchallenge_level = 5", "breathd.toml: coherence.challenge_level = 5: must be a whole number between 1 and 4"),
            ("[session]\nduration_minutes = 0", "breathd.toml: session.duration_minutes = 0: must be between 0.1 and 240 minutes"),
            ("[session]\nautostart = \"yes\"", "breathd.toml: session.autostart = \"yes\": must be true or false"),
            ("[socket]\npath = \"run/b.sock\"", "breathd.toml: socket.path = \"run/b.sock\": must be an absolute path (or empty for the default)"),
            ("[socket]\nmode = 0o1777", "breathd.toml: socket.mode = 1023: must be an octal file mode between 0o600 and 0o777, e.g. 0o660 or \"0660\""),
            ("[socket]\nmode = \"rw\"", "breathd.toml: socket.mode = \"rw\": must be an octal file mode between 0o600 and 0o777, e.g. 0o660 or \"0660\""),
            ("[socket]\ngroup = false", "breathd.toml: socket.group = false: must be a string (a group name, or empty)"),
            ("[socket]\ngroup = \"no-such-group-here\"", "breathd.toml: socket.group = \"no-such-group-here\": no such group on this system"),
            ("[storage]\npath = 1", "breathd.toml: storage.path = 1: must be a string (an absolute path, or empty for the default)"),
        ]
        for (text, message) in cases {
            #expect(problems(text) == [message], "\(text)")
        }
    }

    @Test func wrongTypes() {
        #expect(problems("[pacer]\nrate = \"fast\"") == ["breathd.toml: pacer.rate = \"fast\": must be between 4.0 and 7.0 breaths per minute, or \"resonance\""])
        #expect(problems("[audio]\nsample_rate = 48000.5") == ["breathd.toml: audio.sample_rate = 48000.5: must be a whole number between 8000 and 192000 Hz"])
        #expect(problems("[pacer]\nvoice = [\"glide\"]") == ["breathd.toml: pacer.voice = (array): must be one of glide, bowl, noise, off"])
        #expect(problems("pacer = 5") == ["breathd.toml: pacer = 5: must be a section, [pacer]"])
    }

    /// The configuration accepts exactly the quiet hours `breathctl notify` can use: both go through
    /// `QuietHours(parsing:)` (the file once took "08:00-08:00", which the agent then refused).
    @Test(arguments: ["22:00-07:00", "08:00-08:00", "7:00-08:00", "24:00-07:00", "22:00-7:00", "22:00 - 07:00", "", "22:00-07:00-08:00"])
    func quietHoursAreParsedOnce(_ text: String) throws {
        let problems = problems("[notify]\nquiet_hours = \"\(text)\"")
        let usable = text.isEmpty || QuietHours(parsing: text) != nil
        #expect(problems.isEmpty == usable, "\(text): \(problems)")
        if !usable {
            #expect(problems == ["breathd.toml: notify.quiet_hours = \"\(text)\": must be \"HH:MM-HH:MM\" with two different 24-hour times, e.g. \"22:00-07:00\", or empty"])
        }
    }

    @Test func crossKeyRules() {
        #expect(problems("[pacer]\nrate = 6\nhold_in = 3\nhold_out = 3") == ["breathd.toml: pacer.hold_in + pacer.hold_out = 6: must be at most half of the 10 s breath at 6 breaths per minute"])
        #expect(problems("[audio]\nbuffer_ms = 100\nperiod_ms = 60") == ["breathd.toml: audio.period_ms = 60: must be at most half of audio.buffer_ms (100)"])
        #expect(problems("[pacer]\nratio = \"1:1\"\ninhale_share = 0.5") == ["breathd.toml: pacer.inhale_share = 0.5: give either pacer.ratio or pacer.inhale_share, not both"])
    }

    @Test func unknownKeysSuggestTheNearest() {
        #expect(problems("[pacer]\nrat = 6") == ["breathd.toml: pacer.rat = 6: unknown key; did you mean pacer.rate?"])
        #expect(problems("[sensor]\nbuad = 9600") == ["breathd.toml: sensor.buad = 9600: unknown key; did you mean sensor.baud?"])
        #expect(problems("[sensor]\nsamplerate = 100") == ["breathd.toml: sensor.samplerate = 100: unknown key; did you mean sensor.sample_rate?"])
        #expect(problems("[pacer]\ncolour = \"red\"") == ["breathd.toml: pacer.colour = \"red\": unknown key; accepted in [pacer]: rate, ratio, inhale_share, hold_in, hold_out, voice, volume, fade_in, fade_out"])
        #expect(problems("[pacr]\nrate = 6") == ["breathd.toml: [pacr]: unknown section; did you mean [pacer]?"])
        #expect(problems("[graphics]\nx = 1") == ["breathd.toml: [graphics]: unknown section; accepted: [pacer], [audio], [sensor], [coherence], [session], [notify], [socket], [storage]"])
        #expect(problems("rate = 6") == ["breathd.toml: rate = 6: unknown key outside any section; did you mean pacer.rate?"])
        #expect(problems("[pacer]\nrate = 12\nvoise = \"bowl\"").count == 2, "every problem is reported")
    }

    @Test func syntaxErrorsGiveTheLine() {
        let reported = problems("[pacer]\nrate = 5.5\nvoice = glide\n")
        #expect(reported.count == 1)
        #expect(reported.first?.hasPrefix("breathd.toml: line 3, column ") == true, "\(reported)")
        #expect(reported.first?.contains("TOML syntax error") == true)
        #expect(problems("[pacer\n").first?.hasPrefix("breathd.toml: line 1, column") == true)
    }

    @Test func exampleFileHoldsTheDefaults() throws {
        let example = TestPaths.repositoryRoot.appendingPathComponent("config/breathd.toml").path
        let loaded = try ConfigurationLoader.load(explicitPath: example, environment: environment)
        #expect(loaded.configuration == Configuration(environment: environment))
        // Every key is documented in the example (inhale_share as a commented alternative).
        let text = try String(contentsOfFile: example, encoding: .utf8)
        for section in ["pacer", "audio", "sensor", "coherence", "session", "socket", "storage"] {
            #expect(text.contains("[\(section)]\n"))
        }
        let rendered = ConfigurationRenderer.render(loaded.configuration)
        for line in rendered.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("[") {
            let name = line.split(separator: " ").first.map(String.init) ?? ""
            #expect(text.contains("\n\(name) = "), "\(name) in config/breathd.toml")
        }
    }

    @Test func printedConfigurationParsesBackUnchanged() throws {
        var configuration = try ConfigurationParser.parse(
            "[pacer]\nratio = \"4.5:5.5\"\nvolume = 0.3\n[sensor]\ndevice = \"/dev/tty\\\"odd\\\"\"\n[socket]\nmode = 0o600",
            file: "f", environment: environment)
        configuration.storage.path = "/var/lib/breathd/history.sqlite"
        let rendered = ConfigurationRenderer.render(configuration, source: .file("f"))
        #expect(rendered.contains("mode = 0o600\n"))
        #expect(rendered.contains("rate = 5.5\n"))
        #expect(try ConfigurationParser.parse(rendered, file: "printed", environment: [:]) == configuration)
    }
}

/// What used to pass `--check-config` and then failed at start-up (exit 1) or did something else
/// than written: each is now a configuration error naming file, key, value and rule (exit 78).
@Suite struct ConfigurationGapTests {
    let environment = ["HOME": "/home/ada", "XDG_RUNTIME_DIR": "/run/user/1000"]

    private func problems(_ text: String, environment: [String: String]? = nil) -> [String] {
        do {
            _ = try ConfigurationParser.parse(text, file: "breathd.toml", environment: environment ?? self.environment)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func aSocketPathLongerThanSunPathIsRefused() {
        let long = "/run/" + String(repeating: "b", count: 110) + ".sock"
        let found = problems("[socket]\npath = \"\(long)\"\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("breathd.toml: socket.path = \"\(long)\": is 120 bytes; a Unix socket path holds at most 107") == true)
        // 107 bytes is still fine.
        #expect(problems("[socket]\npath = \"/\(String(repeating: "s", count: 106))\"\n").isEmpty)
    }

    @Test func aDefaultSocketPathTooLongForSunPathIsRefusedToo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let runtime = "/run/user/" + String(repeating: "r", count: 100)
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(
                explicitPath: nil, environment: ["XDG_RUNTIME_DIR": runtime, "HOME": directory.path],
                systemConfigPath: "\(directory.path)/none.toml")
        }
    }

    @Test func aNULInADeviceOrPathIsRefused() {
        // TOMLKit would hand "/dev/tty\u0000USB0" over as "/dev/tty", which opens the terminal.
        #expect(problems("[sensor]\ndevice = \"/dev/tty\\u0000USB0\"\n") == [
            "breathd.toml: line 2: a NUL character (\\u0000) is not allowed: paths and device names would be cut short at it",
        ])
        #expect(problems("[audio]\ndevice = \"hw:0\\U00000000\"\n").first?.hasPrefix("breathd.toml: line 2: a NUL character") == true)
        #expect(problems("[storage]\npath = \"/var/lib/b\\u0000\"\n").count == 1)
    }

    @Test func aRelativeSensorDeviceIsRefused() {
        #expect(problems("[sensor]\ndevice = \"ttyUSB0\"\n").first?.contains("must be an absolute device path") == true)
        #expect(problems("[sensor]\ndevice = \"/dev/ttyUSB0\"\n").isEmpty)
        #expect(problems("[sensor]\ndevice = \"\"\n").isEmpty)
        #expect(problems("[storage]\npath = \"history.sqlite\"\n").first?.contains("must be an absolute path") == true)
    }

    @Test func aDirectoryAsTheStoragePathIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let found = problems("[storage]\npath = \"\(directory.path)\"\n")
        #expect(found == ["breathd.toml: storage.path = \"\(directory.path)\": is a directory; give the database file, e.g. \"\(directory.path)/history.sqlite\""])
    }

    /// The attack on 16.12's next step: a directory as the socket path passed --check-config and
    /// then stopped breathd with exit 1 ("exists and is not a socket") instead of 78.
    @Test func aDirectoryAsTheSocketPathIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let found = problems("[socket]\npath = \"\(directory.path)\"\n")
        #expect(found == ["breathd.toml: socket.path = \"\(directory.path)\": is a directory; give the socket file, e.g. \"\(directory.path)/breathd.sock\""])
    }
}
