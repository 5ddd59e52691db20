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
    /// The default buffer and period (breathd.toml's `[audio]`, `breathctl play`): 2 s in periods of
    /// a third of it, the longest PulseAudio's ALSA plugin accepts, what keeps a session through
    /// PulseAudio to a few wake-ups a second (docs/realtime.md).
    public static let standardBufferMilliseconds = 2_000
    public static let standardPeriodMilliseconds = 666

    /// Total ALSA buffer and one period, in microseconds: a longer buffer survives scheduling
    /// hiccups and wakes the writer less often, a shorter one makes live changes more immediate.
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
                bufferMicroseconds: Int = OutputConfiguration.standardBufferMilliseconds * 1000,
                periodMicroseconds: Int = OutputConfiguration.standardPeriodMilliseconds * 1000,
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
