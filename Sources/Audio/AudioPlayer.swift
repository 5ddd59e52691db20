#if canImport(Glibc)
import Glibc
#endif
import Logging
import Pacer
import Synchronization
import SystemCalls

/// What a session plays and where.
public struct PlaybackSession: Sendable {
    public var output: OutputConfiguration
    public var settings: PacerSettings
    public var fades: FadeSettings
    /// Session length in seconds; nil plays until `stop()`.
    public var durationSeconds: Double?

    public init(output: OutputConfiguration = .init(), settings: PacerSettings = .init(), fades: FadeSettings = .standard, durationSeconds: Double? = nil) {
        self.output = output
        self.settings = settings
        self.fades = fades
        self.durationSeconds = durationSeconds
    }
}

/// Playback state, as the daemon reports it.
public enum PlaybackState: Int, Sendable {
    case idle, opening, playing, waitingForDevice, stopping

    public var name: String {
        switch self {
        case .idle: "idle"
        case .opening: "opening"
        case .playing: "playing"
        case .waitingForDevice: "waiting-for-device"
        case .stopping: "stopping"
        }
    }
}

public struct PlaybackStatus: Sendable {
    public let state: PlaybackState
    /// Samples the listener has heard: the pacer clock.
    public let samplesPlayed: Int64
    public let underruns: Int
    public let suspends: Int
    /// Opened the device at least once in this session.
    public let deviceOpened: Bool
    public let lastError: AudioError?
    /// What the audio thread got (real time or not); nil before a session's thread has asked.
    public var scheduling: AudioThreadScheduling? = nil
}

/// Plays one session at a time through ALSA on a thread of its own.
///
/// The device is opened when a session starts and closed when it ends. The audio thread writes
/// with blocking snd_pcm_writei; the control side talks to it only through atomics and a lock the
/// audio thread merely tries (a live change waits for the next period if the lock is busy), so
/// the audio thread never waits on anyone. Device errors are logged, kept in the status and
/// retried with backoff (0.25 s doubling to 5 s) until the device returns or the session stops.
public final class AudioPlayer: Sendable {
    public static let standardMaximumBackoffSeconds = 5.0

    private let logger: Logger
    private let maximumBackoffSeconds: Double
    private let state = Atomic<Int>(PlaybackState.idle.rawValue)
    /// Samples heard: measured after each write, carried on by the monotonic clock in between.
    private let heard = Mutex(HeardClock())
    private let underruns = Atomic<Int>(0)
    private let suspends = Atomic<Int>(0)
    private let opened = Atomic<Bool>(false)
    private let stopRequested = Atomic<Bool>(false)
    private let changePending = Atomic<Bool>(false)
    private let pendingChange = Mutex<PacerSettings?>(nil)
    private let lastError = Mutex<AudioError?>(nil)
    private let scheduling = Mutex<AudioThreadScheduling?>(nil)
    /// The schedule in force and the one before it (a change lands in the render ahead of what
    /// has been heard, so samples just played may still belong to the previous one).
    private let schedules = Mutex<SchedulesInForce?>(nil)
    private let thread = Mutex<DedicatedThread?>(nil)
    /// Told when `status` changes state or error (`onStatusChange`).
    private let statusObserver = Mutex<(@Sendable () -> Void)?>(nil)

    /// `maximumBackoffSeconds`: the longest wait between attempts to reopen the device (tests
    /// shorten it). libasound's own messages go to `logger` from now on (`AlsaMessages`).
    public init(logger: Logger, maximumBackoffSeconds: Double = AudioPlayer.standardMaximumBackoffSeconds) {
        self.logger = logger
        self.maximumBackoffSeconds = maximumBackoffSeconds
        AlsaMessages.route(to: logger)
    }

    public var status: PlaybackStatus {
        PlaybackStatus(
            state: PlaybackState(rawValue: state.load(ordering: .acquiring)) ?? .idle,
            samplesPlayed: samplesPlayed,
            underruns: underruns.load(ordering: .relaxed),
            suspends: suspends.load(ordering: .relaxed),
            deviceOpened: opened.load(ordering: .relaxed),
            lastError: lastError.withLock { $0 },
            scheduling: scheduling.withLock { $0 })
    }

    /// `observer` is called whenever `status.state` or `status.lastError` changes (a later call
    /// replaces it), so that nobody needs to poll for them. It runs on the thread that made the
    /// change, often the audio thread: it must return at once. Such changes are rare (opening,
    /// playing, losing the device, ending), never per period, and happen outside the write loop,
    /// so the render loop neither locks nor allocates for them. Counters (xruns, samples) change
    /// without a call.
    public func onStatusChange(_ observer: @escaping @Sendable () -> Void) {
        statusObserver.withLock { $0 = observer }
    }

