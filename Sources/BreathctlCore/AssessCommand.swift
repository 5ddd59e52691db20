import BreathClient
import ArgumentParser
import BreathProtocol

struct AssessCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "assess",
        abstract: "Find your resonance breathing rate: a stepped assessment with the heart sensor.",
        discussion: """
            breathd paces each rate in turn for --minutes-per-rate, announcing each with a chime and \
            resting --rest-seconds between them, while the heart sensor records. For each rate, after \
            30 s of settling: the mean peak-to-trough heart rate per breath, the LF power within \
            ±0.015 Hz of the pacer, the mean coherence score and the breath-heart synchrony. The \
            resonance rate is the one with the largest peak-to-trough swing (LF power breaks ties \
            within 5 %). The result is stored in history; `pacer.rate = "resonance"` in the \
            configuration and `breathctl set rate resonance` use it.

            Follows the assessment until it ends, then prints the table. Ctrl-C leaves it running \
            (`breathctl stop` ends it); --detach returns at once.
            """
    )

    @OptionGroup var daemon: DaemonOptions

    @Option(help: ArgumentHelp("Comma-separated breaths per minute, 2-10 rates of 4.0-7.0, in the order paced.", valueName: "list"))
    var rates = "6.5,6.0,5.5,5.0,4.5"

    @Option(help: ArgumentHelp("Minutes at each rate, 1-10 (the first 30 s settle and are not measured).", valueName: "minutes"))
    var minutesPerRate = AssessOptions.defaultMinutesPerRate

    @Option(help: ArgumentHelp("Seconds of rest between rates, 0-300.", valueName: "seconds"))
    var restSeconds = AssessOptions.defaultRestSeconds

    @Flag(help: "Start the assessment and return; follow it with `breathctl watch`, read it with `breathctl session ID`.")
    var detach = false

    @Flag(help: "Print the daemon's JSON: the OK reply with --detach, else the final ASSESS event with the result.")
    var json = false

    var wantsJSON: Bool { json }

    func validate() throws { _ = try options() }

    func options() throws -> AssessOptions {
        let parts = rates.split(separator: ",", omittingEmptySubsequences: false)
        var values: [Double] = []
        for part in parts {
            let value = try ArgumentCheck.number(part.trimmingCharacters(in: .whitespaces), option: "--rates")
            try ArgumentCheck.rate(value, option: "--rates")
            values.append(value)
        }
        let count = ArgumentLimits.assessRateCount
        guard count.contains(values.count) else {
            throw ValidationError("--rates must list \(count.lowerBound) to \(count.upperBound) rates (got \(values.count)).")
        }
        guard ArgumentLimits.assessMinutesPerRate.contains(minutesPerRate) else {
            throw ValidationError("--minutes-per-rate must be between 1 and 10 minutes (got \(Readable.setting(minutesPerRate))).")
        }
        guard ArgumentLimits.assessRestSeconds.contains(restSeconds) else {
            throw ValidationError("--rest-seconds must be between 0 and 300 seconds (got \(Readable.setting(restSeconds))).")
        }
        return AssessOptions(rates: values, minutesPerRate: minutesPerRate, restSeconds: restSeconds)
    }

    func run(with client: DaemonClient) throws(CommandFailure) {
        let options: AssessOptions
        do { options = try self.options() } catch { throw CommandFailure(message: "\(error)") }
        // Watch before starting, on a second connection, so that no stage goes unseen.
        let watcher = detach ? nil : try DaemonClient(path: client.path)
        try watcher?.watch()
        let (ok, line) = try client.command(.assess(options))
        guard let id = ok.session else { throw CommandFailure(message: "breathd started no assessment: \(line)") }
        guard let watcher else {
            return StandardOutput.write(json ? line + "\n" : "\(ok.message ?? "assessment \(id) started")\n")
        }
        if !json { StandardOutput.write((ok.message ?? "assessment \(id) started") + "\n") }
        try follow(id, on: watcher)
    }

    /// Prints each stage until the result arrives; an assessment ended early is a failure.
    private func follow(_ id: Int64, on watcher: DaemonClient) throws(CommandFailure) {
        while let (line, message) = try watcher.nextLine() {
            switch message {
            case .assess(let progress) where progress.session == id:
                if progress.stage == .finished, let result = progress.result {
                    StandardOutput.write(json ? line + "\n" : AssessmentText.table(result, complete: true) + "\n")
                    return
                }
                if !json { StandardOutput.write(AssessmentText.progress(progress, stageSecondsLeft: progress.stageRemainingSeconds) + "\n") }
            case .sessionEvent(let event) where event.session.id == id && event.event == .finished:
                throw CommandFailure(
                    message: "assessment \(id) ended (\(event.session.endReason?.rawValue ?? "stopped")) before every rate was paced; "
                        + "`breathctl session \(id)` shows the rates it measured")
            default:
                continue
            }
        }
        throw CommandFailure(message: "\(watcher.path): breathd closed the connection during assessment \(id)")
    }
}
