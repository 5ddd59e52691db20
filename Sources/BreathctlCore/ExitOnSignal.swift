import Dispatch
import Foundation
import SystemCalls

/// What a command leaves behind (a terminal's state, a simulated sensor's link) is put back when
/// SIGINT, SIGTERM or SIGHUP ends it: `cleanup` runs and the program ends with 128 + the signal
/// number, as a shell reports a command killed by it. Without it the signal's default action ends
/// the program before any `defer` runs.
final class ExitOnSignal {
    static let signals = [SIGINT, SIGTERM, SIGHUP]
    private var sources: [any DispatchSourceSignal] = []

    init(cleanup: @escaping @Sendable () -> Void) {
        // Dispatch delivers the signals on its own thread while the command's own thread waits;
        // the default action is ignored so that only the handler runs.
        for signalNumber in Self.signals {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                cleanup()
                exit(ExitStatus.onSignal(signalNumber))
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The command ended on its own: the signals get their default actions back.
    func cancel() {
        for source in sources { source.cancel() }
        sources.removeAll()
        for signalNumber in Self.signals { signal(signalNumber, SIG_DFL) }
    }
}
