/// How the breath sounds. Also the protocol's and the configuration's voice: encoded by its name.
public enum Voice: String, Sendable, CaseIterable, Codable {
    /// A soft tone whose pitch rises through the in-breath and falls through the out-breath.
    case glide
    /// A bell-like chime at each turn of the breath over a quiet drone.
    case bowl
    /// Filtered noise swelling like a wave, louder on the in-breath.
    case noise
    case off

    /// The highest frequency this voice produces, for the click criterion (a sine at this
    /// frequency and the voice's peak amplitude bounds the sample-to-sample step).
    public var highestFrequencyHz: Double {
        switch self {
        case .glide: GlideTone.highFrequencyHz
        case .bowl: BowlTone.inhaleChimeHz * BowlTone.partialRatios.2
        case .noise, .off: 0
        }
    }
}

/// Voice and loudness: what a live change may alter besides the pattern.
public struct ToneSettings: Sendable, Equatable {
    /// Peak amplitude, full scale = 1.
    public static let volumeRange: ClosedRange<Double> = 0.0...1.0
    /// About -20 dBFS peak: quiet enough to sit under other sounds.
    public static let defaultVolume = 0.1

    public let voice: Voice
    public let volume: Double

    public init(voice: Voice = .glide, volume: Double = ToneSettings.defaultVolume) throws(PatternError) {
        guard volume.isFinite, Self.volumeRange.contains(volume) else {
            throw PatternError(option: "volume", message: "must be between 0.0 and 1.0 (peak amplitude, 0.1 is -20 dBFS), not \(volume)")
        }
        self.voice = voice
        self.volume = volume
    }

    public static let standard = try! ToneSettings()
}

/// Everything a live change carries; applied at the next cycle boundary.
public struct PacerSettings: Sendable, Equatable {
    public var pattern: BreathPattern
    public var tone: ToneSettings

    public init(pattern: BreathPattern = .standard, tone: ToneSettings = .standard) {
        self.pattern = pattern
        self.tone = tone
    }
}

/// Fade-in at session start and fade-out at its end.
public struct FadeSettings: Sendable, Equatable {
    public static let range: ClosedRange<Double> = 0.0...60.0
    public let inSeconds: Double
    public let outSeconds: Double

    public init(inSeconds: Double = 5, outSeconds: Double = 5) throws(PatternError) {
        for (name, value) in [("fade-in", inSeconds), ("fade-out", outSeconds)] {
            guard value.isFinite, Self.range.contains(value) else {
                throw PatternError(option: name, message: "must be between 0 and 60 seconds, not \(value)")
            }
        }
        self.inSeconds = inSeconds
        self.outSeconds = outSeconds
    }

    public static let standard = try! FadeSettings()
}
