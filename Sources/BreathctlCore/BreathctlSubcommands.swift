import ArgumentParser
import BreathProtocol

/// breathctl's subcommands, in the order `breathctl --help` lists them; the executable's `@main`
/// names them. The commands stay internal to this library: only the list is its interface.
public enum BreathctlSubcommands {
    /// `breathctl --version`: the release breathd also reports (`BreathProtocol.Release`).
    public static let release = Release.version

    /// Commands that talk to breathd over its socket.
    public static let daemon: [any ParsableCommand.Type] = [
        StatusCommand.self, WatchCommand.self, StartCommand.self, StopCommand.self, PauseCommand.self,
        ResumeCommand.self, SetCommand.self, AssessCommand.self, HistoryCommand.self, SessionCommand.self,
        ExportCommand.self, Report.self, Notify.self,
    ]

    /// Offline tools: they work without the daemon.
    public static let offline: [any ParsableCommand.Type] = [
        Analyze.self, SensorCommand.self, Simulate.self, Render.self, Play.self,
    ]
}
