/// Where the pacer is in its breathing rhythm at one instant: the cycle (counted from 0) and the
/// fraction of that cycle elapsed, 0..<1, inhale first.
public struct BreathCyclePosition: Sendable, Equatable {
    public var cycle: Int
    public var fraction: Double

    public init(cycle: Int, fraction: Double) {
        self.cycle = cycle
        self.fraction = fraction
    }

    /// Lung volume on a 0...1 scale: rising linearly through the inhale (the first `inhaleShare`
    /// of the cycle), falling through the exhale. Its fundamental is -cos(2π fraction) for a
    /// symmetric breath, so a heart rate in step with the breath has phase 0.
    public func lungVolume(inhaleShare: Double = 0.5) -> Double {
        fraction < inhaleShare ? fraction / inhaleShare : (1 - fraction) / (1 - inhaleShare)
    }

    /// The offline pacer: consecutive cycles of 60/rate s starting at `startSeconds` (a
    /// recording made at a known rate, whose pacer clock was not recorded).
    public static func uniformPacer(ratePerMinute: Double, startSeconds: Double) -> @Sendable (Double) -> BreathCyclePosition {
        let periodSeconds = 60 / ratePerMinute
        return { timeSeconds in
            let cycles = (timeSeconds - startSeconds) / periodSeconds
            let whole = cycles.rounded(.down)
            return BreathCyclePosition(cycle: Int(whole), fraction: cycles - whole)
        }
    }
}
