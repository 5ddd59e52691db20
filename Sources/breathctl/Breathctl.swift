import ArgumentParser

@main
struct Breathctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breathctl",
        abstract: "Control and inspect breathd, the breathing biofeedback daemon.",
        discussion: """
            Offline tools work without the daemon: `analyze` computes HRV and coherence for a \
            recording of RR intervals.
            """,
        subcommands: [Analyze.self, SensorCommand.self, Simulate.self, Render.self, Play.self, Report.self, Notify.self]
    )
}
