import BreathClient
import ArgumentParser
import BreathProtocol

struct SetCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a pacer setting of the running session.",
        discussion: """
            KEY and its VALUE: rate (4.0-7.0 breaths per minute, or `resonance` for the rate of the \
            last `breathctl assess`), ratio (I:E with \(BreathRatio.rangeText)), voice (\(Voice.allCases.map(\.rawValue).joined(separator: ", "))) or volume (0-1).
            """
    )

    @OptionGroup var daemon: DaemonOptions

    @Argument(help: ArgumentHelp("The setting to change.", valueName: "key"))
    var key: Setting.Key

    @Argument(help: ArgumentHelp("The new value.", valueName: "value"), completion: .custom(CompletionValues.settingValues))
    var value: String

    @OptionGroup var talk: Talk

    @Flag(help: "Print the daemon's OK reply as JSON.")
    var json = false

    var wantsJSON: Bool { json }

    func validate() throws { _ = try setting() }

    func setting() throws -> Setting {
        switch key {
        case .rate:
            if value == "resonance" { return .resonanceRate }
            let rate = try ArgumentCheck.number(value, option: "rate")
            try ArgumentCheck.rate(rate, option: "rate")
            return .rate(rate)
        case .volume:
            let volume = try ArgumentCheck.number(value, option: "volume")
            try ArgumentCheck.volume(volume, option: "volume")
            return .volume(volume)
        case .ratio:
            return .ratio(try ArgumentCheck.ratio(value, option: "ratio"))
        case .voice:
            guard let voice = Voice(rawValue: value) else {
                throw ValidationError("voice must be one of \(Voice.allCases.map(\.rawValue).joined(separator: ", ")) (got \(value)).")
            }
            return .voice(voice)
        }
    }

    func run(with client: DaemonClient) throws(CommandFailure) {
        let setting: Setting
        do { setting = try self.setting() } catch { throw CommandFailure(message: "\(error)") }
        let (ok, line) = try client.command(.set(setting))
        talk.report(ok, line: line, json: json)
    }
}
