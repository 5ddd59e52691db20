/// The four phases of one breathing cycle, in order. Also the protocol's phase: encoded by its name.
public enum BreathPhase: String, Sendable, CaseIterable, Codable {
    case inhale
    case holdIn = "hold-in"
    case exhale
    case holdOut = "hold-out"
}

/// Where a sample falls in the breath.
public struct PhasePosition: Sendable, Equatable {
    public let cycle: Int64
    public let phase: BreathPhase
    /// First sample of this phase and its length in samples (0 for a hold that is not used).
    public let phaseStart: Int64
    public let phaseLength: Int64
    /// 0 at the first sample of the phase, approaching 1 at its last.
    public let progress: Double
    public let cycleStart: Int64
    public let cycleLength: Int64
}

/// The sample-exact schedule: a pure function of the sample index.
///
/// Cycle k (counted from `originCycle`) starts at `originSample + floor((k - originCycle) * 60 *
/// sampleRate / rate)`, computed in integers on the rate in thousandths of a breath per minute, so
/// nothing accumulates and boundaries stay exact for any length of session. A live change makes a
/// new schedule whose origin is a cycle boundary of the old one.
public struct PacerSchedule: Sendable, Equatable {
    public let sampleRate: Int
    public let pattern: BreathPattern
    public let originSample: Int64
    public let originCycle: Int64
    let holdInSamples: Int64
    let holdOutSamples: Int64

    public init(pattern: BreathPattern, sampleRate: Int, originSample: Int64 = 0, originCycle: Int64 = 0) {
        precondition(sampleRate > 0)
        self.sampleRate = sampleRate
        self.pattern = pattern
        self.originSample = originSample
        self.originCycle = originCycle
        holdInSamples = Int64((pattern.holdAfterInhaleSeconds * Double(sampleRate)).rounded())
        holdOutSamples = Int64((pattern.holdAfterExhaleSeconds * Double(sampleRate)).rounded())
    }

    /// Samples per cycle times the rate in thousandths: cycle length is `cycleNumerator / rateMilliBPM`.
    private var cycleNumerator: Int128 { Int128(60_000) * Int128(sampleRate) }

    /// First sample of cycle `k` (k >= originCycle).
    public func cycleStart(_ k: Int64) -> Int64 {
        let relative = Int128(k - originCycle)
        return originSample + Int64(relative * cycleNumerator / Int128(pattern.rateMilliBPM))
    }

    /// The cycle that sample `n` (n >= originSample) falls in.
    public func cycle(containing n: Int64) -> Int64 {
        // n >= floor(k*N/d)  <=>  k*N < (n+1)*d, so k is the largest such integer.
        let scaled = Int128(n - originSample + 1) * Int128(pattern.rateMilliBPM) - 1
        return originCycle + Int64(scaled / cycleNumerator)
    }

    /// The first cycle boundary at or after sample `n`.
    public func cycleBoundary(atOrAfter n: Int64) -> Int64 {
        let k = cycle(containing: n)
        let start = cycleStart(k)
        return start == n ? n : cycleStart(k + 1)
    }

    /// Phase lengths of cycle `k`: inhale, hold-in, exhale, hold-out (integers summing to the cycle).
    public func phaseLengths(ofCycle k: Int64) -> (inhale: Int64, holdIn: Int64, exhale: Int64, holdOut: Int64) {
        let length = cycleStart(k + 1) - cycleStart(k)
        let breathing = length - holdInSamples - holdOutSamples
        let inhale = breathing * Int64(pattern.inhaleShare.numerator) / Int64(pattern.inhaleShare.denominator)
        return (inhale, holdInSamples, breathing - inhale, holdOutSamples)
    }

    /// One cycle's boundaries, for callers that ask about many samples of the same cycle (the
    /// renderer): the integer divisions are done once per cycle instead of once per query.
    public struct CycleLayout: Sendable, Equatable {
        public let cycle: Int64
        public let start: Int64
        public let lengths: (inhale: Int64, holdIn: Int64, exhale: Int64, holdOut: Int64)
        public var end: Int64 { start + lengths.inhale + lengths.holdIn + lengths.exhale + lengths.holdOut }

        public static func == (a: Self, b: Self) -> Bool {
            a.cycle == b.cycle && a.start == b.start && a.lengths == b.lengths
        }
    }

