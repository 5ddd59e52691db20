import Logging
import ServiceLifecycle
import Systemd

/// Tells systemd how breathd is doing: a STATUS= line when the summary changed (looked at every
/// `statusInterval`), and, when the unit has WatchdogSec=, WATCHDOG=1 at half the interval, but
/// only while the engine and the audio thread make progress. A hung engine or a stuck audio thread
/// stops the pings, and systemd restarts the daemon. Without systemd (no NOTIFY_SOCKET) it never
/// wakes: every wake-up costs a laptop on battery (issue 16).
public struct HealthReporter: Service {
    let engine: SessionEngine
    let notifier: SystemdNotifier
    let logger: Logger

    public init(engine: SessionEngine, notifier: SystemdNotifier, logger: Logger) {
        self.engine = engine
        self.notifier = notifier
        self.logger = logger
    }

    /// How often the STATUS= line is refreshed when no watchdog asks for more.
    static let statusInterval = Duration.seconds(5)

    public func run() async throws {
        guard notifier.isEnabled else {
            try? await gracefulShutdown()
            return
        }
        let interval = min(notifier.watchdogInterval.map { $0 / 2 } ?? Self.statusInterval, Self.statusInterval)
        let clock = engine.clock
        if let watchdog = notifier.watchdogInterval {
            func milliseconds(_ d: Duration) -> Int64 { d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000 }
            // The ping interval too: what a test can check without timing the pings.
            logger.info("systemd watchdog enabled", metadata: ["interval_ms": "\(milliseconds(watchdog))", "ping_ms": "\(milliseconds(interval))"])
        }
        await cancelWhenGracefulShutdown {
            var last = await engine.health()
            var lastStatus = ""
            while !Task.isCancelled {
                try? await clock.sleep(for: interval)
                let now = await engine.health()
                if now.summary != lastStatus {
                    notifier.notify("STATUS=\(now.summary)")
                    lastStatus = now.summary
                }
                if notifier.watchdogInterval != nil {
                    if now.isProgressing(since: last) {
                        notifier.notify("WATCHDOG=1")
                    } else {
                        logger.warning("no progress: watchdog not fed", metadata: ["engine_ticks": "\(now.engineProgress)", "audio_samples": "\(now.audioSamples)"])
                    }
                }
                last = now
            }
        }
    }
}

/// A snapshot of the engine's and the audio thread's progress, and the one-line summary.
public struct EngineHealth: Sendable {
    var engineProgress: UInt64
    var audioPlaying: Bool
    var audioSamples: Int64
    var summary: String

    func isProgressing(since earlier: EngineHealth) -> Bool {
        let engineMoved = engineProgress != earlier.engineProgress
        // The audio thread must advance while it plays; idle or waiting for a device is not a stall.
        let audioMoved = !(audioPlaying && earlier.audioPlaying) || audioSamples != earlier.audioSamples
        return engineMoved && audioMoved
    }
}
