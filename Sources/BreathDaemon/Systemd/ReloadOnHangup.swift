import BreathConfig
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP re-reads the configuration file, the daemon habit (sshd, nginx, chronyd): what can change
/// live changes, the rest is logged as needing a restart, and a file that no longer parses is
/// reported and changes nothing.
struct ReloadOnHangup: Service {
    let engine: SessionEngine
    /// Reads the configuration the way start-up did (same --config, same lookup).
    let load: @Sendable () throws(ConfigurationError) -> Configuration
    let logger: Logger

    /// Ends at graceful shutdown through `ShutdownWake`, not `cancelOnGracefulShutdown()`, whose
    /// `merge` starts an unstructured `Task` on Swift's global executor (see `ShutdownWake`).
    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        let shutdown = ShutdownWake()
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { for await _ in signals { await reload() } }
                group.addTask { await shutdown.wait() }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            shutdown.raise()
        }
    }

    private func reload() async {
        let configuration: Configuration
        do {
            configuration = try load()
        } catch {
            logger.error("SIGHUP: configuration not reloaded; the running one stays", metadata: ["error": "\(error.description)"])
            return
        }
        let report = await engine.reload(configuration)
        logger.notice(
            "SIGHUP: configuration reloaded",
            metadata: [
                "applied": "\(report.applied.isEmpty ? "nothing changed" : report.applied.joined(separator: ","))",
                "needs_restart": "\(report.needRestart.joined(separator: ","))",
            ])
    }
}
