/// The choice of resonance rate (issue 8): the step with the largest mean peak-to-trough HR;
/// steps within 5 % of that largest value are taken as tied, and the tie goes to the largest LF
/// power at the pacer frequency.
public enum ResonanceChoice {
    public static let tieShare = 0.05

    /// Index into `steps` of the resonance rate; `nil` when no step has a peak-to-trough figure.
    public static func choose(_ steps: [ResonanceFigures]) -> Int? {
        let swings = steps.compactMap(\.peakToTroughBPM)
        guard let largest = swings.max() else { return nil }
        var best: Int?
        for (i, step) in steps.enumerated() {
            guard let swing = step.peakToTroughBPM, swing >= (1 - tieShare) * largest else { continue }
            guard let current = best else {
                best = i
                continue
            }
            let power = step.lfPowerAtPacerMs2 ?? -.infinity
            let bestPower = steps[current].lfPowerAtPacerMs2 ?? -.infinity
            // Equal power (or none at all) keeps the larger swing.
            if power > bestPower || (power == bestPower && swing > steps[current].peakToTroughBPM!) { best = i }
        }
        return best
    }
}
