import ArgumentParser
import BreathProtocol
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
        if let socket, !socket.isEmpty { return socket }
        var environment = ProcessInfo.processInfo.environment
        if let path = environment["BREATHD_SOCKET"], !path.isEmpty { return path }
        // RUNTIME_DIRECTORY names the runtime directory of whatever unit runs breathctl, not the
        // daemon's; breathd's own units put it where the XDG and /run fallbacks look anyway.
        environment["RUNTIME_DIRECTORY"] = nil
        return SocketLocation.defaultPath(environment: environment)
    }
}
