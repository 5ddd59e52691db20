/// How many samples the listener has heard, between two measurements.
///
/// The audio thread measures it after each write (frames written minus the device's delay), that
/// is once a period. Read as measured, the count would stand still for a whole period and then
/// jump, so the pacer's phase (and a PHASE event timed by it) would be up to a period late: 0.1 s
/// at a 100 ms period, 0.5 s at 500 ms. So between measurements it runs on by the monotonic clock
/// at the sample rate, never beyond what was written (the device cannot play what it has not
/// got: an underrun holds it there), and never backwards for a reader (a measurement a little
/// behind the estimate holds the count until the clock catches up), as PulseAudio's own
/// interpolated stream clock does between its timing updates.
struct HeardClock: Sendable {
    private var measuredFrames: Int64 = 0
    private var measuredAtNanoseconds: Int64 = 0
    private var writtenFrames: Int64 = 0
    /// Heard frames per nanosecond while running; 0 holds the count at the measurement.
    private var framesPerNanosecond: Double = 0
    /// The most any reader has been told: readers never see the count go back.
    private var reportedFrames: Int64 = 0

    /// A new session: nothing heard.
    mutating func reset() { self = HeardClock() }

    /// A measurement while playing: `heard` frames at `nanoseconds`, `written` frames so far.
    mutating func measured(heard: Int64, written: Int64, at nanoseconds: Int64, framesPerSecond: Double) {
        measuredFrames = heard
        writtenFrames = written
        measuredAtNanoseconds = nanoseconds
        framesPerNanosecond = framesPerSecond / 1e9
    }

    /// A count known exactly with the device idle (drained, lost or closed): it holds there.
    mutating func settled(at frames: Int64) {
        measuredFrames = frames
        writtenFrames = max(writtenFrames, frames)
        framesPerNanosecond = 0
    }

    /// Holds the count where the last measurement and the clock had it (the device went away).
    mutating func hold(at nanoseconds: Int64) {
        measuredFrames = estimate(at: nanoseconds)
        framesPerNanosecond = 0
    }

    /// Frames heard at `nanoseconds` (monotonic), as a reader is told.
    mutating func read(at nanoseconds: Int64) -> Int64 {
        reportedFrames = max(reportedFrames, estimate(at: nanoseconds))
        return reportedFrames
    }

    private func estimate(at nanoseconds: Int64) -> Int64 {
        guard framesPerNanosecond > 0 else { return measuredFrames }
        let carried = Int64(Double(max(0, nanoseconds - measuredAtNanoseconds)) * framesPerNanosecond)
        return max(measuredFrames, min(measuredFrames + carried, writtenFrames))
    }
}
