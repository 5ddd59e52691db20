import Audio
import BreathProtocol
import Pacer

/// Where the engine plays the pacer: the ALSA `AudioPlayer` in the daemon. The engine reads the
/// breath from the samples the output says were heard (`phase`, `samplesPlayed`, `schedule`).
public protocol PacerOutput: Sendable {
    var status: PlaybackStatus { get }
    /// Samples heard so far in the current (or last) playback.
    var samplesPlayed: Int64 { get }
    /// The breath at the samples heard; nil before a playback has a schedule.
    var phase: PhasePosition? { get }
    /// The schedule of the samples being rendered now and the one it replaced (the samples heard
    /// may still follow that one).
    var schedulesInForce: SchedulesInForce? { get }
    /// Starts a playback (fading in); one still running is stopped first.
    func start(_ session: PlaybackSession) throws(AudioError)
    /// Fades out and ends the playback; returns at once, `status` says when it is idle.
    func stop()
    /// A live change of pattern, voice or volume, from the next cycle boundary.
    func change(to settings: PacerSettings)
    /// `observer` is called (on any thread, and must return at once) whenever `status.state` or
    /// `status.lastError` changes: the engine tells AUDIO changes without polling for them.
    func onStatusChange(_ observer: @escaping @Sendable () -> Void)
}

extension AudioPlayer: PacerOutput {}

/// Where the engine writes sessions: the `HistoryRecorder` in front of the SQLite store.
public protocol HistorySink: Sendable {
    /// Opens a session; beats recorded from now on belong to it.
    func begin(startedAt: Timestamp, settings: SessionSettings, kind: SessionKind) async throws -> Int64
    /// A beat of the open session.
    func record(_ beat: BeatRecord) async
    /// A live pacing change of the open session.
    func record(_ change: PacingChange) async
    /// A pause of the open session, once it has resumed (its length known).
    func record(_ pause: SessionPause) async
    /// Closes the open session with its end reason, summary and (for an assessment) result.
    func finish(endedAt: Timestamp, reason: EndReason, summary: SessionSummary, assessment: AssessmentResult?) async throws
}

extension HistoryRecorder: HistorySink {}
