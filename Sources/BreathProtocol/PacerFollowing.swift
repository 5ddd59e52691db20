/// Whether the heart follows the pacer, read from the breath-heart synchrony (0-1): shared by the
/// live status and the session summary so that both draw the line in the same place.
public enum PacerFollowing: String, Sendable, CaseIterable {
    case yes, partly, no

    /// Above this synchrony the heart follows the pacer.
    public static let followingAboveSynchrony = 0.8
    /// Below this synchrony the heart ignores the pacer.
    public static let notFollowingBelowSynchrony = 0.3

    public init(synchrony: Double) {
        if synchrony > Self.followingAboveSynchrony {
            self = .yes
        } else if synchrony < Self.notFollowingBelowSynchrony {
            self = .no
        } else {
            self = .partly
        }
    }
}
