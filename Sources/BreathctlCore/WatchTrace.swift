import BreathProtocol
import Foundation

/// The last minute or so of what `watch` draws as a chart: each beat's instantaneous heart rate and
/// the pacer's breath, both on the viewer's monotonic clock (seconds).
///
/// Beats carry times on the sensor's beat clock (summed RR) and may reach the viewer late (format
/// detection, the artifact classifier's look-ahead); phases arrive on time. Beats are placed on the
/// monotonic clock through the offset of the least-delayed beat seen, so that a beat late by a few
/// seconds is still drawn where it happened, under the breath it belongs to.
struct WatchTrace {
    struct Beat: Equatable {
        var at: Double
        var heartRateBPM: Double
        var isNN: Bool
    }

    struct Phase: Equatable {
        var phase: BreathPhase
        var startedAt: Double
        var durationSeconds: Double
    }

    /// How much is kept: a little more than the widest chart shows.
    static let keptSeconds = 120.0

    private(set) var beats: [Beat] = []
    private(set) var phases: [Phase] = []
    /// Monotonic time minus beat-clock time of the least-delayed beat.
    private var beatClockOffset: Double?
    /// Beat-clock time of the latest beat: a smaller one means the sensor clock started again.
    private var lastBeatClockSeconds: Double?

    mutating func addBeat(_ event: BeatEvent, arrivedAt now: Double) {
        let offset = now - event.timeSeconds
        if let last = lastBeatClockSeconds, event.timeSeconds < last {
            // The sensor reconnected or the daemon restarted its beat clock.
            beatClockOffset = offset
        } else {
            beatClockOffset = min(beatClockOffset ?? offset, offset)
        }
        lastBeatClockSeconds = event.timeSeconds
        guard event.rrMilliseconds > 0 else { return }
        beats.append(Beat(at: event.timeSeconds + beatClockOffset!, heartRateBPM: 60_000 / event.rrMilliseconds, isNN: event.isNN))
        trim(before: now - Self.keptSeconds)
    }

    mutating func addPhase(_ phase: BreathPhase, durationSeconds: Double, at now: Double) {
        // A phase cut short (pause, stop, a live change) ends where the next begins.
        if let last = phases.indices.last, phases[last].startedAt + phases[last].durationSeconds > now {
            phases[last].durationSeconds = max(0, now - phases[last].startedAt)
        }
        phases.append(Phase(phase: phase, startedAt: now, durationSeconds: durationSeconds))
        trim(before: now - Self.keptSeconds)
    }

    /// The pacer stopped (pause, end of session): the breath line ends here.
    mutating func endPhase(at now: Double) {
        if let last = phases.indices.last, phases[last].startedAt + phases[last].durationSeconds > now {
            phases[last].durationSeconds = max(0, now - phases[last].startedAt)
        }
    }

    /// Moves the running phase later by `seconds` (a pause), so the breath resumes where it stood.
    mutating func shiftRunningPhase(by seconds: Double) {
        guard let last = phases.indices.last else { return }
        phases[last].startedAt += seconds
    }

    /// The breath at `time`, 0 (empty lungs) to 1 (full), eased like the pacer's glide; nil where
    /// no phase was running.
    func breath(at time: Double) -> Double? {
        guard let index = phases.lastIndex(where: { $0.startedAt <= time }) else { return nil }
        let phase = phases[index]
        let elapsed = time - phase.startedAt
        guard elapsed <= phase.durationSeconds else { return nil }
        let progress = phase.durationSeconds > 0 ? elapsed / phase.durationSeconds : 1
        let eased = (1 - cos(progress * Double.pi)) / 2
        return switch phase.phase {
        case .inhale: eased
        case .holdIn: 1
        case .exhale: 1 - eased
        case .holdOut: 0
        }
    }

    /// Breaths per minute and inhale share of the latest complete inhale and exhale.
    var lastBreath: (rateBreathsPerMinute: Double, inhaleShare: Double)? {
        guard let exhaleIndex = phases.lastIndex(where: { $0.phase == .exhale }),
            let inhaleIndex = phases[..<exhaleIndex].lastIndex(where: { $0.phase == .inhale })
        else { return nil }
        let cycle = phases[inhaleIndex...exhaleIndex].reduce(0) { $0 + $1.durationSeconds }
        guard cycle > 0 else { return nil }
        return (60 / cycle, phases[inhaleIndex].durationSeconds / cycle)
    }

    private mutating func trim(before oldest: Double) {
        if let first = beats.firstIndex(where: { $0.at >= oldest }), first > 0 { beats.removeFirst(first) }
        if let first = phases.firstIndex(where: { $0.startedAt + $0.durationSeconds >= oldest }), first > 0 {
            phases.removeFirst(first)
        }
    }
}
