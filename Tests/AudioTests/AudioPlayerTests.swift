import Audio
import Foundation
import Logging
import Pacer
import Synchronization
import Testing

/// The library the daemon will use, through real ALSA into the `file` plugin.
@Suite struct AudioPlayerTests {
    @Test func liveChangeLandsOnACycleBoundaryWithoutClicksAndTheClockCounts() throws {
        let dir = try temporaryDirectory("player")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("session.wav")
        let player = AudioPlayer(logger: Logger(label: "test.audio"))
        let session = PlaybackSession(
            // alsa.conf's own `file` PCM (a file plugin over the null device), named with its arguments.
            // Paced at 20 times real time: a 90 s session in 4.5 s, so this thread has seconds of
            // wall time (not the milliseconds of an unpaced render) to ask for the change early
            // enough for whole 7/min cycles to follow it.
            output: OutputConfiguration(device: "file:FILE=\(wav.path),FORMAT=wav", sampleRate: 48_000, format: .s16, bufferMicroseconds: 100_000, periodMicroseconds: 25_000, paceByMonotonicClock: true, monotonicClockRate: 20),
            settings: PacerSettings(), fades: try FadeSettings(inSeconds: 2, outSeconds: 2), durationSeconds: 90)
        try player.start(session)
        // Change after two whole 5.5/min cycles (21.8 s): it takes effect at the next boundary
        // after the request, which a busy machine may make late (judged from where it was made).
        while player.samplesPlayed < 23 * 48_000 && player.status.state != .idle { usleep(200) }
        let requested = player.samplesPlayed
        player.change(to: PacerSettings(pattern: try BreathPattern(ratePerMinute: 7), tone: try ToneSettings(volume: 0.2)))
        player.wait()
        let status = player.status
        #expect(status.state == .idle)
        #expect(status.deviceOpened)
        #expect(status.lastError == nil)
        #expect(status.samplesPlayed == 90 * 48_000)
        // The published schedule is the changed one, starting on a boundary of the first: the first
        // after the request, or the one after it if the audio thread, rendering up to a buffer
        // ahead of what has played, had passed that boundary already.
        let schedule = try #require(player.schedulesInForce).current
        #expect(schedule.pattern.rateMilliBPM == 7000)
        let first = PacerSchedule(pattern: .standard, sampleRate: 48_000)
        #expect(schedule.originSample == first.cycleStart(schedule.originCycle))
        let next = first.cycle(containing: requested) + 1
        #expect((next...next + 1).contains(schedule.originCycle), "requested at sample \(requested), changed at cycle \(schedule.originCycle)")
        #expect(player.phase?.cycle == schedule.cycle(containing: 90 * 48_000))

        let file = try WavFile(path: wav.path)
        #expect(file.samples.count == 90 * 48_000)
        // Whole 7/min cycles follow the change (else the test's thread was too late to tell).
        let changedSeconds = Double(schedule.originSample) / 48_000
        try #require(changedSeconds + 2 * 60.0 / 7 < 90, "changed at \(changedSeconds) s")
        let rises = PitchContour(file.samples, sampleRate: file.sampleRate).crossings(of: 0.5, rising: true)
        let spacings = zip(rises.dropFirst(), rises).map { $0 - $1 }
        // Some 5.5/min cycles, then 7/min ones once the change took effect at a boundary.
        #expect(spacings.contains { abs($0 - 60 / 5.5) < 0.02 }, "\(spacings)")
        #expect(abs(spacings.last! - 60.0 / 7) < 0.02, "\(spacings)")
        let bound = 0.2 * 32767 * 2 * Double.pi * 330 / 48_000 + 2
        #expect(Double(largestStep(file.samples)) < bound)
    }

    @Test func unknownDeviceIsReportedAndRetriedUntilStopped() throws {
        let player = AudioPlayer(logger: Logger(label: "test.audio"))
        try player.start(PlaybackSession(output: OutputConfiguration(device: "no_such_device_xyz")))
        // Waited for (the player's thread may start late on a busy machine); the bound only ends a hang.
        var status = player.status
        let deadline = ContinuousClock.now + .seconds(60)
        while status.state != .waitingForDevice, ContinuousClock.now < deadline {
            usleep(10_000)
            status = player.status
        }
        #expect(status.state == .waitingForDevice)
        #expect(!status.deviceOpened)
        #expect(status.lastError?.operation.contains("no_such_device_xyz") == true)
        player.stop()
        player.wait()
        #expect(player.status.state == .idle)
    }

