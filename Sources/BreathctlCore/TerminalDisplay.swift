import Dispatch
import Foundation

/// The terminal while `watch` draws on it: the cursor hidden, a frame redrawn in place, and
/// everything put back on exit, Ctrl-C and SIGTERM included.
final class TerminalDisplay {
    private var linesDrawn = 0
    private var signalSources: [any DispatchSourceSignal] = []

    /// Shows the cursor again, ends any colour and leaves the cursor under the last frame.
    private static let restoreSequence = "\u{1B}[0m\u{1B}[?25h\n"

    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    init() {
        // Dispatch delivers the signals on its own thread while the main thread waits on the
        // socket; the default action is ignored so that only the handler runs.
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                TerminalDisplay.writeRaw(TerminalDisplay.restoreSequence)
                // 128 + signal number, as the shell reports a command killed by it.
                exit(128 + signalNumber)
            }
            source.resume()
            signalSources.append(source)
        }
        Self.writeRaw("\u{1B}[?25l")
    }

    /// Columns of the terminal, 80 when it does not say.
    var columns: Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Replaces the previous frame with `lines`, in one write so that the terminal never shows half a frame.
    func draw(_ lines: [String]) {
        var frame = linesDrawn > 0 ? "\r\u{1B}[\(linesDrawn)A" : ""
        for line in lines { frame += "\u{1B}[2K" + line + "\n" }
        // A shorter frame (the synchrony line gone at a session's end) clears what is left below it.
        if lines.count < linesDrawn { frame += "\u{1B}[J" }
        Self.writeRaw(frame)
        linesDrawn = lines.count
    }

    func restore() {
        for source in signalSources { source.cancel() }
        signalSources.removeAll()
        // The last frame ends with a newline already.
        Self.writeRaw("\u{1B}[0m\u{1B}[?25h")
    }

    private static func writeRaw(_ text: String) { StandardOutput.write(text) }
}
