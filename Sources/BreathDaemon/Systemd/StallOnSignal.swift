import Logging
import ServiceLifecycle
import UnixSignals

/// A debugging aid for the watchdog, enabled only with BREATHD_DEBUG_STALL=1: SIGUSR2 hangs the
/// engine (not the process), so the watchdog pings stop and systemd's restart can be seen to work.
struct StallOnSignal: Service {
    let engine: SessionEngine
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in await UnixSignalsSequence(trapping: .sigusr2) {
                await engine.stallForDebugging()
            }
        }
    }
}
