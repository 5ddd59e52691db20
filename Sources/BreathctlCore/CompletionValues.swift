import ArgumentParser
import BreathClient
import BreathProtocol
import Foundation

/// Values the shells complete that depend on what was typed or on the daemon: swift-argument-parser
/// calls these through `breathctl ---completion ...` from the generated bash, zsh and fish scripts.
enum CompletionValues {
    /// `session`, `export` and `report`: `last` always, then the stored sessions' ids, newest
    /// first, when the daemon answers (the socket from `--socket` on the line, else the default).
    @Sendable static func sessionReferences(words: [String], index: Int, prefix: String) -> [String] {
        var values = ["last"]
        let environment = ProcessInfo.processInfo.environment
        if let client = try? DaemonClient(socketOption: socketOption(in: words), environment: environment),
            let (history, _) = try? client.history(limit: sessionLimit)
        {
            values += history.sessions.map { String($0.id) }
        }
        return values.filter { $0.hasPrefix(prefix) }
    }

    /// `set KEY VALUE`: the values the key takes that can be listed.
    @Sendable static func settingValues(words: [String], index: Int, prefix: String) -> [String] {
        // The key is the word after `set` (the only word before VALUE that names a key).
        let key = words.prefix(max(0, index)).last { Setting.Key(rawValue: $0) != nil }.flatMap(Setting.Key.init(rawValue:))
        let values: [String] =
            switch key {
            case .voice: Voice.allCases.map(\.rawValue)
            case .rate: ["resonance"]
            case .ratio: ["1:1", "4:6", "2:3"]
            case .volume, nil: []
            }
        return values.filter { $0.hasPrefix(prefix) }
    }

    /// Enough for a menu; `history --limit` reaches further.
    static let sessionLimit = 50

    /// `--socket PATH` or `--socket=PATH` among the words typed so far.
    static func socketOption(in words: [String]) -> String? {
        for (position, word) in words.enumerated() {
            if word == "--socket", position + 1 < words.count { return words[position + 1] }
            if word.hasPrefix("--socket=") { return String(word.dropFirst("--socket=".count)) }
        }
        return nil
    }
}
