import ArgumentParser
import Foundation
import BreathConfig
import DesktopNotifications
import Logging

struct Notify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show breathd's events as desktop notifications (a long-running agent).",
        discussion: """
            Watches the daemon and sends freedesktop notifications on the session bus: a session \
            started (the reminder when a timer or another client starts one), a session finished \
            with its figures, the heart sensor lost and back during a session, the audio device \
            unavailable, and optionally high coherence held for some minutes. A repeated kind \
            replaces its previous notification. When breathd is absent or restarts, the agent \
            waits and reconnects; without a notification server it logs once and retries. Run it \
            as the user unit breathd-notify.service.
            """
    )

    enum Event: String, ExpressibleByArgument, CaseIterable {
        case start, finish, sensor, audio
    }

    @Option(help: ArgumentHelp("Configuration file whose [notify] table sets the defaults (default: breathd's lookup).", valueName: "path"))
    var config: String?

    @Option(name: .customLong("disable"), help: ArgumentHelp("An event not to notify: start, finish, sensor or audio (repeatable).", valueName: "event"))
    var disabledEvents: [Event] = []

    @Flag(help: "No notification when a session starts (same as --disable start).")
    var noStart = false

    @Option(help: ArgumentHelp("Notify once when high coherence is held this many minutes (off by default).", valueName: "minutes"))
    var highCoherenceMinutes: Double?

    @Option(help: ArgumentHelp("Local times without notifications, HH:MM-HH:MM (may wrap midnight), e.g. 22:00-07:00.", valueName: "HH:MM-HH:MM"))
    var quietHours: String?

    @Option(help: ArgumentHelp("Longest wait between attempts to reach breathd, in seconds.", valueName: "seconds"))
    var maxRetrySeconds: Double = 30

    @Option(help: ArgumentHelp("Seconds between attempts to reach a missing notification server.", valueName: "seconds"))
    var busRetrySeconds: Double = 60

    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        if let quietHours, QuietHours(parsing: quietHours) == nil {
            throw ValidationError("--quiet-hours must be HH:MM-HH:MM, not \"\(quietHours)\".")
        }
        if let minutes = highCoherenceMinutes, !(minutes.isFinite && minutes > 0) {
            throw ValidationError("--high-coherence-minutes must be positive.")
        }
        guard maxRetrySeconds.isFinite, maxRetrySeconds >= 0.5 else { throw ValidationError("--max-retry-seconds must be at least 0.5.") }
        guard busRetrySeconds.isFinite, busRetrySeconds >= 0.1 else { throw ValidationError("--bus-retry-seconds must be at least 0.1.") }
    }

    func run() throws {
        // The [notify] table of breathd's configuration gives the defaults; options override them.
        let defaults: Configuration.Notify
        do {
            defaults = try ConfigurationLoader.load(explicitPath: config, environment: ProcessInfo.processInfo.environment).configuration.notify
        } catch {
            throw CommandFailure(message: error.description, exitCode: ConfigurationError.exitStatus)
        }
        let disabled = Set(disabledEvents)
        let quiet = quietHours ?? (defaults.quietHours.isEmpty ? nil : defaults.quietHours)
        let policy = NotificationPolicy(
            sessionStart: defaults.sessionStart && !noStart && !disabled.contains(.start),
            sessionFinish: defaults.sessionFinish && !disabled.contains(.finish),
            sensor: defaults.sensor && !disabled.contains(.sensor), audio: defaults.audio && !disabled.contains(.audio),
            highCoherenceMinutes: highCoherenceMinutes ?? (defaults.highCoherenceMinutes > 0 ? defaults.highCoherenceMinutes : nil),
            quietHours: quiet.flatMap(QuietHours.init(parsing:)))
        var logger = Logger(label: "breathctl.notify")
        logger.logLevel = .info
        let sender = NotificationSender(logger: logger, retryIntervalSeconds: busRetrySeconds)
        NotificationAgent(
            socketPath: daemon.socketPath, policy: policy, sender: sender, logger: logger,
            maximumBackoffSeconds: maxRetrySeconds
        ).run()
    }
}
