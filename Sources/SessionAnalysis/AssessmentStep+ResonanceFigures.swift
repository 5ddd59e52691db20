import BreathProtocol
import HRV

extension AssessmentStep {
    /// The protocol's form of one step's figures (also used by `breathctl analyze --assess`).
    public init(_ figures: ResonanceFigures) {
        self.init(
            rateBreathsPerMinute: figures.breathingRatePerMinute, peakToTroughBPM: figures.peakToTroughBPM,
            breathCycles: figures.cycleCount, lfPowerAtPacerMs2: figures.lfPowerAtPacerMs2,
            meanCoherenceScore: figures.meanCoherenceScore, synchrony: figures.synchrony, phaseDegrees: figures.phaseDegrees)
    }
}
