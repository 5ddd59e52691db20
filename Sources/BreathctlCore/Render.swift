import ArgumentParser
import Audio
import Pacer

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the pacer audio to a WAV file (mono, 16-bit).",
        discussion: """
            The file holds exactly MINUTES × 60 × SAMPLE-RATE samples, faded in and out. With \
            --events, one JSON line per phase change is printed with its exact sample index: \
            {"sample": N, "phase": "inhale"|"hold-in"|"exhale"|"hold-out", "cycle": K}.
            """
    )

    static let minutesRange = 0.1...1440.0

    @Option(help: "The WAV file to write.", completion: .file(extensions: ["wav"]))
    var output: String

    @Option(help: "Length in minutes, 0.1 to 1440.")
    var minutes: Double = 10

    @OptionGroup var pattern: PatternOptions

    @Flag(help: "Print one JSON line per phase change with its sample index.")
    var events = false

    func validate() throws {
        guard minutes.isFinite, Self.minutesRange.contains(minutes) else {
            throw ValidationError("--minutes must be between 0.1 and 1440, not \(minutes).")
        }
    }

    func run() throws {
        let settings = try pattern.settings()
        let totalSamples = Int64((minutes * 60 * Double(pattern.sampleRate)).rounded())
        let renderer = ToneRenderer(
            settings: settings, sampleRate: pattern.sampleRate, fades: try pattern.fades(), endSample: totalSamples)
        do {
            let sink = try WavFileSink(path: output, sampleRate: pattern.sampleRate)
            try sink.write(from: renderer)
        } catch {
            throw CommandFailure(message: error.description)
        }
        if events {
            let schedule = PacerSchedule(pattern: settings.pattern, sampleRate: pattern.sampleRate)
            var lines = ""
            for event in schedule.phaseChanges(from: 0, to: totalSamples) {
                lines += "{\"sample\": \(event.sample), \"phase\": \"\(event.phase.rawValue)\", \"cycle\": \(event.cycle)}\n"
            }
            print(lines, terminator: "")
        }
    }
}
