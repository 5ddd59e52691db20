import BreathClient
import ArgumentParser
import BreathProtocol
import Foundation

struct WatchCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow breathd live: the pacer, heart rate, coherence and sensor.",
        discussion: """
            On a terminal, a live view: a bar that fills as you breathe in and empties as you breathe \
            out, the heart rate, the coherence score with its level and a sparkline of recent scores, \
            the sensor and the session clock. Into a pipe, one line per event. --json passes the \
            daemon's event lines through unchanged (docs/protocol.md). Ends when breathd closes the \
            connection, or on Ctrl-C.
            """
    )

    @OptionGroup var daemon: DaemonOptions

    @Flag(help: "Print the daemon's event lines unchanged, one JSON object per line.")
    var json = false

    @Flag(help: "Print one line per event even on a terminal.")
    var plain = false

    @Flag(help: "No colours in the live view (also when NO_COLOR is set).")
    var noColor = false

    /// Frames per second of the live view; enough for a smooth bar without loading the CPU.
    static let frameIntervalMilliseconds: Int32 = 50

    func run(with client: DaemonClient) throws(CommandFailure) {
        if json {
            try subscribe(client)
            while let (line, _) = try client.nextLine() { StandardOutput.write(line + "\n") }
        } else if plain || !TerminalDisplay.standardOutputIsTerminal {
            try subscribe(client)
            while let (_, message) = try client.nextLine() {
                guard let message, let line = WatchEventText.line(message, at: LocalTime.now) else { continue }
                StandardOutput.write(line + "\n")
            }
        } else {
            try liveView(client)
        }
    }

    private func subscribe(_ client: DaemonClient) throws(CommandFailure) {
        try client.watch()
    }

    private func liveView(_ client: DaemonClient) throws(CommandFailure) {
        // STATUS first, so that the view starts complete rather than waiting for each event.
        let status = try client.status().status
        var model = WatchModel(status: status, at: MonotonicClock.seconds)
        try subscribe(client)
        let display = TerminalDisplay()
        defer { display.restore() }
        let colour = !noColor && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        while true {
            display.draw(WatchScreen(columns: display.columns, colour: colour).render(model, at: MonotonicClock.seconds))
            guard try client.waitForInput(timeoutMilliseconds: Self.frameIntervalMilliseconds) else { continue }
            guard let (_, message) = try client.nextLine() else { return }
            if let message { model.apply(message, at: MonotonicClock.seconds) }
        }
    }
}
