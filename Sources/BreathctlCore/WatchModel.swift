import BreathProtocol
import Foundation

/// What the live `watch` view shows, kept up to date from STATUS and the watch events. Times are
/// seconds on the monotonic clock, so that the view can move the pacer bar and the session clock
/// between events.
struct WatchModel {
    struct Phase {
        var phase: BreathPhase
        var cycle: Int
        var durationSeconds: Double
        var startedAt: Double
    }

    struct Session {
        var id: Int64
        var durationSeconds: Double
        /// Elapsed seconds at `anchor`; the clock runs from there while the session is not paused.
        var elapsedSecondsAtAnchor: Double
        var anchor: Double
        var isPaused: Bool

        func elapsedSeconds(at now: Double) -> Double {
            min(durationSeconds, elapsedSecondsAtAnchor + (isPaused ? 0 : max(0, now - anchor)))
        }
    }

    /// Scores kept for the sparkline: about the last minute of beats.
    static let recentScoreCount = 60

    var state: DaemonState = .idle
    var phase: Phase?
    var session: Session?
    var lastFinished: String?
    var heartRateBPM: Double?
    var coherenceScore: Double?
    var coherenceLevel: CoherenceLevelName?
    var warmUpSecondsLeft: Double = 0
    var recentScores: [Double] = []
    var sensorState: SensorState = .none
    var sensorDevice = ""
    var audioState: AudioState = .idle
    var lastBeatRRMilliseconds: Double?
    /// The latest metrics, for the synchrony line.
    var hrv: HRVSnapshot?
    /// When the pacer was paused; the bar stands still from then until the session resumes.
    var pausedAt: Double?
    /// The running assessment's stage, and when it was reported (its countdown runs from there).
    var assessment: AssessmentProgress?
    var assessmentAnchor: Double = 0
    /// Each beat's heart rate and the breath, for the chart.
    var trace = WatchTrace()
    /// When the latest beat and the latest metrics arrived: older than `staleSeconds`, figures
    /// are shown as stale with their age, not as live values.
    var lastBeatArrival: Double?
    var lastMetricsArrival: Double?
    /// The heart rate of the latest normal beat (60000/RR), as the chart's line ends.
    var instantHeartRateBPM: Double?
    /// The pacer's setting from STATUS or the session's start; the breaths seen replace it after a live change.
    var pacerRateBreathsPerMinute: Double?
    var pacerInhaleShare: Double?
    /// Set when breathd closed the connection.
    var daemonGone = false

    /// Seconds after which a heart figure is no longer shown as live.
    static let staleSeconds = 5.0

    init() {}

    init(status: StatusReply, at now: Double) {
        state = status.state
        if let progress = status.session {
            let duration = progress.elapsedSeconds + progress.remainingSeconds
            session = Session(
                id: progress.id, durationSeconds: duration, elapsedSecondsAtAnchor: progress.elapsedSeconds, anchor: now,
                isPaused: status.state == .paused)
        }
        if status.state != .idle {
            // STATUS gives the progress but not the phase's length; the rate and ratio tell it
            // (holds are short and not reported, so a second stands in for them).
            let pacer = status.pacer
            let breathSeconds = 60 / pacer.rateBreathsPerMinute
            let duration = switch pacer.phase {
            case .inhale: breathSeconds * pacer.ratio.inhaleShare
            case .exhale: breathSeconds * (1 - pacer.ratio.inhaleShare)
            case .holdIn, .holdOut: 1.0
            }
            phase = Phase(phase: pacer.phase, cycle: pacer.cycle, durationSeconds: duration, startedAt: now - pacer.progress * duration)
            if status.state == .paused {
                pausedAt = now
            } else {
                trace.addPhase(pacer.phase, durationSeconds: duration, at: now - pacer.progress * duration)
            }
        }
        pacerRateBreathsPerMinute = status.pacer.rateBreathsPerMinute
        pacerInhaleShare = status.pacer.ratio.inhaleShare
        assessment = status.assessment
        assessmentAnchor = now
        apply(hrv: status.hrv)
        if status.hrv.meanHeartRateBPM != nil { lastMetricsArrival = now }
        sensorState = status.sensor.state
        sensorDevice = status.sensor.device
        audioState = status.audio.state
    }

