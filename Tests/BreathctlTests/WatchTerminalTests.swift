import BreathProtocol
import BreathTestSupport
import Foundation
import Sensor
import Synchronization
import Testing

/// `watch` on a terminal (a pseudo-terminal standing in for the user's): the live view, and the
/// terminal put back on Ctrl-C.
@Suite(.timeLimit(.minutes(3))) struct WatchTerminalTests {
    @Test func liveViewDrawsThePacerAndRestoresTheTerminalOnInterrupt() async throws {
        let terminal = try PseudoTerminal()
        let screen = OutputBuffer()
        let result = try await ServedSocket().serve { socket in
            let client = try ClientProcess.start(
                ["watch", "--socket", socket.path],
                standardOutput: FileHandle(fileDescriptor: terminal.deviceFileDescriptor, closeOnDealloc: false))
            try await socket.waitForWatchers(1)
            // A long inhale, so that the bar is still filling however late the test reads a frame
            // (with 4 s, a busy machine read its first frame full, and no later one had more).
            socket.events.publish(.phase(PhaseEvent(phase: .inhale, cycle: 3, durationSeconds: 120)))
            socket.events.publish(.metrics(MetricsEvent(beat: 64, hrv: Fixtures.runningStatus.hrv)))
            try await readUntil(terminal, into: screen) { $0.contains("breath 3") && $0.contains("1.35") }
            // The bar fills between PHASE events: a later frame has more of it (waited for, not timed),
            // counted in eighths of a cell.
            func filled(_ text: String) -> Int {
                let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]
                let bar = text.components(separatedBy: "\u{1B}[2K").last { $0.hasPrefix("inhale") } ?? ""
                return bar.reduce(0) { sum, c in sum + (eighths.firstIndex(of: c).map { $0 + 1 } ?? 0) }
            }
            let before = filled(screen.text)
            try await readUntil(terminal, into: screen) { filled($0) > before }
            client.interrupt()
            let result = await client.result()
            try await readUntil(terminal, into: screen) { $0.hasSuffix("\u{1B}[?25h\n") }
            return result
        }
        #expect(result.status == 130, "ended by SIGINT, as the shell reports it")
        let output = screen.text
        #expect(output.hasPrefix("\u{1B}[?25l"), "cursor hidden while drawing")
        // The session clock runs from the STATUS fixture's 2:05; a loaded machine may take a while.
        #expect(output.contains(/breathd   \u{1B}\[1mrunning\u{1B}\[0m · session 13 · \d+:\d\d elapsed/))
        #expect(output.contains("heart     59.4 bpm"))
        #expect(output.contains("coherence 1.35 \u{1B}[1;33mmedium\u{1B}[0m · █"))
        #expect(output.contains("sensor    streaming /dev/ttyUSB0 · audio playing"))
        #expect(output.hasSuffix("\u{1B}[0m\u{1B}[?25h\n"), "colours ended and the cursor shown again")
    }

    @Test func linesAreCutToANarrowTerminal() async throws {
        let terminal = try PseudoTerminal()
        var size = winsize(ws_row: 24, ws_col: 40, ws_xpixel: 0, ws_ypixel: 0)
        #expect(ioctl(terminal.deviceFileDescriptor, UInt(TIOCSWINSZ), &size) == 0)
        let screen = OutputBuffer()
        try await ServedSocket().serve { socket in
            let client = try ClientProcess.start(
                ["watch", "--no-color", "--socket", socket.path],
                standardOutput: FileHandle(fileDescriptor: terminal.deviceFileDescriptor, closeOnDealloc: false))
            try await socket.waitForWatchers(1)
            socket.events.publish(.sessionEvent(SessionEvent(event: .finished, session: Fixtures.finishedSession)))
            try await readUntil(terminal, into: screen) { $0.contains("session 12 fini") }
            client.interrupt()
            _ = await client.result()
        }
        // Every line of every frame, escape sequences removed, fits in 39 columns.
        let visible = screen.text.replacing(/\u{1B}\[[0-9;?]*[A-Za-z]/, with: "").replacing("\r", with: "")
        let lines = visible.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.count <= 39 }, "\(lines.filter { $0.count > 39 })")
        #expect(!screen.text.contains("\u{1B}[1m"), "--no-color")
    }

    /// Reads what the client drew until `done` holds for all of it.
    private func readUntil(_ terminal: PseudoTerminal, into screen: OutputBuffer, _ done: (String) -> Bool) async throws {
        // No deadline of its own: the suite's time limit ends a wait that never would.
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(terminal.controllerFileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 { screen.append(Data(chunk[0..<count])) }
            if done(screen.text) { return }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// What the client drew on the terminal so far.
final class OutputBuffer: Sendable {
    private let data = Mutex(Data())
    func append(_ chunk: Data) { data.withLock { $0.append(chunk) } }
    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}
