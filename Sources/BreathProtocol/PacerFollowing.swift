/// Whether the heart follows the pacer, read from the breath-heart synchrony (0-1) and its phase
/// (how far HR lags the pacer's breath, degrees): shared by the live status and the session
/// summary so that both draw the line in the same place.
///
/// Synchrony alone says that HR moves at the pacer's rate in a fixed relation to it, not which
/// relation: a person breathing exactly against the pacer (in on its exhale) reads as high a
/// synchrony as one breathing with it. Following also needs the phase within ±90°: respiratory
/// sinus arrhythmia is HR rising with the in-breath, and inside ±90° HR rises more during the
/// pacer's inhale than during its exhale; past ±90° its rise falls mostly into the exhale, and at
/// 180° HR rises exactly while the pacer says breathe out. The literature puts a person who
/// follows well inside the window: at resonance (~0.1 Hz) HR and breathing are in phase, 0°
/// (Vaschillo et al. 2002; Lehrer et al. 2000; Vaschillo et al. 2006), HR leading below the
/// resonance and lagging above it; in older adults with asthma, breathing at resonance with
/// IBI-breath coherence above 0.8, the mean phase was 109° between IBI and breath instead of the
/// expected 180°, i.e. HR about 70° off the breath (Lehrer, Vaschillo & Vidali 2020). The rule
/// and its sources: docs/following.md.
public enum PacerFollowing: String, Sendable, CaseIterable {
    case yes, partly, no

    /// Above this synchrony (and with the phase inside the window) the heart follows the pacer.
    public static let followingAboveSynchrony = 0.8
    /// Below this synchrony the heart ignores the pacer.
    public static let notFollowingBelowSynchrony = 0.3
    /// HR may lag or lead the pacer's breath by at most this much and still follow it, degrees.
    public static let phaseWindowDegrees = 90.0

    /// Whether `phaseDegrees` lies inside the window (its edges included); `nil` is outside: a
    /// heart rate with no phase cannot be said to move with the breath.
    public static func phaseInWindow(_ phaseDegrees: Double?) -> Bool {
        guard let phase = phaseDegrees, phase.isFinite else { return false }
        var wrapped = phase.truncatingRemainder(dividingBy: 360)
        if wrapped > 180 { wrapped -= 360 } else if wrapped <= -180 { wrapped += 360 }
        return abs(wrapped) <= phaseWindowDegrees
    }

    /// yes: synchrony above 0.8 with the phase in the window; no: synchrony below 0.3, or a
    /// synchrony of 0.3 or more at a phase outside the window (in step with the pacer, but
    /// against it); partly: in between.
    public init(synchrony: Double, phaseDegrees: Double?) {
        if synchrony < Self.notFollowingBelowSynchrony || !Self.phaseInWindow(phaseDegrees) {
            self = .no
        } else if synchrony > Self.followingAboveSynchrony {
            self = .yes
        } else {
            self = .partly
        }
    }
}
