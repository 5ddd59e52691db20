import BreathClient
import ArgumentParser
import BreathProtocol

/// `stop`, `pause` and `resume`: a request without arguments answered by OK. Like `mpc`, they say
/// nothing on success unless the daemon has something to say.
protocol SessionControlCommand: DaemonCommand {
    static var request: Request { get }
    var json: Bool { get }
}

extension SessionControlCommand {
    func run(with client: DaemonClient) throws(CommandFailure) {
        let (ok, line) = try client.command(Self.request)
        if json {
            StandardOutput.write(line + "\n")
        } else if let message = ok.message {
            StandardOutput.write(message + "\n")
        }
    }
}

struct StopCommand: SessionControlCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop the running session (it is recorded as stopped).")
    static let request = Request.stop

    @OptionGroup var daemon: DaemonOptions
    @Flag(help: "Print the daemon's OK reply as JSON.") var json = false
}

struct PauseCommand: SessionControlCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause the running session.")
    static let request = Request.pause

    @OptionGroup var daemon: DaemonOptions
    @Flag(help: "Print the daemon's OK reply as JSON.") var json = false
}

struct ResumeCommand: SessionControlCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume the paused session.")
    static let request = Request.resume

    @OptionGroup var daemon: DaemonOptions
    @Flag(help: "Print the daemon's OK reply as JSON.") var json = false
}