    private func statusChanged() {
        statusObserver.withLock { $0 }?()
    }

    /// Samples heard so far in the current (or last) session.
    public var samplesPlayed: Int64 {
        let now = MonotonicPacing.now()
        return heard.withLock { $0.read(at: now) }
    }

    /// Where the listener is in the breath: the schedule read at the count of samples played.
    public var phase: PhasePosition? {
        let n = samplesPlayed
        return schedules.withLock { $0?.position(at: n) }
    }

    /// The schedule being rendered now (live changes included) and the one it replaced, which the
    /// samples heard may still follow.
    public var schedulesInForce: SchedulesInForce? { schedules.withLock { $0 } }

    /// Starts a session; a session already running is stopped first (with its fade-out).
    public func start(_ session: PlaybackSession) throws(AudioError) {
        stop()
        wait()
        heard.withLock { $0.reset() }
        underruns.store(0, ordering: .relaxed)
        suspends.store(0, ordering: .relaxed)
        opened.store(false, ordering: .relaxed)
        stopRequested.store(false, ordering: .relaxed)
        changePending.store(false, ordering: .relaxed)
        let hadError = lastError.withLock { error -> Bool in
            defer { error = nil }
            return error != nil
        }
        let initial = PacerSchedule(pattern: session.settings.pattern, sampleRate: session.output.sampleRate)
        schedules.withLock { $0 = SchedulesInForce(initial) }
        setState(.opening, errorCleared: hadError)
        let audioThread: DedicatedThread
        do { audioThread = try DedicatedThread(name: "breathd audio") { [self] in run(session) } } catch {
            throw .system("start the audio thread", error.errno)
        }
        thread.withLock { $0 = audioThread }
    }

