import BreathClient
import ArgumentParser
import BreathProtocol
import Foundation
import SystemCalls

struct WatchCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow breathd live: the pacer, heart rate, coherence and sensor.",
        discussion: """
            On a terminal, a live view filling the screen: a bar that fills as you breathe in and \
            empties as you breathe out, a chart of each beat's heart rate over the last minute drawn \
            over the pacer's breath (the heart's wave should rise on the in-breath and fall on the \
            out-breath; artifacts are marked with a cross), the heart rate, the coherence score with its level, \
            trend and a sparkline, synchrony, the sensor and the session clock. Figures older than \
            5 s (a lost sensor) are greyed with their age. Into a pipe, one line per event. --json \
            passes the daemon's event lines through unchanged (docs/protocol.md). --format prints \
            one line per change for status bars; --waybar prints waybar's JSON. Ends on Ctrl-C; when \
            breathd closes the connection it says so and exits with status 69.
            """
    )

    @OptionGroup var daemon: DaemonOptions

    @Flag(help: "Print the daemon's event lines unchanged, one JSON object per line.")
    var json = false

    var wantsJSON: Bool { json }

    @Flag(help: "Print one line per event even on a terminal.")
    var plain = false

    @Flag(help: "No colours in the live view (also when NO_COLOR is set).")
    var noColor = false

    @Option(help: ArgumentHelp(
        "Print one line per change from a template, for status bars: fields in braces, e.g. '\(WatchStatusLine.defaultTemplate)'. "
            + "Fields: \(WatchStatusLine.fields.map { "{\($0.key)}" }.joined(separator: " ")).",
        valueName: "template"))
    var format: String?

    @Flag(help: "Print one JSON line per change for a waybar custom module (text from --format).")
    var waybar = false

    /// Frames per second of the live view; enough for a smooth bar without loading the CPU.
    static let frameIntervalMilliseconds: Int32 = 50

    /// Status bars also change when nothing arrives (a figure going stale): look once a second.
    static let statusLineIntervalMilliseconds: Int32 = 1000

    /// What `watch` says when breathd goes away, with its exit status (EX_UNAVAILABLE).
    static let daemonGone = CommandFailure(message: "breathd closed the connection", exitCode: ExitStatus.unavailable.rawValue)

    func run(with client: DaemonClient) throws(CommandFailure) {
        if format != nil || waybar {
            try statusLines(client, line: WatchStatusLine(template: format ?? WatchStatusLine.defaultTemplate))
        } else if json {
            try subscribe(client)
            while let (line, _) = try client.nextLine() { StandardOutput.write(line + "\n") }
            throw Self.daemonGone
        } else if plain || !TerminalDisplay.standardOutputIsTerminal {
            try subscribe(client)
            while let (_, message) = try client.nextLine() {
                guard let message, let line = WatchEventText.line(message, at: LocalTime.now) else { continue }
                StandardOutput.write(line + "\n")
            }
            throw Self.daemonGone
        } else {
            try liveView(client)
        }
    }

    private func statusLines(_ client: DaemonClient, line: WatchStatusLine) throws(CommandFailure) {
        let reply = try client.request(.status)
        guard case .status(let status) = reply.message else { throw .unexpected(reply, to: .status) }
        var model = WatchModel(status: status, at: MonotonicClock.seconds)
        try subscribe(client)
        var printed: String?
        while true {
            let now = MonotonicClock.seconds
            let text = waybar ? line.waybar(model, at: now) : line.render(model, at: now)
            if text != printed {
                StandardOutput.write(text + "\n")
                printed = text
            }
            guard try client.waitForInput(timeoutMilliseconds: Self.statusLineIntervalMilliseconds) else { continue }
            guard let (_, message) = try client.nextLine() else { throw Self.daemonGone }
            if let message { model.apply(message, at: MonotonicClock.seconds) }
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
        func draw() {
            let size = display.size
            display.draw(WatchScreen(columns: size.columns, rows: size.rows, colour: colour).render(model, at: MonotonicClock.seconds), size: size)
        }
        while true {
            draw()
            guard try client.waitForInput(timeoutMilliseconds: Self.frameIntervalMilliseconds) else { continue }
            guard let (_, message) = try client.nextLine() else {
                // The last frame stays, with the figures as they were and the reason underneath.
                model.daemonGone = true
                draw()
                throw Self.daemonGone
            }
            if let message { model.apply(message, at: MonotonicClock.seconds) }
        }
    }
}
