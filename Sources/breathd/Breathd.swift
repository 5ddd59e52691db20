import ArgumentParser
import BreathConfig
import BreathDaemon
import Foundation
import Logging
import SystemCalls
import Systemd

@main
struct Breathd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breathd",
        abstract: "The breathing biofeedback daemon: paces breathing with a tone, reads a heart sensor, computes HRV coherence.",
        discussion: """
            Runs in the foreground (systemd's way) until SIGTERM or SIGINT, which fade the tone \
            out and close the running session as "stopped". SIGHUP re-reads the configuration: the \
            pacer and session settings take effect for the next session, changes to the devices, \
            the socket, the history file or the coherence level are logged as needing a restart. \
            SIGUSR1 and SIGUSR2 are ignored. The configuration is read from \
            --config, else $XDG_CONFIG_HOME/breathd/breathd.toml, else /etc/breathd/breathd.toml, \
            else built-in defaults. Control it with breathctl.
            """,
        version: Daemon.release
    )

    @Option(name: .long, help: ArgumentHelp("Configuration file (TOML).", valueName: "path"))
    var config: String?

    @Flag(help: "Validate the configuration and exit (status 78 when invalid).")
    var checkConfig = false

    @Flag(help: "Print the effective configuration as TOML and exit.")
    var printConfig = false

    @Flag(name: .shortAndLong, help: "Log debug messages too.")
    var verbose = false

    /// breathd.toml(5) from the configuration schema, for `make` (hidden: not for users).
    @Flag(help: .hidden)
    var printConfigManual = false

    /// breathd(8)'s EXIT STATUS section from `Daemon.exitStatuses`, for `make` (hidden: not for users).
    @Flag(help: .hidden)
    var printExitStatusManual = false

    /// Time runs this many times faster (engine, sensor arrival times, audio pacing, history
    /// flushes), so that `breathbench memory` plays an 8-hour session in minutes (hidden: not for users).
    @Option(help: .hidden)
    var clockRate = 1.0

    func validate() throws {
        guard clockRate >= 1, clockRate <= 1000 else { throw ValidationError("--clock-rate must be between 1 and 1000.") }
    }

    func run() throws {
        if printConfigManual {
            return print(ConfigurationManual.render(), terminator: "")
        }
        if printExitStatusManual {
            return print(Daemon.exitStatuses.mdoc(), terminator: "")
        }
        let environment = ProcessInfo.processInfo.environment
        let loaded: ConfigurationLoader.Loaded
        do {
            loaded = try ConfigurationLoader.load(explicitPath: config, environment: environment)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            SystemdNotifier(environment: environment).notifyFailure(error.description, errno: EINVAL)
            throw ExitCode(ConfigurationError.exitStatus)
        }
        if printConfig {
            print(ConfigurationRenderer.render(loaded.configuration, source: loaded.source), terminator: "")
            return
        }
        if checkConfig {
            print("\(loaded.source): configuration is valid")
            return
        }
        let level: Logger.Level = verbose ? .debug : .info
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label, environment: environment)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "breathd")
        logger.info("starting", metadata: ["release": "\(Daemon.release)", "config": "\(loaded.source)"])
        do {
            let explicitPath = config
            try Daemon.runUntilStopped(configuration: loaded.configuration, environment: environment, logger: logger, clockRate: clockRate) { () throws(ConfigurationError) in
                try ConfigurationLoader.load(explicitPath: explicitPath, environment: environment).configuration
            }
        } catch let error as ConfigurationError {
            logger.critical("\(error.description)")
            SystemdNotifier(environment: environment).notifyFailure(error.description, errno: EINVAL)
            throw ExitCode(ConfigurationError.exitStatus)
        } catch {
            logger.critical("breathd stopped: \(error)")
            SystemdNotifier(environment: environment).notifyFailure("\(error)", errno: (error as? SystemCallError)?.errno ?? EIO)
            throw ExitCode(ExitStatus.failure.rawValue)
        }
    }
}
