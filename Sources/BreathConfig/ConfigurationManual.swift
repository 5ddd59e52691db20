import BreathProtocol

/// breathd.toml(5) in mdoc, written from `ConfigurationSchema` (`breathd --print-config-manual`,
/// run by `make`): every key with its comment, what it accepts and its default, so that the
/// manual says what the parser does.
public enum ConfigurationManual {
    /// The manual's date (`.Dd`): the day this page's text last changed by hand, so that the
    /// output is the same on every build.
    public static let date = "November 26, 2026"

    public static func render() -> String {
        let defaults = Configuration(environment: [:])
        var lines = [
            ".Dd \(date)",
            ".Dt BREATHD.TOML 5",
            ".Os breathd \(Release.version)",
            ".Sh NAME",
            ".Nm breathd.toml",
            ".Nd configuration file of the breathd breathing biofeedback daemon",
            ".Sh SYNOPSIS",
            ".Pa $XDG_CONFIG_HOME/breathd/breathd.toml",
            ".br",
            ".Pa /etc/breathd/breathd.toml",
            ".Sh DESCRIPTION",
            ".Xr breathd 8",
            "reads its configuration from the file given with",
            ".Fl -config ,",
            "else",
            ".Pa $XDG_CONFIG_HOME/breathd/breathd.toml",
            "(for the user service), else",
            ".Pa /etc/breathd/breathd.toml ,",
            "else it runs on built-in defaults.",
            "The file is TOML: tables named in brackets, each holding",
            ".Ar key No = Ar value",
            "lines.",
            "Every key is optional; a key left out keeps its default.",
            "An unknown table or key, or a value outside its range, is an error naming the file, the key,",
            "the value and what is accepted; the daemon then exits with status 78 (EX_CONFIG).",
            ".Pp",
            ".Nm breathd Fl -check-config",
            "validates the file;",
            ".Nm breathd Fl -print-config",
            "prints the effective configuration with every key.",
        ]
        for section in ConfigurationSchema.sections {
            lines += [".Ss [\(section)]", ".Bl -tag -width Ds"]
            for key in ConfigurationSchema.keys(in: section) {
                let defaultValue = key.accepted == ConfigurationSchema.pathAccepted ? "\"\"" : key.render(defaults)
                lines += [
                    ".It Cm \(key.name)",
                    text(key.comment),
                    ".br",
                    text("Accepts \(key.accepted)."),
                    ".br",
                    text("Default: \(key.name) = \(defaultValue)"),
                ]
            }
            lines.append(".El")
        }
        lines += [
            ".Sh FILES",
            ".Bl -tag -width Ds",
            ".It Pa /etc/breathd/breathd.toml",
            "the system service's configuration",
            ".It Pa $XDG_CONFIG_HOME/breathd/breathd.toml",
            "the user service's configuration",
            ".El",
            ".Sh EXAMPLES",
            "A slower pace with a longer out-breath and a chime, quiet in the evening:",
            ".Bd -literal -offset indent",
            "[pacer]",
            "rate = 5.0",
            "ratio = \"4:6\"",
            "voice = \"bowl\"",
            "",
            "[notify]",
            "quiet_hours = \"22:00-07:00\"",
            ".Ed",
            ".Sh SEE ALSO",
            ".Xr breathctl 1 ,",
            ".Xr breathd 8",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A text line for roff: backslashes escaped, and a leading period or apostrophe kept from
    /// being read as a request.
    static func text(_ line: String) -> String {
        let escaped = line.replacingBackslashes()
        return escaped.first == "." || escaped.first == "'" ? "\\&" + escaped : escaped
    }
}

extension String {
    fileprivate func replacingBackslashes() -> String {
        var result = ""
        for character in self {
            if character == "\\" { result += "\\e" } else { result.append(character) }
        }
        return result
    }
}
