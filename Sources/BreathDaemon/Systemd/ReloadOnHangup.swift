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

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            let configuration: Configuration
            do {
                configuration = try load()
            } catch {
                logger.error("SIGHUP: configuration not reloaded; the running one stays", metadata: ["error": "\(error.description)"])
                continue
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
}
