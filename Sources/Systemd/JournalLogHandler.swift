import Foundation
import Logging

/// Log lines on stderr the way systemd's journal reads them: when stderr is the journal
/// (JOURNAL_STREAM names it), each line starts with its syslog priority, `<3>` for an error, so
/// `journalctl -p warning` works; otherwise plain lines with a timestamp and the level.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let toJournal: Bool

    public init(label: String, environment: [String: String]) {
        self.label = label
        toJournal = Self.stderrIsJournal(environment["JOURNAL_STREAM"])
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let text = event.message.description + (fields.isEmpty ? "" : " " + fields)
        let line: String
        if toJournal {
            // The journal adds its own timestamp and unit name.
            line = "<\(Self.priority(event.level))>\(text)\n"
        } else {
            line = "\(Date().formatted(.iso8601)) \(event.level) \(label): \(text)\n"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// sd-daemon(3) priorities.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }

    /// JOURNAL_STREAM is "device:inode" of the journal's stream; it counts only if stderr is that stream.
    static func stderrIsJournal(_ journalStream: String?) -> Bool {
        guard let parts = journalStream?.split(separator: ":"), parts.count == 2,
            let device = UInt64(parts[0]), let inode = UInt64(parts[1])
        else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
