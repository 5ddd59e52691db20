import BreathClient
import ArgumentParser
import BreathProtocol

/// `stop`, `pause` and `resume`: a request without arguments answered by OK. Like `mpc` and
/// `chronyc`, they say nothing on success; `-v` prints the daemon's own sentence.
protocol SessionControlCommand: DaemonCommand {
    static var request: Request { get }
    var json: Bool { get }
    var talk: Talk { get }
}

extension SessionControlCommand {
    var wantsJSON: Bool { json }

    func run(with client: DaemonClient) throws(CommandFailure) {
        let (ok, line) = try client.command(Self.request)
        talk.report(ok, line: line, json: json)
    }
}

/// `-v/--verbose` of the control commands: quiet on success unless asked.
struct Talk: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Say what the daemon did (quiet on success otherwise).")
    var verbose = false

    /// The OK line with `--json`, the daemon's sentence with `-v`, else nothing.
    func report(_ ok: OKReply, line: String, json: Bool) {
        if json {
            StandardOutput.write(line + "\n")
        } else if verbose, let message = ok.message {
            StandardOutput.write(message + "\n")
        }
    }
}

struct StopCommand: SessionControlCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop the running session (it is recorded as stopped).")
    static let request = Request.stop

    @OptionGroup var daemon: DaemonOptions
    @OptionGroup var talk: Talk
    @Flag(help: "Print the daemon's OK reply as JSON.") var json = false
}

struct PauseCommand: SessionControlCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause the running session.")
    static let request = Request.pause

    @OptionGroup var daemon: DaemonOptions
    @OptionGroup var talk: Talk
    @Flag(help: "Print the daemon's OK reply as JSON.") var json = false
}

struct ResumeCommand: SessionControlCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume the paused session.")
    static let request = Request.resume

    @OptionGroup var daemon: DaemonOptions
    @OptionGroup var talk: Talk
    @Flag(help: "Print the daemon's OK reply as JSON.") var json = false
}
