import BreathProtocol

/// Where a client looks for breathd's socket; every command resolves it here, in this order:
/// `--socket`, `$BREATHD_SOCKET`, `$XDG_RUNTIME_DIR/breathd/breathd.sock`, `/run/breathd/breathd.sock`.
public enum DaemonSocketPath {
    public static func resolve(option: String?, environment: [String: String]) -> String {
        if let option, !option.isEmpty { return option }
        if let path = environment["BREATHD_SOCKET"], !path.isEmpty { return path }
        // RUNTIME_DIRECTORY names the runtime directory of whatever unit runs the client, not the
        // daemon's; breathd's own units put the socket where the XDG and /run fallbacks look anyway.
        var environment = environment
        environment["RUNTIME_DIRECTORY"] = nil
        return SocketLocation.defaultPath(environment: environment)
    }
}
