import ArgumentParser
import BreathClient
import Foundation

/// How to reach breathd; shared by every command that talks to the daemon.
struct DaemonOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The daemon's socket (default: $BREATHD_SOCKET, else $XDG_RUNTIME_DIR/breathd/breathd.sock, else /run/breathd/breathd.sock).",
            valueName: "path"),
        completion: .file())
    var socket: String?

    var socketPath: String {
        DaemonSocketPath.resolve(option: socket, environment: ProcessInfo.processInfo.environment)
    }
}
