import BreathClient
import BreathProtocol
import Foundation
import HRV
import Synchronization
import SystemCalls

/// The running daemon's pacer as `simulate --follow` sees it: a reader thread keeps the latest
/// PHASE event, and `breathPhase(at:)` extrapolates the breath from it (at the pacer's rate, the
/// cycle fraction moves 1 / period per second whatever the phase).
///
/// The rate and ratio come from STATUS, then from each assessment step; a live `set rate` or
/// `set ratio` shows as an inhale or exhale whose length does not match them, and the follower
/// asks STATUS again.
final class PacerFollower: Sendable {
    private struct Latest: Sendable {
        var phase: BreathPhase
        var cycle: Int
        var receivedAt: Date
        var rateBreathsPerMinute: Double
        var inhaleShare: Double
    }

    private struct Pacer: Sendable {
        var latest: Latest?
        /// What the next PHASE events pace at.
        var rateBreathsPerMinute: Double
        var inhaleShare: Double

        /// The length an inhale or exhale has at the known rate and ratio (nil for holds).
        func expectedSeconds(_ phase: BreathPhase) -> Double? {
            let periodSeconds = 60 / rateBreathsPerMinute
            return switch phase {
            case .inhale: periodSeconds * inhaleShare
            case .exhale: periodSeconds * (1 - inhaleShare)
            case .holdIn, .holdOut: nil
            }
        }
    }

    private let pacer: Mutex<Pacer>
    /// The pacer's rate when the follower connected.
    let rateBreathsPerMinute: Double

    /// Connects, reads the pacer's settings from STATUS and starts watching PHASE events.
    /// `onChange` runs on the reader thread with the new rate (breaths/min) and inhale share
    /// whenever they change after that.
    init(socketPath: String, onChange: @escaping @Sendable (_ rateBreathsPerMinute: Double, _ inhaleShare: Double) -> Void = { _, _ in }) throws(CommandFailure) {
        let client = try DaemonClient(path: socketPath)
        let reply = try client.status().status
        let status = reply.pacer
        rateBreathsPerMinute = status.rateBreathsPerMinute
        var initial = Pacer(latest: nil, rateBreathsPerMinute: status.rateBreathsPerMinute, inhaleShare: status.ratio.inhaleShare)
        // A session already pacing: follow it from now, from the phase STATUS reports, rather than
        // breathing on one's own until the next PHASE event (up to half a breath later).
        if reply.state == .running, let phaseSeconds = initial.expectedSeconds(status.phase) {
            initial.latest = Latest(
                phase: status.phase, cycle: status.cycle, receivedAt: Date().addingTimeInterval(-status.progress * phaseSeconds),
                rateBreathsPerMinute: initial.rateBreathsPerMinute, inhaleShare: initial.inhaleShare)
        }
        pacer = Mutex(initial)
        let connection = OwnedConnection(client)
        try client.send(.watch)
        // A thread of its own: the simulator's writer runs on the async side and must not wait on reads.
        DedicatedThread.detach(name: "pacer follower") {
            while let next = try? connection.client.nextLine() {
                switch next.message {
                case .phase(let event)?:
                    let expected = self.pacer.withLock { $0.expectedSeconds(event.phase) }
                    if let expected, abs(event.durationSeconds - expected) > 0.01 * expected,
                        let changed = self.refresh(socketPath: socketPath)
                    {
                        onChange(changed.rateBreathsPerMinute, changed.inhaleShare)
                    }
                    self.pacer.withLock {
                        $0.latest = Latest(
                            phase: event.phase, cycle: event.cycle, receivedAt: Date(),
                            rateBreathsPerMinute: $0.rateBreathsPerMinute, inhaleShare: $0.inhaleShare)
                    }
                case .assess(let progress)?:
                    // Announcements and rests are not paced: the person breathes on their own.
                    let changed = self.pacer.withLock { pacer -> Double? in
                        let rateChanged = pacer.rateBreathsPerMinute != progress.rateBreathsPerMinute
                        pacer.rateBreathsPerMinute = progress.rateBreathsPerMinute
                        if progress.stage != .pacing { pacer.latest = nil }
                        return rateChanged ? pacer.inhaleShare : nil
                    }
                    if let inhaleShare = changed { onChange(progress.rateBreathsPerMinute, inhaleShare) }
                case .sessionEvent(let event)? where event.event == .finished:
                    self.pacer.withLock { $0.latest = nil }
                default:
                    continue
                }
            }
        }
    }

    private static func pacerStatus(_ client: DaemonClient) throws(CommandFailure) -> PacerStatus {
        try client.status().status.pacer
    }

    /// The pacer changed under us (`set rate`, `set ratio`): read its settings again, on a
    /// connection of their own (the watch connection only carries events). If the daemon cannot
    /// be asked, the follower keeps pacing at what it knew. Returns the new settings if they differ.
    private func refresh(socketPath: String) -> (rateBreathsPerMinute: Double, inhaleShare: Double)? {
        guard let client = try? DaemonClient(path: socketPath), let status = try? Self.pacerStatus(client) else { return nil }
        return pacer.withLock {
            let new = (rateBreathsPerMinute: status.rateBreathsPerMinute, inhaleShare: status.ratio.inhaleShare)
            guard new.rateBreathsPerMinute != $0.rateBreathsPerMinute || new.inhaleShare != $0.inhaleShare else { return nil }
            $0.rateBreathsPerMinute = new.rateBreathsPerMinute
            $0.inhaleShare = new.inhaleShare
            return new
        }
    }

    /// The pacer's breath and rate at wall time `date`; nil while it does not pace (before the
    /// first PHASE event, between an assessment's steps, after the session).
    func breath(at date: Date) -> (phase: HRV.BreathCyclePosition, ratePerMinute: Double)? {
        guard let latest = pacer.withLock({ $0.latest }) else { return nil }
        let share = latest.inhaleShare
        let startFraction: Double = switch latest.phase {
        case .inhale: 0
        case .holdIn, .exhale: share
        case .holdOut: 1
        }
        let periodSeconds = 60 / latest.rateBreathsPerMinute
        let fraction = startFraction + date.timeIntervalSince(latest.receivedAt) / periodSeconds
        let whole = fraction.rounded(.down)
        return (HRV.BreathCyclePosition(cycle: latest.cycle + Int(whole), fraction: fraction - whole), latest.rateBreathsPerMinute)
    }
}

/// The watch connection, handed to the reader thread that alone uses it from then on.
private final class OwnedConnection: @unchecked Sendable {
    let client: DaemonClient
    init(_ client: DaemonClient) { self.client = client }
}
