import BreathProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pacer's guide on the time axis: relative lung volume 0...1, rising through the inhale and
/// falling through the exhale, each half a half-cosine, from the session's rate and ratio and,
/// after a live change, the new ones from the next breath on (as the pacer applies them).
enum BreathingCurve {
    struct Pattern: Equatable {
        var rateBreathsPerMinute: Double
        var inhaleShare: Double
    }

    struct Cycle {
        var startSeconds: Double
        var pattern: Pattern
        var lengthSeconds: Double { 60 / pattern.rateBreathsPerMinute }
    }

    /// The breaths from 0 to `durationSeconds`: each starts with the pattern of the last change
    /// dated at or before its start (a change is dated at the breath it started; files from before
    /// that hold the request's time, and the next breath takes it). 1 ms: the stored precision.
    static func cycles(_ reply: SessionReply, durationSeconds: Double) -> [Cycle] {
        let settings = reply.session.settings
        var pattern = Pattern(rateBreathsPerMinute: settings.rateBreathsPerMinute, inhaleShare: settings.ratio.inhaleShare)
        var pending = reply.pacingChanges.filter(\.changesTheBreath)[...]
        var cycles: [Cycle] = []
        var start = 0.0
        while start <= durationSeconds {
            while let change = pending.first, change.offsetSeconds <= start + 0.001 {
                pattern = Pattern(rateBreathsPerMinute: change.rateBreathsPerMinute, inhaleShare: change.ratio.inhaleShare)
                pending = pending.dropFirst()
            }
            let cycle = Cycle(startSeconds: start, pattern: pattern)
            cycles.append(cycle)
            start += cycle.lengthSeconds
        }
        return cycles
    }

    /// Samples every `stepSeconds` from 0 to `durationSeconds`.
    static func points(_ reply: SessionReply, durationSeconds: Double, stepSeconds: Double) -> [(timeSeconds: Double, volume: Double)] {
        let cycles = cycles(reply, durationSeconds: durationSeconds)
        let count = Int((durationSeconds / stepSeconds).rounded(.down))
        var index = 0
        return (0...max(count, 1)).map { step in
            let time = min(Double(step) * stepSeconds, durationSeconds)
            while index + 1 < cycles.count, cycles[index + 1].startSeconds <= time { index += 1 }
            let cycle = cycles[index]
            let inCycle = time - cycle.startSeconds
            let inhaleSeconds = cycle.lengthSeconds * cycle.pattern.inhaleShare
            let volume: Double
            if inCycle < inhaleSeconds {
                volume = (1 - cos(Double.pi * inCycle / inhaleSeconds)) / 2
            } else {
                volume = (1 + cos(Double.pi * (inCycle - inhaleSeconds) / (cycle.lengthSeconds - inhaleSeconds))) / 2
            }
            return (time, volume)
        }
    }
}
