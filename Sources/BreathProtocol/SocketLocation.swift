/// Where breathd's control socket is when the configuration does not say; shared so that
/// `breathctl` finds the daemon without reading the daemon's configuration.
public enum SocketLocation {
    /// systemd's RuntimeDirectory, else `$XDG_RUNTIME_DIR/breathd/`, else `/run/breathd/`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let directory = firstDirectory(environment["RUNTIME_DIRECTORY"]) { return "\(directory)/breathd.sock" }
        if let base = nonEmpty(environment["XDG_RUNTIME_DIR"]) { return "\(base)/breathd/breathd.sock" }
        return "/run/breathd/breathd.sock"
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// systemd passes several directories separated by colons when a unit lists several.
    private static func firstDirectory(_ value: String?) -> String? {
        nonEmpty(value).flatMap { $0.split(separator: ":").first.map(String.init) }
    }
}
