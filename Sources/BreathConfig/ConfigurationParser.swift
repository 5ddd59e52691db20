import Foundation
import TOMLKit

/// Reads a TOML configuration over the defaults, collecting every problem before failing.
public enum ConfigurationParser {
    /// - Parameter file: the name used in messages (the path the daemon was given or found).
    public static func parse(_ text: String, file: String, environment: [String: String]) throws(ConfigurationError) -> Configuration {
        // TOMLKit hands strings over as C strings, so "/dev/tty\u0000USB0" would arrive as
        // "/dev/tty": refuse the escape itself, where it is written.
        let nulLines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { $0.element.contains("\\u0000") || $0.element.contains("\\U00000000") }.map { $0.offset + 1 }
        guard nulLines.isEmpty else {
            throw ConfigurationError(problems: nulLines.map {
                "\(file): line \($0): a NUL character (\\u0000) is not allowed: paths and device names would be cut short at it"
            })
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                "\(file): line \(error.source.begin.line), column \(error.source.begin.column): TOML syntax error: \(error.description)")
        } catch {
            throw ConfigurationError("\(file): TOML syntax error: \(error)")
        }

        var configuration = Configuration(environment: environment)
        var problems: [String] = []
        for sectionName in table.keys {
            guard let sectionValue = table[sectionName] else { continue }
            guard ConfigurationSchema.sections.contains(sectionName) else {
                problems.append(unknownTopLevel(sectionName, sectionValue, file: file))
                continue
            }
            guard let section = sectionValue.table else {
                problems.append("\(file): \(sectionName) = \(TOMLText.value(sectionValue)): must be a section, [\(sectionName)]")
                continue
            }
            problems += apply(section, named: sectionName, to: &configuration, file: file)
        }
        if problems.isEmpty { problems = crossChecks(configuration, file: file) + locationChecks(configuration, file: file) }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    private static func apply(
        _ section: TOMLTable, named sectionName: String, to configuration: inout Configuration, file: String
    ) -> [String] {
        var problems: [String] = []
        let known = ConfigurationSchema.keys(in: sectionName)
        if section["ratio"] != nil, section["inhale_share"] != nil, sectionName == "pacer" {
            problems.append("\(file): pacer.inhale_share = \(TOMLText.value(section["inhale_share"]!)): give either pacer.ratio or pacer.inhale_share, not both")
        }
        for name in section.keys {
            guard let value = section[name] else { continue }
            let written = "\(file): \(sectionName).\(name) = \(TOMLText.value(value))"
            guard let key = known.first(where: { $0.name == name }) else {
                let suggestion = EditDistance.nearest(to: name, in: known.map(\.name))
                    .map { "did you mean \(sectionName).\($0)?" }
                    ?? "accepted in [\(sectionName)]: \(known.map(\.name).joined(separator: ", "))"
                problems.append("\(written): unknown key; \(suggestion)")
                continue
            }
            do {
                try key.apply(&configuration, value)
            } catch {
                problems.append("\(written): \(error.reason)")
            }
        }
        return problems
    }

    /// A top-level name that is not a section: a misspelt section, or a key outside its section.
    private static func unknownTopLevel(_ name: String, _ value: any TOMLValueConvertible, file: String) -> String {
        if value.table != nil {
            let suggestion = EditDistance.nearest(to: name, in: ConfigurationSchema.sections).map { "did you mean [\($0)]?" }
                ?? "accepted: \(ConfigurationSchema.sections.map { "[\($0)]" }.joined(separator: ", "))"
            return "\(file): [\(name)]: unknown section; \(suggestion)"
        }
        let qualified = ConfigurationSchema.keys.map(\.qualifiedName)
        let byName = ConfigurationSchema.keys.first { $0.name == name }?.qualifiedName
        let suggestion = (byName ?? EditDistance.nearest(to: name, in: qualified)).map { "did you mean \($0)?" }
            ?? "keys belong in a section: \(ConfigurationSchema.sections.map { "[\($0)]" }.joined(separator: ", "))"
        return "\(file): \(name) = \(TOMLText.value(value)): unknown key outside any section; \(suggestion)"
    }

    /// The socket's and the history's locations, also when they come from the defaults (the
    /// environment): what would only fail at start-up fails here, as a configuration error (78).
    static func locationChecks(_ configuration: Configuration, file: String) -> [String] {
        var problems: [String] = []
        let socket = configuration.socket.path
        if socket.utf8.count > SocketAddressLimit.pathBytes {
            problems.append(
                "\(file): socket.path = \(TOMLText.string(socket)): is \(socket.utf8.count) bytes; a Unix socket path holds at most "
                    + "\(SocketAddressLimit.pathBytes) (sun_path): choose a shorter path")
        }
        let files = [("socket.path", socket, "socket", "breathd.sock"), ("storage.path", configuration.storage.path, "database", "history.sqlite")]
        for (key, path, noun, example) in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            problems.append(
                "\(file): \(key) = \(TOMLText.string(path)): is a directory; give the \(noun) file, e.g. "
                    + TOMLText.string((path.hasSuffix("/") ? path : path + "/") + example))
        }
        return problems
    }

    /// Rules between keys, checked once every key is valid on its own.
    private static func crossChecks(_ configuration: Configuration, file: String) -> [String] {
        var problems: [String] = []
        let pacer = configuration.pacer
        let breathSeconds = 60 / pacer.rateBreathsPerMinute
        if pacer.holdInSeconds + pacer.holdOutSeconds > breathSeconds / 2 {
            problems.append(
                "\(file): pacer.hold_in + pacer.hold_out = \(TOMLText.number(pacer.holdInSeconds + pacer.holdOutSeconds)): "
                    + "must be at most half of the \(TOMLText.number((breathSeconds * 10).rounded() / 10)) s breath at "
                    + "\(TOMLText.number(pacer.rateBreathsPerMinute)) breaths per minute")
        }
        let audio = configuration.audio
        if audio.periodMilliseconds * 2 > audio.bufferMilliseconds {
            problems.append(
                "\(file): audio.period_ms = \(audio.periodMilliseconds): must be at most half of audio.buffer_ms (\(audio.bufferMilliseconds))")
        }
        return problems
    }
}

/// sun_path is 108 bytes on Linux, one of them the terminating NUL.
enum SocketAddressLimit {
    static let pathBytes = 107
}