    /// The player tells its observer each change of state or error, so the daemon need not poll
    /// for them, and nothing per period: a 3 s playback of 120 periods is opening, playing,
    /// stopping, idle.
    @Test func theObserverIsToldEachStateChangeAndNothingPerPeriod() throws {
        let player = AudioPlayer(logger: Logger(label: "test.audio"))
        let told = Mutex<[PlaybackState]>([])
        player.onStatusChange { [unowned player] in
            let state = player.status.state
            told.withLock { $0.append(state) }
        }
        try player.start(PlaybackSession(
            output: OutputConfiguration(device: "file:FILE=/dev/null,FORMAT=raw", sampleRate: 48_000, format: .s16, bufferMicroseconds: 100_000, periodMicroseconds: 25_000, paceByMonotonicClock: true, monotonicClockRate: 20),
            fades: try FadeSettings(inSeconds: 1, outSeconds: 1), durationSeconds: 3))
        player.wait()
        let states = told.withLock { $0 }
        #expect(player.status.samplesPlayed == 3 * 48_000)
        #expect(states.last == .idle && states.contains(.playing), "\(states)")
        #expect(states.count <= 4, "\(states)")
    }

    /// A device that cannot be opened: the observer hears of it (the error, waiting for the
    /// device), and of the end after `stop`.
    @Test func theObserverIsToldOfAMissingDevice() throws {
        let player = AudioPlayer(logger: Logger(label: "test.audio"))
        let told = Mutex<[PlaybackStatus]>([])
        let waiting = DispatchSemaphore(value: 0)
        player.onStatusChange { [unowned player] in
            let status = player.status
            told.withLock { $0.append(status) }
            if status.state == .waitingForDevice { waiting.signal() }
        }
        try player.start(PlaybackSession(output: OutputConfiguration(device: "no_such_device_xyz")))
        // Waited for (the player's thread may start late on a busy machine); the bound only ends a hang.
        #expect(waiting.wait(timeout: .now() + 60) == .success)
        player.stop()
        player.wait()
        let statuses = told.withLock { $0 }
        #expect(statuses.contains { $0.lastError?.operation.contains("no_such_device_xyz") == true })
        #expect(statuses.last?.state == .idle)
    }

    /// A device that opens but fails every write (the file plugin into /dev/full) is retried with
    /// a growing wait, not reopened in a tight loop: over 2 s, 0.25 + 0.5 + 1 s of waiting allow
    /// four attempts. It used to reopen 2400 times a second, racing through a 10-minute session in under 2 s.
    @Test func aDeviceThatFailsRightAfterOpeningIsRetriedWithBackoff() throws {
        let messages = LogMessages()
        let player = AudioPlayer(logger: Logger(label: "test.audio") { _ in messages })
        try player.start(PlaybackSession(
            output: OutputConfiguration(device: "file:FILE=/dev/full,FORMAT=raw", sampleRate: 48_000, format: .s16, bufferMicroseconds: 100_000, periodMicroseconds: 25_000),
            durationSeconds: 600))
        // At least 2 s, and until the first loss is seen (a busy machine may start the thread late).
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(2) || messages.count(where: { $0.hasPrefix("audio device lost") }) == 0,
              ContinuousClock.now - start < .seconds(60) {
            usleep(10_000)
        }
        let status = player.status
        player.stop()
        player.wait()
        let elapsed = ContinuousClock.now - start
        let losses = messages.count { $0.hasPrefix("audio device lost") }
        // The waits 0.25, 0.5, 1, 2 ... s allow this many attempts in the time it had; load only
        // makes them fewer, so the bound holds however long the wait took. One more for rounding.
        var attempts = 1, waited = 0.25
        while Duration.seconds(waited) <= elapsed { attempts += 1; waited += 0.25 * Double(1 << (attempts - 1)) }
        #expect(losses >= 1 && losses <= attempts + 1, "device lost \(losses) times in \(elapsed)")
        #expect(status.state != .idle, "the session is still waiting for the device, not raced through")
        #expect(status.lastError != nil)
    }
}

/// Collects what a logger logs (the messages only), to count what the player reports.
private final class LogMessages: LogHandler, @unchecked Sendable {
    private let messages = Mutex<[String]>([])
    var logLevel = Logger.Level.trace
    var metadata = Logger.Metadata()

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        messages.withLock { $0.append(event.message.description) }
    }

    func count(where predicate: (String) -> Bool) -> Int {
        messages.withLock { $0.filter(predicate).count }
    }
}
