/// Whole-recording figures (`hrv_reference.py summary`): the time domain over every beat, the
/// frequency domain, and the coherence updates the live engine made along the way.
///
/// Feed it the engine's updates in order. Unlike the engine it keeps every beat, because the
/// frequency domain's spline spans the whole recording: 16 bytes a beat, about 1.3 MB for 21 hours.
public struct RecordingSummary: Sendable {
    public private(set) var timesSeconds: [Double] = []
    public private(set) var rrMilliseconds: [Double] = []
    public private(set) var isNN: [Bool] = []
    public private(set) var coherenceUpdates = 0
    private var coherenceScoreSum = 0.0
    /// Seconds spent in each coherence level: each update's level holds for that beat's RR interval.
    public private(set) var secondsInLevel: [CoherenceLevel: Double] = [.low: 0, .medium: 0, .high: 0]

    public init() {}

    public mutating func add(_ update: BeatUpdate) {
        timesSeconds.append(update.timeSeconds)
        rrMilliseconds.append(update.rrMilliseconds)
        isNN.append(update.isNN)
        if let coherence = update.coherence {
            coherenceUpdates += 1
            coherenceScoreSum += coherence.score
            secondsInLevel[coherence.level, default: 0] += update.rrMilliseconds / 1000
        }
    }

    public var beatCount: Int { timesSeconds.count }
    public var durationSeconds: Double { timesSeconds.last ?? 0 }
    public var timeDomain: TimeDomainMetrics { TimeDomainMetrics(rrMilliseconds: rrMilliseconds, isNN: isNN) }
    public var frequencyDomain: FrequencyDomainMetrics? {
        FrequencyDomainMetrics(timesSeconds: timesSeconds, rrMilliseconds: rrMilliseconds, isNN: isNN)
    }
    /// Mean of every coherence score reported; `nil` before the first.
    public var meanCoherenceScore: Double? {
        coherenceUpdates > 0 ? coherenceScoreSum / Double(coherenceUpdates) : nil
    }
}