    /// Fades out and ends the session; returns at once (see `wait()`).
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
    }

    /// Live change of pattern, voice or volume: takes effect at the next cycle boundary.
    public func change(to settings: PacerSettings) {
        pendingChange.withLock { $0 = settings }
        changePending.store(true, ordering: .releasing)
    }

    /// Blocks until the session has ended and the device is closed.
    public func wait() {
        let running = thread.withLock { current -> DedicatedThread? in
            defer { current = nil }
            return current
        }
        running?.join()
    }

    // MARK: audio thread

    /// Never called from the write loop (`play`): a change of state tells the observer.
    private func setState(_ new: PlaybackState, errorCleared: Bool = false) {
        let old = state.exchange(new.rawValue, ordering: .acquiringAndReleasing)
        if old != new.rawValue || errorCleared { statusChanged() }
    }

    private func record(_ error: AudioError) {
        let changed = lastError.withLock { last -> Bool in
            defer { last = error }
            return last != error
        }
        if changed { statusChanged() }
    }

    private func run(_ session: PlaybackSession) {
        // Before the device opens: threads libasound's plugins start now (the pulse plugin's
        // mainloop) inherit a directly granted real-time policy.
        let realtimeOff = getenv("BREATHD_AUDIO_REALTIME").map { String(cString: $0) == "0" } ?? false
        let granted = AudioThreadPriority.raise(priority: realtimeOff ? nil : session.output.realtimePriority)
        scheduling.withLock { $0 = granted }
        logger.notice("audio thread scheduling: \(granted)")
        let sampleRate = session.output.sampleRate
        let end = session.durationSeconds.map { Int64(($0 * Double(sampleRate)).rounded()) }
        let renderer = ToneRenderer(settings: session.settings, sampleRate: sampleRate, fades: session.fades, endSample: end)
        var backoffSeconds = min(0.25, maximumBackoffSeconds)
        var framesWritten: Int64 = 0
        // What was last said about a device problem: said once (notice), then retried quietly
        // (debug) until the problem changes or the device comes back.
        var announcedProblem: String?
        while !renderer.isFinished {
            // Here the device is closed, so there is nothing audible to fade out.
            if stopRequested.load(ordering: .acquiring) { break }
            setState(.opening)
            let pcm: AlsaPCM
            do {
                pcm = try AlsaPCM.open(session.output, logger: logger)
            } catch {
                record(error)
                setState(.waitingForDevice)
                let problem = "unavailable: \(error)"
                if problem != announcedProblem {
                    announcedProblem = problem
                    logger.notice("audio device unavailable; retrying quietly until it returns", metadata: ["device": "\(session.output.device)", "error": "\(error)"])
                } else {
                    logger.debug("audio device still unavailable, retrying in \(backoffSeconds) s", metadata: ["error": "\(error)"])
                }
                sleepUnlessStopped(seconds: backoffSeconds)
                backoffSeconds = min(backoffSeconds * 2, maximumBackoffSeconds)
                if stopRequested.load(ordering: .acquiring) { break }
                continue
            }
            opened.store(true, ordering: .relaxed)
            setState(.playing)
            if announcedProblem?.hasPrefix("unavailable") == true {
                // A device that opens and then fails at once keeps its "lost" problem: said once.
                announcedProblem = nil
                logger.notice("audio device available again", metadata: ["device": "\(session.output.device)"])
            }
            logger.info("audio playing", metadata: ["device": "\(session.output.device)", "periodFrames": "\(pcm.periodFrames)"])
            let framesBefore = framesWritten
            do {
                try play(renderer, on: pcm, framesWritten: &framesWritten)
                setState(.stopping)
                pcm.drain()
                heard.withLock { $0.settled(at: framesWritten) }
            } catch {
                let now = MonotonicPacing.now()
                heard.withLock { $0.hold(at: now) }
                record(error)
                setState(.waitingForDevice)
                // A device lost after playing a while is retried soon; one that opens but fails at
                // once (a file plugin's directory gone, a device that cannot take audio) waits longer
                // each time, instead of reopening in a tight loop.
                if framesWritten - framesBefore >= Int64(pcm.sampleRate) {
                    backoffSeconds = min(0.25, maximumBackoffSeconds)
                    announcedProblem = nil
                }
                let problem = "lost: \(error)"
                if problem != announcedProblem {
                    announcedProblem = problem
                    logger.warning("audio device lost, retrying in \(backoffSeconds) s", metadata: ["error": "\(error)"])
                } else {
                    logger.debug("audio device lost again, retrying in \(backoffSeconds) s", metadata: ["error": "\(error)"])
                }
                sleepUnlessStopped(seconds: backoffSeconds)
                backoffSeconds = min(backoffSeconds * 2, maximumBackoffSeconds)
            }
        }
        setState(.idle)
        logger.info("audio session ended", metadata: [
            "samplesPlayed": "\(samplesPlayed)", "xruns": "\(underruns.load(ordering: .relaxed))",
            "suspends": "\(suspends.load(ordering: .relaxed))"])
    }

    /// The write loop: render one period, write it, publish the clock. No allocation, no waiting
    /// on locks.
    private func play(_ renderer: ToneRenderer, on pcm: AlsaPCM, framesWritten: inout Int64) throws(AudioError) {
        let frames = pcm.periodFrames
        let bytesPerFrame = pcm.format == .s16 ? 2 : 4
        let raw = UnsafeMutableRawPointer.allocate(byteCount: frames * 4, alignment: 16)
        defer { raw.deallocate() }
        let int16 = UnsafeMutableBufferPointer(start: raw.bindMemory(to: Int16.self, capacity: frames), count: frames)
        var publishedSchedule = renderer.schedule
        let heardFramesPerSecond = Double(pcm.sampleRate) * pcm.monotonicClockRate
        var clock = MonotonicPacing(
            enabled: pcm.paced, sampleRate: Int((Double(pcm.sampleRate) * pcm.monotonicClockRate).rounded()),
            leadFrames: pcm.bufferFrames + pcm.periodFrames + pcm.sampleRate / 10, bufferFrames: pcm.bufferFrames,
            blockingThresholdNanoseconds: Int64(frames) * 1_000_000_000 / Int64(pcm.sampleRate) / 4)
        while !renderer.isFinished {
            if stopRequested.load(ordering: .acquiring) { renderer.fadeOut() }
            if changePending.load(ordering: .acquiring) {
                // Only try the lock: if the control side holds it, take the change next period.
                let taken = pendingChange.withLockIfAvailable { pending -> PacerSettings? in
                    defer { pending = nil }
                    return pending
                }
                if let taken {
                    changePending.store(false, ordering: .relaxed)
                    if let settings = taken { renderer.change(to: settings) }
                }
            }
            let count: Int
            if pcm.format == .s16 {
                count = renderer.render(into: int16)
            } else {
                count = renderer.render(into: UnsafeMutableBufferPointer(start: raw.bindMemory(to: Float.self, capacity: frames), count: frames))
            }
            var offset = 0
            let writeStarted = MonotonicPacing.now()
            while offset < count {
                switch try pcm.write(raw + offset * bytesPerFrame, frames: count - offset) {
                case .written(let n):
                    offset += n
                case .recovered(let suspended):
                    if suspended { suspends.wrappingAdd(1, ordering: .relaxed) } else { underruns.wrappingAdd(1, ordering: .relaxed) }
                    // Logged after the fact by the session's end line; a line per xrun here would
                    // allocate on the audio thread exactly when it is late already.
                }
            }
            framesWritten += Int64(count)
            clock.wrote(frames: count, startedAt: writeStarted)
            // Readers hold this lock only to read the clock; if one does now, measure next period.
            // A device that does not pace itself reports no delay: what it has "heard" is what the
            // monotonic clock says has been played, not everything written into it.
            let measuredAt = MonotonicPacing.now()
            let heardFrames = framesWritten - max(Int64(pcm.delayFrames()), clock.framesAheadOfRealTimeUnlessSelfPaced(at: measuredAt))
            _ = heard.withLockIfAvailable {
                $0.measured(heard: heardFrames, written: framesWritten, at: measuredAt, framesPerSecond: heardFramesPerSecond)
            }
            if renderer.schedule != publishedSchedule {
                // Readers hold this lock only to copy two values; if one does now, publish next period.
                let current = renderer.schedule
                let previous = publishedSchedule
                let published = schedules.withLockIfAvailable { pair -> Bool in
                    pair = SchedulesInForce(current: current, previous: previous)
                    return true
                } ?? false
                if published { publishedSchedule = current }
            }
        }
    }

    /// Paces the writer by the monotonic clock when the device does not (see
    /// `OutputConfiguration.paceByMonotonicClock`): frames written since the anchor may run ahead
    /// of the monotonic time since the anchor by at most `leadFrames`; beyond that the writer sleeps.
    /// A write that blocked shows a device pacing itself: the anchor moves so the device's clock
    /// rules (a real card running a little fast never gets throttled into underruns).
    struct MonotonicPacing {
        let enabled: Bool
        let sampleRate: Int
        let leadFrames: Int
        let bufferFrames: Int
        let blockingThresholdNanoseconds: Int64
        private var anchorNanoseconds: Int64
        private var framesSinceAnchor: Int64 = 0
        /// A write has blocked: the device keeps time itself.
        private var selfPaced = false

        init(enabled: Bool, sampleRate: Int, leadFrames: Int, bufferFrames: Int, blockingThresholdNanoseconds: Int64) {
            self.enabled = enabled
            self.bufferFrames = bufferFrames
            self.sampleRate = sampleRate
            self.leadFrames = leadFrames
            self.blockingThresholdNanoseconds = blockingThresholdNanoseconds
            anchorNanoseconds = Self.now()
        }

        static func now() -> Int64 {
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
        }

        /// Frames written beyond what the monotonic clock has played since the anchor, for a device
        /// that has never made the writer wait (0 once it has, or when not pacing).
        func framesAheadOfRealTimeUnlessSelfPaced(at now: Int64) -> Int64 {
            guard enabled, !selfPaced else { return 0 }
            return max(0, framesSinceAnchor - (now - anchorNanoseconds) * Int64(sampleRate) / 1_000_000_000)
        }

        mutating func wrote(frames: Int, startedAt: Int64) {
            guard enabled else { return }
            let now = Self.now()
            framesSinceAnchor += Int64(frames)
            let elapsedFrames = (now - anchorNanoseconds) * Int64(sampleRate) / 1_000_000_000
            if now - startedAt >= blockingThresholdNanoseconds { selfPaced = true }
            if now - startedAt >= blockingThresholdNanoseconds, framesSinceAnchor - elapsedFrames > Int64(bufferFrames) {
                // The device made us wait, so it paces itself, and what we are ahead of the
                // monotonic clock beyond its buffer is its clock running a little fast: let its
                // clock rule (re-anchor at one buffer ahead) rather than throttle it into underruns.
                anchorNanoseconds = now
                framesSinceAnchor = Int64(bufferFrames)
                return
            }
            let aheadFrames = framesSinceAnchor - Int64(leadFrames)
            guard aheadFrames > 0 else { return }
            let due = anchorNanoseconds + aheadFrames * 1_000_000_000 / Int64(sampleRate)
            var remaining = due - now
            while remaining > 0 {
                var request = timespec(tv_sec: Int(remaining / 1_000_000_000), tv_nsec: Int(remaining % 1_000_000_000))
                _ = nanosleep(&request, nil)
                remaining = due - Self.now()
            }
        }
    }

    /// Backoff between reopen attempts, cut short by `stop()`; sleeps in slices so it never spins.
    private func sleepUnlessStopped(seconds: Double) {
        var remaining = seconds
        while remaining > 0, !stopRequested.load(ordering: .acquiring) {
            let slice = min(remaining, 0.05)
            var request = timespec(tv_sec: 0, tv_nsec: Int(slice * 1e9))
            var left = timespec()
            while nanosleep(&request, &left) != 0 && errno == EINTR { request = left }
            remaining -= slice
        }
    }
}
