import BreathProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pacer's guide on the time axis: relative lung volume 0...1, rising through the inhale and
/// falling through the exhale, each half a half-cosine, from the session's rate and ratio.
enum BreathingCurve {
    /// Samples every `stepSeconds` from 0 to `durationSeconds`.
    static func points(settings: SessionSettings, durationSeconds: Double, stepSeconds: Double) -> [(timeSeconds: Double, volume: Double)] {
        let cycleSeconds = 60 / settings.rateBreathsPerMinute
        let inhaleSeconds = cycleSeconds * settings.ratio.inhaleShare
        let exhaleSeconds = cycleSeconds - inhaleSeconds
        let count = Int((durationSeconds / stepSeconds).rounded(.down))
        return (0...max(count, 1)).map { index in
            let time = min(Double(index) * stepSeconds, durationSeconds)
            let inCycle = time.truncatingRemainder(dividingBy: cycleSeconds)
            let volume: Double
            if inCycle < inhaleSeconds {
                volume = (1 - cos(Double.pi * inCycle / inhaleSeconds)) / 2
            } else {
                volume = (1 + cos(Double.pi * (inCycle - inhaleSeconds) / exhaleSeconds)) / 2
            }
            return (time, volume)
        }
    }
}
