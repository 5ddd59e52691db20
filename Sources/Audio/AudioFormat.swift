/// How samples go to the device.
public enum SampleFormat: String, Sendable, CaseIterable {
    /// 16-bit signed little-endian.
    case s16 = "s16"
    /// 32-bit float.
    case float = "float"
}

/// Device and buffer configuration of one playback session.
public struct OutputConfiguration: Sendable, Equatable {
    public var device: String
    public var sampleRate: Int
    public var format: SampleFormat
    /// Total ALSA buffer and one period, in microseconds: a longer buffer survives scheduling
    /// hiccups, a shorter one makes live changes and the pacer clock more immediate.
    public var bufferMicroseconds: Int
    public var periodMicroseconds: Int
    /// Never let samples go out faster than real time (plus the buffer and a small lead) by the
    /// monotonic clock, even when the device accepts them faster (the `file` plugin over `null`,
    /// a broken driver). Off only for tests and tools that want a file as fast as possible; the
    /// environment variable `BREATHD_AUDIO_UNPACED=1` turns it off too (for tests of subprocesses).
    public var paceByMonotonicClock: Bool
    /// Real-time priority asked for the audio thread (`AudioThreadPriority`); nil keeps normal
    /// scheduling. The environment variable `BREATHD_AUDIO_REALTIME=0` turns it off too (the
    /// xrun benchmark's comparison, `breathctl play --no-realtime`).
    public var realtimePriority: Int?
    /// Seconds of audio per second of the monotonic clock when pacing by it: 1, except in
    /// benchmarks that play a long session at simulated speed into a device that does not pace
    /// itself (`breathd --clock-rate`).
    public var monotonicClockRate: Double

    public init(device: String = "default", sampleRate: Int = 48_000, format: SampleFormat = .s16,
                bufferMicroseconds: Int = 400_000, periodMicroseconds: Int = 100_000,
                paceByMonotonicClock: Bool = true, realtimePriority: Int? = AudioThreadPriority.standardPriority,
                monotonicClockRate: Double = 1) {
        self.paceByMonotonicClock = paceByMonotonicClock
        self.realtimePriority = realtimePriority
        self.monotonicClockRate = monotonicClockRate
        self.device = device
        self.sampleRate = sampleRate
        self.format = format
        self.bufferMicroseconds = bufferMicroseconds
        self.periodMicroseconds = periodMicroseconds
    }
}