    mutating func apply(_ message: ServerMessage, at now: Double) {
        switch message {
        case .phase(let event):
            phase = Phase(phase: event.phase, cycle: event.cycle, durationSeconds: event.durationSeconds, startedAt: now)
            trace.addPhase(event.phase, durationSeconds: event.durationSeconds, at: now)
        case .metrics(let event):
            apply(hrv: event.hrv)
            lastMetricsArrival = now
        case .beat(let event):
            lastBeatRRMilliseconds = event.rrMilliseconds
            lastBeatArrival = now
            trace.addBeat(event, arrivedAt: now)
            if event.isNN, event.rrMilliseconds > 0 { instantHeartRateBPM = 60_000 / event.rrMilliseconds }
            // Before the first 64 s window, METRICS has no heart rate: show the beat's own, and
            // count the warm-up down from the beat times.
            if warmUpSecondsLeft > 0 || heartRateBPM == nil {
                if event.isNN { heartRateBPM = 60_000 / event.rrMilliseconds }
                warmUpSecondsLeft = max(0, HRVWarmUp.windowSeconds - event.timeSeconds)
            }
        case .level(let event):
            coherenceLevel = event.level
            coherenceScore = event.coherenceScore
        case .sensor(let event):
            sensorState = event.state
            sensorDevice = event.device
        case .audio(let event):
            audioState = event.state
        case .sessionEvent(let event):
            apply(event, at: now)
        case .assess(let progress):
            state = progress.stage == .finished ? .stopping : .assessing
            assessment = progress
            assessmentAnchor = now
            // Between paced parts the pacer bar would show a stale phase.
            if progress.stage != .pacing { phase = nil }
        case .version, .status, .history, .session, .ok, .error:
            break
        }
    }

    /// Seconds left in the assessment's current stage.
    func assessmentStageSecondsLeft(at now: Double) -> Double? {
        assessment.map { max(0, $0.stageRemainingSeconds - (now - assessmentAnchor)) }
    }

    private mutating func apply(_ event: SessionEvent, at now: Double) {
        let record = event.session
        switch event.event {
        case .started:
            state = record.kind == .assessment ? .assessing : .running
            lastFinished = nil
            pausedAt = nil
            session = Session(
                id: record.id, durationSeconds: record.settings.durationSeconds, elapsedSecondsAtAnchor: 0, anchor: now,
                isPaused: false)
            pacerRateBreathsPerMinute = record.settings.rateBreathsPerMinute
            pacerInhaleShare = record.settings.ratio.inhaleShare
        case .paused:
            state = .paused
            pausedAt = pausedAt ?? now
            trace.endPhase(at: now)
            if let current = session {
                session?.elapsedSecondsAtAnchor = current.elapsedSeconds(at: now)
                session?.anchor = now
                session?.isPaused = true
            }
        case .resumed:
            state = .running
            if let pausedAt { phase?.startedAt += now - pausedAt }
            pausedAt = nil
            if let phase {
                // The breath goes on from where it stood.
                let left = max(0, phase.durationSeconds - (now - phase.startedAt))
                trace.addPhase(phase.phase, durationSeconds: left, at: now)
            }
            session?.anchor = now
            session?.isPaused = false
        case .finished:
            state = .idle
            trace.endPhase(at: now)
            session = nil
            phase = nil
            assessment = nil
            lastFinished = WatchEventText.sessionText(event)
        }
    }

    private enum HRVWarmUp {
        /// The live metrics' window (docs/hrv-spec.md).
        static let windowSeconds = 64.0
    }

    private mutating func apply(hrv: HRVSnapshot) {
        self.hrv = hrv
        heartRateBPM = hrv.meanHeartRateBPM ?? heartRateBPM
        coherenceScore = hrv.coherenceScore
        coherenceLevel = hrv.coherenceLevel
        warmUpSecondsLeft = hrv.warmUpSecondsLeft
        if let score = hrv.coherenceScore {
            recentScores.append(score)
            if recentScores.count > Self.recentScoreCount { recentScores.removeFirst(recentScores.count - Self.recentScoreCount) }
        }
    }

    /// Breaths per minute and inhale share the pacer runs at: the latest breath seen, else the setting.
    var pacerPattern: (rateBreathsPerMinute: Double, inhaleShare: Double)? {
        if let breath = trace.lastBreath { return breath }
        guard let rate = pacerRateBreathsPerMinute, let share = pacerInhaleShare else { return nil }
        return (rate, share)
    }

    /// Seconds since the latest beat, when that is more than `staleSeconds` or the sensor is lost.
    func beatAge(at now: Double) -> Double? {
        guard let arrival = lastBeatArrival else { return nil }
        let age = now - arrival
        return age > Self.staleSeconds || sensorState == .lost ? age : nil
    }

    /// Seconds since the latest metrics, when they are stale (see `beatAge`).
    func metricsAge(at now: Double) -> Double? {
        guard let arrival = lastMetricsArrival else { return nil }
        let age = now - arrival
        return age > Self.staleSeconds || sensorState == .lost ? age : nil
    }

    /// How full the breathing bar is, 0-1: it fills on the in-breath and empties on the out-breath.
    func breathFill(at now: Double) -> Double? {
        guard let phase else { return nil }
        // A paused pacer stands still, so the bar must too.
        let elapsed = (pausedAt ?? now) - phase.startedAt
        let progress = phase.durationSeconds > 0 ? min(1, max(0, elapsed / phase.durationSeconds)) : 1
        return switch phase.phase {
        case .inhale: progress
        case .holdIn: 1
        case .exhale: 1 - progress
        case .holdOut: 0
        }
    }
}

enum MonotonicClock {
    static var seconds: Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