    public func layout(ofCycleContaining n: Int64) -> CycleLayout {
        let k = cycle(containing: n)
        return CycleLayout(cycle: k, start: cycleStart(k), lengths: phaseLengths(ofCycle: k))
    }

    /// Phase, progress and cycle of sample `n` (n >= originSample).
    public func position(at n: Int64) -> PhasePosition {
        Self.position(at: n, in: layout(ofCycleContaining: n))
    }

    /// Phase, progress and cycle of sample `n`, which must lie in `layout`'s cycle.
    public static func position(at n: Int64, in layout: CycleLayout) -> PhasePosition {
        let k = layout.cycle
        let start = layout.start
        let lengths = layout.lengths
        let cycleLength = lengths.inhale + lengths.holdIn + lengths.exhale + lengths.holdOut
        // Written out rather than looped over an array: this runs in the render loop, which must not allocate.
        let holdInStart = start + lengths.inhale
        let exhaleStart = holdInStart + lengths.holdIn
        let holdOutStart = exhaleStart + lengths.exhale
        let phase: BreathPhase
        let phaseStart: Int64
        let phaseLength: Int64
        if n < holdInStart {
            (phase, phaseStart, phaseLength) = (.inhale, start, lengths.inhale)
        } else if n < exhaleStart {
            (phase, phaseStart, phaseLength) = (.holdIn, holdInStart, lengths.holdIn)
        } else if n < holdOutStart {
            (phase, phaseStart, phaseLength) = (.exhale, exhaleStart, lengths.exhale)
        } else {
            (phase, phaseStart, phaseLength) = (.holdOut, holdOutStart, lengths.holdOut)
        }
        return PhasePosition(
            cycle: k, phase: phase, phaseStart: phaseStart, phaseLength: phaseLength,
            progress: Double(n - phaseStart) / Double(phaseLength), cycleStart: start, cycleLength: cycleLength)
    }

    /// The same rhythm continued by a new pattern from the first cycle boundary at or after `n`.
    public func changing(to newPattern: BreathPattern, atBoundaryAtOrAfter n: Int64) -> PacerSchedule {
        let boundary = cycleBoundary(atOrAfter: n)
        return PacerSchedule(pattern: newPattern, sampleRate: sampleRate, originSample: boundary, originCycle: cycle(containing: boundary))
    }

    /// Every phase start in [from, to), in order, with zero-length holds left out: what
    /// `breathctl render --events` prints.
    public func phaseChanges(from: Int64, to: Int64) -> [(sample: Int64, phase: BreathPhase, cycle: Int64)] {
        var events: [(Int64, BreathPhase, Int64)] = []
        var k = cycle(containing: max(from, originSample))
        while cycleStart(k) < to {
            let lengths = phaseLengths(ofCycle: k)
            var sample = cycleStart(k)
            for (phase, length) in [(BreathPhase.inhale, lengths.inhale), (.holdIn, lengths.holdIn), (.exhale, lengths.exhale), (.holdOut, lengths.holdOut)] {
                if length > 0, sample >= from, sample < to { events.append((sample, phase, k)) }
                sample += length
            }
            k += 1
        }
        return events
    }
}

/// The schedule of a playback after its latest live change, with the one that change replaced: a
/// change takes effect at a cycle boundary (`current.originSample`) that the renderer reaches up to
/// a buffer before the listener does, so samples before it still follow the previous rhythm.
public struct SchedulesInForce: Sendable, Equatable {
    public let current: PacerSchedule
    public let previous: PacerSchedule

    /// A playback before any change: both are `initial`.
    public init(_ initial: PacerSchedule) {
        current = initial
        previous = initial
    }

    public init(current: PacerSchedule, previous: PacerSchedule) {
        self.current = current
        self.previous = previous
    }

    /// The schedule sample `n` follows. Samples before the previous schedule's origin (two
    /// changes back) are not known any more: they read as that origin.
    public func schedule(at n: Int64) -> PacerSchedule {
        n >= current.originSample ? current : previous
    }

    public func position(at n: Int64) -> PhasePosition {
        let schedule = schedule(at: n)
        return schedule.position(at: max(n, schedule.originSample))
    }

    /// The breathing rate sample `n` follows, in hertz.
    public func frequencyHz(at n: Int64) -> Double {
        schedule(at: n).pattern.ratePerMinute / 60
    }
}
