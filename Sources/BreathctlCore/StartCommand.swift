import BreathClient
import ArgumentParser
import BreathProtocol
import Foundation

struct StartCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a paced breathing session.",
        discussion: "Options left out take their values from breathd's configuration. Prints the new session's id."
    )

    @OptionGroup var daemon: DaemonOptions

    @Option(help: ArgumentHelp("Length of the session in minutes, 0.1-240 (fractions allowed).", valueName: "minutes"))
    var minutes: Double?

    @Option(help: ArgumentHelp("Breaths per minute, 4.0-7.0.", valueName: "breaths-per-minute"))
    var rate: Double?

    @Option(help: ArgumentHelp("Inhale to exhale, I:E (1:1, 4:6), with \(BreathRatio.rangeText).", valueName: "I:E"))
    var ratio: String?

    @Option(help: ArgumentHelp("The pacer's sound.", valueName: "voice"))
    var voice: Voice?

    @Option(help: ArgumentHelp("Loudness, 0-1.", valueName: "volume"))
    var volume: Double?

    @Flag(help: "Print the daemon's OK reply as JSON.")
    var json = false

    var wantsJSON: Bool { json }

    func validate() throws {
        if let minutes { try ArgumentCheck.minutes(minutes, option: "--minutes") }
        if let rate { try ArgumentCheck.rate(rate, option: "--rate") }
        if let ratio { _ = try ArgumentCheck.ratio(ratio, option: "--ratio") }
        if let volume { try ArgumentCheck.volume(volume, option: "--volume") }
    }

    func run(with client: DaemonClient) throws(CommandFailure) {
        let options = StartOptions(
            minutes: minutes, rateBreathsPerMinute: rate, ratio: ratio.flatMap(BreathRatio.init(parsing:)), voice: voice,
            volume: volume, interactive: isatty(STDIN_FILENO) == 1 ? true : nil)
        let (ok, line) = try client.command(.start(options))
        if json { return StandardOutput.write(line + "\n") }
        if let session = ok.session {
            StandardOutput.write("session \(session) started\n")
        } else if let message = ok.message {
            StandardOutput.write(message + "\n")
        }
    }
}
