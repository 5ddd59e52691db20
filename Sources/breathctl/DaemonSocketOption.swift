import ArgumentParser
import Foundation

/// Where breathd listens: `--socket`, else the user service's default under $XDG_RUNTIME_DIR.
struct DaemonSocketOption: ParsableArguments {
    @Option(name: .customLong("socket"), help: "breathd's socket (default: $XDG_RUNTIME_DIR/breathd/breathd.sock).")
    var path: String?

    var resolvedPath: String {
        if let path { return path }
        let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "/run/user/\(getuid())"
        return "\(runtime)/breathd/breathd.sock"
    }
}
