// PlaybackStatus and AudioError have no public initialisers: only the Audio module makes them.
@testable import Audio
import BreathDaemon
import Pacer
import Synchronization

/// A pacer output whose loudspeaker is the test: samples count as heard when the test plays them.
///
/// It renders through the real `ToneRenderer` the way `AudioPlayer`'s audio thread does (stop
/// fades out, live changes wait for the renderer's cycle boundary, a timed playback such as the
/// assessment chime ends on its own), publishes the schedule pair the same way, and answers
/// `phase` from the samples played, so the engine reads the breath from the Pacer's own schedule.
/// What it leaves out is ALSA: no device, no thread, no buffer delay.
final class SteppedPacerOutput: PacerOutput {
    private struct Playback {
        var state = PlaybackState.idle
        var renderer: ToneRenderer?
        var session: PlaybackSession?
        var played: Int64 = 0
        var deviceOpened = false
        var lastError: AudioError?
        var stopRequested = false
        var pendingChange: PacerSettings?
        var schedules: SchedulesInForce?
        var publishedSchedule: PacerSchedule?
        /// Whether "the device" opens; false plays nothing, as an unplugged card.
        var deviceAvailable = true
        /// Every playback the engine asked for, in order.
        var starts: [PlaybackSession] = []

        mutating func end() {
            renderer = nil
            state = .idle
        }
    }

    private let playback = Mutex(Playback())
    private let statusObserver = Mutex<(@Sendable () -> Void)?>(nil)
    static let deviceGone = AudioError(operation: "snd_pcm_writei", errno: 19, message: "No such device")

    var status: PlaybackStatus {
        playback.withLock {
            PlaybackStatus(
                state: $0.state, samplesPlayed: $0.played, underruns: 0, suspends: 0, deviceOpened: $0.deviceOpened,
                lastError: $0.lastError)
        }
    }

    var samplesPlayed: Int64 { playback.withLock { $0.played } }

    /// As `AudioPlayer.phase`: samples just heard may still belong to the schedule before a change.
    var phase: PhasePosition? {
        playback.withLock { $0.schedules?.position(at: $0.played) }
    }

    var schedulesInForce: SchedulesInForce? { playback.withLock { $0.schedules } }

    func start(_ session: PlaybackSession) throws(AudioError) {
        changingStatus { p in
            // `AudioPlayer.start` stops and joins an earlier playback first; here it ends at once.
            p.starts.append(session)
            let initial = PacerSchedule(pattern: session.settings.pattern, sampleRate: session.output.sampleRate)
            let end = session.durationSeconds.map { Int64(($0 * Double(session.output.sampleRate)).rounded()) }
            p.renderer = ToneRenderer(
                settings: session.settings, sampleRate: session.output.sampleRate, fades: session.fades, endSample: end)
            p.session = session
            p.played = 0
            p.stopRequested = false
            p.pendingChange = nil
            p.lastError = nil
            p.deviceOpened = p.deviceAvailable
            p.schedules = SchedulesInForce(initial)
            p.publishedSchedule = initial
            p.state = p.deviceAvailable ? .playing : .waitingForDevice
            if !p.deviceAvailable { p.lastError = Self.deviceGone }
        }
    }

    func stop() {
        changingStatus { p in
            p.stopRequested = true
            // The audio thread leaves its retry wait at once: with the device closed there is
            // nothing audible to fade out.
            if p.state == .waitingForDevice || p.state == .opening { p.end() }
        }
    }

    func change(to settings: PacerSettings) {
        playback.withLock { $0.pendingChange = settings }
    }

    /// As `AudioPlayer.onStatusChange`: told when the state or the error changes.
    func onStatusChange(_ observer: @escaping @Sendable () -> Void) {
        statusObserver.withLock { $0 = observer }
    }

    /// Runs `body` on the playback and tells the observer (outside the lock) when it changed the
    /// state or the error, as the audio thread does.
    private func changingStatus(_ body: (inout Playback) -> Void) {
        let changed = playback.withLock { p -> Bool in
            let before = (p.state, p.lastError)
            body(&p)
            return before.0 != p.state || before.1 != p.lastError
        }
        guard changed else { return }
        statusObserver.withLock { $0 }?()
    }

    // MARK: The test's side

    /// The listener hears `samples` more of the playback, rendered a period at a time.
    func play(samples: Int) {
        changingStatus { p in
            guard p.state == .playing, let renderer = p.renderer, let session = p.session else { return }
            let periodFrames = max(1, session.output.periodMicroseconds * session.output.sampleRate / 1_000_000)
            var remaining = samples
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: periodFrames)
            defer { buffer.deallocate() }
            while remaining > 0, !renderer.isFinished {
                if p.stopRequested { renderer.fadeOut() }
                if let change = p.pendingChange {
                    p.pendingChange = nil
                    renderer.change(to: change)
                }
                let count = renderer.render(into: UnsafeMutableBufferPointer(rebasing: buffer[..<min(periodFrames, remaining)]))
                p.played += Int64(count)
                remaining -= count
                if renderer.schedule != p.publishedSchedule, let previous = p.publishedSchedule {
                    p.schedules = SchedulesInForce(current: renderer.schedule, previous: previous)
                    p.publishedSchedule = renderer.schedule
                }
            }
            if renderer.isFinished { p.end() }
        }
    }

    /// The device goes away mid-playback: the player waits for it, keeping its place.
    func loseDevice() {
        changingStatus { p in
            p.deviceAvailable = false
            guard p.renderer != nil else { return }
            p.lastError = Self.deviceGone
            p.state = .waitingForDevice
        }
    }

    /// The device is back: a waiting playback plays on from where it was.
    func restoreDevice() {
        changingStatus { p in
            p.deviceAvailable = true
            guard p.renderer != nil, p.state == .waitingForDevice else { return }
            p.deviceOpened = true
            p.state = .playing
        }
    }

    var starts: [PlaybackSession] { playback.withLock { $0.starts } }
    /// The voice the renderer plays now (live changes land at a cycle boundary).
    var voice: Pacer.Voice? { playback.withLock { $0.renderer?.tone.voice } }
    var stopRequested: Bool { playback.withLock { $0.stopRequested } }
}
