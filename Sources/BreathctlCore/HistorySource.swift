import ArgumentParser
import BreathClient
import BreathConfig
import BreathHistory
import BreathProtocol
import Foundation
import SystemCalls

/// Where `history`, `session`, `export` and `report` read: the daemon when it runs, else the
/// database itself, read-only, at the path the daemon would use ([storage] path from the same
/// configuration file lookup, $STATE_DIRECTORY, $XDG_STATE_HOME/breathd/history.sqlite).
enum HistorySource {
    case daemon(DaemonClient)
    case file(HistoryFile)

    static func open(_ options: DaemonOptions, _ file: HistoryFileOptions) throws(CommandFailure) -> HistorySource {
        let failure: ClientFailure
        do {
            return .daemon(try DaemonClient(path: options.socketPath))
        } catch {
            failure = error
        }
        // Only "not running" falls back: a daemon that refuses or speaks another version says so.
        guard failure.exitCode == ExitStatus.unavailable.rawValue else { throw failure }
        let environment = ProcessInfo.processInfo.environment
        let path: String
        if let database = file.database {
            path = database
        } else {
            do {
                path = try ConfigurationLoader.load(explicitPath: file.config, environment: environment).configuration.storage.path
            } catch {
                throw CommandFailure(message: "\(failure.message); reading history from the file instead: \(error)", exitCode: ExitStatus.configuration.rawValue)
            }
        }
        do {
            return .file(try HistoryFile(readingFrom: path))
        } catch {
            throw CommandFailure(message: "\(failure.message), and \(error)", exitCode: ExitStatus.unavailable.rawValue)
        }
    }

    func history(limit: Int?) throws(CommandFailure) -> (history: HistoryReply, line: String) {
        switch self {
        case .daemon(let client): return try client.history(limit: limit)
        case .file(let file):
            let sessions: [SessionRecord]
            do { sessions = try file.history(limit: limit ?? 20) } catch { throw CommandFailure(message: error.description) }
            let line = Self.line(.history(HistoryReply(sessions: sessions)))
            guard case .history(let reply)? = try? LineCodec.decodeServerMessage(line) else {
                throw CommandFailure(message: "could not read back the history from the history file")
            }
            return (reply, line)
        }
    }

    func session(_ reference: SessionReference) throws(CommandFailure) -> (session: SessionReply, line: String) {
        switch self {
        case .daemon(let client): return try client.session(reference)
        case .file(let file):
            let found: SessionReply?
            do { found = try file.session(reference) } catch { throw CommandFailure(message: error.description) }
            guard let found else {
                // The daemon's own wording for the same miss.
                let message: String
                switch reference {
                case .id(let id): message = "no session \(id) in history"
                case .last: message = "no sessions in history yet"
                }
                throw CommandFailure(message: message, errorReplyLine: Self.line(.error(message)))
            }
            // What the daemon sends is rounded to each figure's precision (a beat's time to 1 ms, its RR to 0.1 ms):
            // read back from the same line, so a chart bins each beat as it does from the daemon.
            let line = Self.line(.session(found))
            guard case .session(let reply)? = try? LineCodec.decodeServerMessage(line) else {
                throw CommandFailure(message: "could not read back session \(found.session.id) from the history file")
            }
            return (reply, line)
        }
    }

    /// The line the daemon would have sent, for --json.
    private static func line(_ message: ServerMessage) -> String {
        var text = String(decoding: LineCodec.encodeLine(message), as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}

/// Where the history file is when the daemon is not running.
struct HistoryFileOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The configuration whose [storage] path to read when breathd is not running (default: breathd's own lookup).",
            valueName: "path"),
        completion: .file(extensions: ["toml"]))
    var config: String?

    @Option(
        help: ArgumentHelp(
            "The history database to read when breathd is not running (default: [storage] path, else $STATE_DIRECTORY or $XDG_STATE_HOME/breathd/history.sqlite).",
            valueName: "path"),
        completion: .file())
    var database: String?
}

/// A subcommand that reads history: from the daemon, or, when it is not running, from the file
/// read-only. Failures become a message on stderr and an exit status, as for `DaemonCommand`.
protocol HistoryReadingCommand: ParsableCommand {
    var daemon: DaemonOptions { get }
    var historyFile: HistoryFileOptions { get }
    /// `--json` was given: a refusal's ERROR object goes to stdout too, as for `DaemonCommand`.
    var wantsJSON: Bool { get }
    func run(with source: HistorySource) throws(CommandFailure)
}

extension HistoryReadingCommand {
    var wantsJSON: Bool { false }

    func run() throws {
        do {
            try run(with: try HistorySource.open(daemon, historyFile))
        } catch {
            if wantsJSON, let line = error.errorReplyLine { StandardOutput.write(line + "\n") }
            StandardError.write(error.message)
            throw ExitCode(error.exitCode)
        }
    }
}
