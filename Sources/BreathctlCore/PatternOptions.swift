import ArgumentParser
import Pacer

extension Voice: ExpressibleByArgument {}

/// The pattern and tone options shared by `render` and `play`.
struct PatternOptions: ParsableArguments {
    static let sampleRateRange = 4000...192_000

    @Option(help: "Breaths per minute, 4.0 to 7.0.")
    var rate: Double = 5.5

    @Option(help: "Inhale to exhale, such as 4:6, with \(InhaleShare.rangeText). Default 1:1.")
    var ratio: String?

    @Option(help: "Inhale share of the breathing time, 0.3 to 0.7, that is \(InhaleShare.rangeText) (instead of --ratio).")
    var inhaleShare: Double?

    @Option(help: "Hold after the inhale, 0 to 10 seconds.")
    var holdIn: Double = 0

    @Option(help: "Hold after the exhale, 0 to 10 seconds.")
    var holdOut: Double = 0

    @Option(help: "The pacer's sound.")
    var voice: Voice = .glide

    @Option(help: "Peak amplitude, 0.0 to 1.0 (0.1 is -20 dBFS).")
    var volume: Double = ToneSettings.defaultVolume

    @Option(help: "Fade-in at the start, 0 to 60 seconds.")
    var fadeIn: Double = 5

    @Option(help: "Fade-out at the end, 0 to 60 seconds.")
    var fadeOut: Double = 5

    @Option(help: "Samples per second, 4000 to 192000.")
    var sampleRate: Int = 48_000

    func validate() throws {
        _ = try settings()
        _ = try fades()
        guard Self.sampleRateRange.contains(sampleRate) else {
            throw ValidationError("--sample-rate must be between 4000 and 192000 Hz, not \(sampleRate).")
        }
        if ratio != nil, inhaleShare != nil {
            throw ValidationError("--ratio and --inhale-share set the same thing: give one.")
        }
    }

    func settings() throws -> PacerSettings {
        do {
            let share: InhaleShare
            if let ratio {
                share = try InhaleShare(ratio: ratio)
            } else if let inhaleShare {
                share = try InhaleShare(share: inhaleShare)
            } else {
                share = .even
            }
            let pattern = try BreathPattern(
                ratePerMinute: rate, inhaleShare: share,
                holdAfterInhaleSeconds: holdIn, holdAfterExhaleSeconds: holdOut)
            return PacerSettings(pattern: pattern, tone: try ToneSettings(voice: voice, volume: volume))
        } catch {
            throw ValidationError(Self.optionMessage(error))
        }
    }

    func fades() throws -> FadeSettings {
        do {
            return try FadeSettings(inSeconds: fadeIn, outSeconds: fadeOut)
        } catch {
            throw ValidationError(Self.optionMessage(error))
        }
    }

    /// `--rate must be between ...`: the option as typed on the command line.
    static func optionMessage(_ error: PatternError) -> String {
        let flag: String
        switch error.option {
        case "inhale share": flag = "--inhale-share"
        case "hold-in/hold-out": flag = "--hold-in/--hold-out"
        default: flag = "--" + error.option
        }
        return "\(flag) \(error.message)."
    }
}
