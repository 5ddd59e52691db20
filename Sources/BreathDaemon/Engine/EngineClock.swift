import BreathProtocol
import Foundation

/// The engine's time: a monotonic clock for ticks, pauses, fades and deadlines, and a wall clock
/// for the timestamps history keeps. The daemon runs on `ContinuousClock` and `Date`; a test moves
/// a clock of its own, so the engine's verdicts never depend on how fast the machine runs.
public struct EngineClock: Clock {
    /// A point on the monotonic clock, as an offset from when this `EngineClock` was made.
    public struct Instant: InstantProtocol {
        fileprivate var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public static func - (lhs: Instant, rhs: Instant) -> Duration { lhs.offset - rhs.offset }
    }

    private let elapsed: @Sendable () -> Duration
    private let sleepUntil: @Sendable (Duration, Duration?) async throws -> Void
    private let wall: @Sendable () -> Date
    public let minimumResolution: Duration
    /// Seconds of engine time per second of real time: 1 in the daemon, more only in benchmarks
    /// that run a long session at simulated speed (`breathd --clock-rate`).
    public private(set) var rate = 1.0

    /// `monotonic` times the engine; `wall` dates what history records.
    public init<C: Clock>(monotonic: C, wall: @escaping @Sendable () -> Date) where C.Duration == Duration {
        let origin = monotonic.now
        elapsed = { origin.duration(to: monotonic.now) }
        sleepUntil = { offset, tolerance in try await monotonic.sleep(until: origin.advanced(by: offset), tolerance: tolerance) }
        self.wall = wall
        minimumResolution = monotonic.minimumResolution
    }

    /// A wall clock that moves with `monotonic` from `wallAtStart` (a test's clock: no second of
    /// real time passes, and history's timestamps still add up).
    public init<C: Clock>(monotonic: C, wallAtStart: Date) where C.Duration == Duration {
        let origin = monotonic.now
        self.init(monotonic: monotonic, wall: {
            let elapsed = origin.duration(to: monotonic.now)
            return wallAtStart.addingTimeInterval(elapsed.inSeconds)
        })
    }

    /// The daemon's clocks.
    public static var system: EngineClock { EngineClock(monotonic: ContinuousClock(), wall: { Date() }) }

    /// The daemon's clocks running `rate` times faster than real time, the wall clock moving with
    /// them from now: for benchmarks of long sessions (`breathd --clock-rate`), never for users.
    public static func system(rate: Double) -> EngineClock {
        guard rate != 1 else { return system }
        var clock = EngineClock(monotonic: RateClock(rate: rate), wallAtStart: Date())
        clock.rate = rate
        return clock
    }

    public var now: Instant { Instant(offset: elapsed()) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await sleepUntil(deadline.offset, tolerance)
    }

    /// Now on the wall clock, as history stores it.
    public var timestamp: Timestamp { Timestamp(unixSeconds: wall().timeIntervalSince1970) }
}

/// `ContinuousClock` running `rate` times faster: each sleep lasts 1/rate of what it asks for.
struct RateClock: Clock {
    struct Instant: InstantProtocol {
        fileprivate var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    let rate: Double
    private let origin = ContinuousClock.now

    init(rate: Double) { self.rate = rate }

    var now: Instant { Instant(offset: (ContinuousClock.now - origin) * rate) }
    var minimumResolution: Duration { ContinuousClock().minimumResolution * rate }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try await ContinuousClock().sleep(until: origin.advanced(by: deadline.offset / rate), tolerance: tolerance.map { $0 / rate })
    }
}
