import Foundation

/// Finds and reads the configuration file: `--config PATH`, else the user's file, else the system's,
/// else built-in defaults.
public enum ConfigurationLoader {
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case file(String)
        case defaults

        public var description: String {
            switch self {
            case .file(let path): path
            case .defaults: "built-in defaults"
            }
        }
    }

    public struct Loaded: Sendable, Equatable {
        public var configuration: Configuration
        public var source: Source
    }

    /// - Parameter systemConfigPath: `/etc/breathd/breathd.toml`; tests point it elsewhere.
    public static func load(
        explicitPath: String?, environment: [String: String],
        systemConfigPath: String = DefaultLocations.systemConfigPath
    ) throws(ConfigurationError) -> Loaded {
        let path: String
        if let explicitPath {
            path = explicitPath
        } else if let user = DefaultLocations.userConfigPath(environment: environment), FileManager.default.fileExists(atPath: user) {
            path = user
        } else if FileManager.default.fileExists(atPath: systemConfigPath) {
            path = systemConfigPath
        } else {
            let configuration = Configuration(environment: environment)
            let problems = ConfigurationParser.locationChecks(configuration, file: Source.defaults.description)
            guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
            return Loaded(configuration: configuration, source: .defaults)
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read as UTF-8 text" : "no such file"
            throw ConfigurationError("\(path): \(reason)")
        }
        return Loaded(configuration: try ConfigurationParser.parse(text, file: path, environment: environment), source: .file(path))
    }
}
