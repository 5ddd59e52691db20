/// Writes a configuration as TOML with every key (`breathd --print-config`); the output parses back
/// to the same configuration.
public enum ConfigurationRenderer {
    public static func render(_ configuration: Configuration, source: ConfigurationLoader.Source? = nil) -> String {
        var lines: [String] = []
        if let source { lines.append("# Effective breathd configuration (from \(source)).") }
        for section in ConfigurationSchema.sections {
            if !lines.isEmpty { lines.append("") }
            lines.append("[\(section)]")
            // inhale_share restates ratio; writing both would make the output invalid.
            for key in ConfigurationSchema.keys(in: section) where key.qualifiedName != "pacer.inhale_share" {
                lines.append("# \(key.comment)")
                lines.append("\(key.name) = \(key.render(configuration))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
