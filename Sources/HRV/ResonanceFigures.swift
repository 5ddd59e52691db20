#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The figures of one step of a resonance-frequency assessment (issue 8): how strongly the heart
/// rate swings with the breath at one pacer rate.
///
/// Cycles are consecutive 60/R s spans from `cycleStartSeconds` (the pacer's own boundary live;
/// the first beat offline). Beats before `cycleStartSeconds + settlingSeconds` are discarded, and
/// only cycles lying wholly after that and before the last beat count, so no cycle is cut short.
public struct ResonanceFigures: Sendable, Equatable {
    public static let settlingSeconds = 30.0
    /// Half-width of the band around the pacer frequency whose Welch power is summed.
    public static let pacerBandHalfWidthHz = 0.015

    public var breathingRatePerMinute: Double
    /// Mean over the cycles of (max - min) of HR = 60000/RR over the NN beats in the cycle;
    /// `nil` when no cycle has two NN beats.
    public var peakToTroughBPM: Double?
    /// Cycles that had at least two NN beats.
    public var cycleCount: Int
    /// Welch power (hrv-spec frequency domain) in bins within ±0.015 Hz of the pacer frequency.
    public var lfPowerAtPacerMs2: Double?
    /// Mean of the live coherence scores of the beats after settling; `nil` when there are none.
    public var meanCoherenceScore: Double?
    /// Mean breath-heart synchrony (MSC at the pacer frequency) over the 64 s windows ending at
    /// each beat after settling; `nil` when no full window ends there.
    public var synchrony: Double?
    /// Circular mean of those windows' HR phase behind the breath, degrees.
    public var phaseDegrees: Double?

    public var pacerFrequencyHz: Double { breathingRatePerMinute / 60 }

    public init(
        breathingRatePerMinute: Double, peakToTroughBPM: Double?, cycleCount: Int,
        lfPowerAtPacerMs2: Double?, meanCoherenceScore: Double?, synchrony: Double? = nil, phaseDegrees: Double? = nil
    ) {
        self.breathingRatePerMinute = breathingRatePerMinute
        self.peakToTroughBPM = peakToTroughBPM
        self.cycleCount = cycleCount
        self.lfPowerAtPacerMs2 = lfPowerAtPacerMs2
        self.meanCoherenceScore = meanCoherenceScore
        self.synchrony = synchrony
        self.phaseDegrees = phaseDegrees
    }

    /// Figures over the engine's updates of one step, in beat order. `breathPhase` is the pacer's
    /// clock for the synchrony; without it, cycles of 60/R s from `cycleStartSeconds`.
    public init(
        updates: [BeatUpdate], breathingRatePerMinute rate: Double, cycleStartSeconds: Double? = nil,
        breathPhase: (@Sendable (Double) -> BreathCyclePosition)? = nil, inhaleShare: Double = 0.5
    ) {
        precondition(rate > 0, "a breathing rate is positive")
        let start = cycleStartSeconds ?? updates.first?.timeSeconds ?? 0
        let settled = start + Self.settlingSeconds
        let kept = updates.filter { $0.timeSeconds >= settled }
        let periodSeconds = 60 / rate

        var swings = 0.0
        var cycles = 0
        if let last = kept.last?.timeSeconds {
            var cycle = (Self.settlingSeconds / periodSeconds).rounded(.up)
            var index = 0
            while start + (cycle + 1) * periodSeconds <= last {
                let cycleStart = start + cycle * periodSeconds, cycleEnd = cycleStart + periodSeconds
                var highest = -Double.infinity, lowest = Double.infinity, beats = 0
                while index < kept.count && kept[index].timeSeconds < cycleEnd {
                    let beat = kept[index]
                    index += 1
                    guard beat.isNN, beat.timeSeconds >= cycleStart else { continue }
                    let heartRate = 60000 / beat.rrMilliseconds
                    highest = max(highest, heartRate)
                    lowest = min(lowest, heartRate)
                    beats += 1
                }
                if beats >= 2 {
                    swings += highest - lowest
                    cycles += 1
                }
                cycle += 1
            }
        }

        var power: Double?
        if let (frequencies, density) = FrequencyDomainMetrics.spectrum(
            timesSeconds: kept.map(\.timeSeconds), rrMilliseconds: kept.map(\.rrMilliseconds), isNN: kept.map(\.isNN)),
            frequencies.count > 1
        {
            let binWidth = frequencies[1] - frequencies[0]
            let pacer = rate / 60
            var sum = 0.0
            for k in frequencies.indices where abs(frequencies[k] - pacer) <= Self.pacerBandHalfWidthHz { sum += density[k] }
            power = sum * binWidth
        }
        let scores = kept.compactMap { $0.coherence?.score }
        let sync = Self.meanSynchrony(
            updates: updates, from: max(start + BreathHeartSynchrony.windowSeconds, settled), pacerFrequencyHz: rate / 60,
            breathPhase: breathPhase ?? BreathCyclePosition.uniformPacer(ratePerMinute: rate, startSeconds: start), inhaleShare: inhaleShare)
        self.init(
            breathingRatePerMinute: rate, peakToTroughBPM: cycles > 0 ? swings / Double(cycles) : nil, cycleCount: cycles,
            lfPowerAtPacerMs2: power, meanCoherenceScore: scores.isEmpty ? nil : scores.reduce(0, +) / Double(scores.count),
            synchrony: sync?.coherence, phaseDegrees: sync?.phaseDegrees)
    }

    /// Mean MSC and circular mean phase over the windows ending at each beat from `from` on.
    private static func meanSynchrony(
        updates: [BeatUpdate], from: Double, pacerFrequencyHz: Double, breathPhase: (Double) -> BreathCyclePosition,
        inhaleShare: Double
    ) -> SynchronyMeasure? {
        let nn = updates.filter(\.isNN)
        let times = nn.map(\.timeSeconds), rr = nn.map(\.rrMilliseconds)
        var synchrony = BreathHeartSynchrony(inhaleShare: inhaleShare)
        var sum = 0.0, windows = 0, phaseX = 0.0, phaseY = 0.0
        for update in updates where update.timeSeconds >= from {
            guard let m = synchrony.measure(
                timesSeconds: times, rrMilliseconds: rr, endSeconds: update.timeSeconds,
                pacerFrequencyHz: pacerFrequencyHz, breathPhase: breathPhase)
            else { continue }
            sum += m.coherence
            windows += 1
            if let phase = m.phaseDegrees {
                phaseX += cos(phase * Double.pi / 180)
                phaseY += sin(phase * Double.pi / 180)
            }
        }
        guard windows > 0 else { return nil }
        let hasPhase = phaseX != 0 || phaseY != 0
        return SynchronyMeasure(coherence: sum / Double(windows), phaseDegrees: hasPhase ? atan2(phaseY, phaseX) * 180 / Double.pi : nil)
    }
}
