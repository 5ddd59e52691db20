import Dispatch
import Foundation
import SystemCalls

/// The terminal while `watch` draws on it: the whole screen, the cursor hidden, a frame redrawn
/// in place, and everything put back on exit, Ctrl-C and SIGTERM included.
///
/// The size is read for every frame (`watch` draws 20 a second), so a resize (SIGWINCH) is followed
/// by the next frame: the screen is cleared and the frame drawn for the new size.
final class TerminalDisplay {
    private var drawnSize: (columns: Int, rows: Int)?
    private var exitOnSignal: ExitOnSignal?

    /// Shows the cursor again, ends any colour and leaves the cursor under the last frame.
    private static let restoreSequence = "\u{1B}[0m\u{1B}[?25h\n"

    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    init() {
        exitOnSignal = ExitOnSignal { TerminalDisplay.writeRaw(TerminalDisplay.restoreSequence) }
        Self.writeRaw("\u{1B}[?25l")
    }

    /// Columns and rows of the terminal, 80x24 when it does not say.
    var size: (columns: Int, rows: Int) {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return (80, 24) }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    /// Replaces the previous frame with `lines` drawn for `size`, in one write so that the terminal
    /// never shows half a frame.
    func draw(_ lines: [String], size: (columns: Int, rows: Int)) {
        // The first frame, and the first after a resize, start from a clear screen.
        var frame = drawnSize.map { $0 == size } == true ? "\u{1B}[H" : "\u{1B}[H\u{1B}[2J"
        for line in lines { frame += "\u{1B}[2K" + line + "\n" }
        // A shorter frame (the synchrony line gone at a session's end) clears what is left below it.
        frame += "\u{1B}[J"
        Self.writeRaw(frame)
        drawnSize = size
    }

    func restore() {
        exitOnSignal?.cancel()
        exitOnSignal = nil
        // The last frame ends with a newline already.
        Self.writeRaw("\u{1B}[0m\u{1B}[?25h")
    }

    private static func writeRaw(_ text: String) { StandardOutput.write(text) }
}
