import BreathClient
import BreathProtocol
import Foundation
import HRV
import Synchronization

/// The running daemon's pacer as `simulate --follow` sees it: a reader thread keeps the latest
/// PHASE event, and `breathPhase(at:)` extrapolates the breath from it (at the pacer's rate, the
/// cycle fraction moves 1 / period per second whatever the phase).
final class PacerFollower: Sendable {
    private struct Latest: Sendable {
        var phase: BreathProtocol.BreathPhase
        var cycle: Int
        var receivedAt: Date
        var rateBreathsPerMinute: Double
        var inhaleShare: Double
    }

    private struct Pacer: Sendable {
        var latest: Latest?
        /// The rate the next PHASE events pace at: STATUS's, then each assessment step's.
        var rateBreathsPerMinute: Double
    }

    private let pacer: Mutex<Pacer>
    /// The pacer's rate when the follower connected.
    let rateBreathsPerMinute: Double

    /// Connects, reads the pacer's settings from STATUS and starts watching PHASE events.
    init(socketPath: String) throws(CommandFailure) {
        let client = try DaemonClient(path: socketPath)
        let reply = try client.request(.status)
        guard case .status(let status) = reply.message else { throw CommandFailure.unexpected(reply, to: .status) }
        rateBreathsPerMinute = status.pacer.rateBreathsPerMinute
        let inhaleShare = status.pacer.ratio.inhaleShare
        pacer = Mutex(Pacer(latest: nil, rateBreathsPerMinute: rateBreathsPerMinute))
        let connection = OwnedConnection(client)
        try client.send(.watch)
        // A thread of its own: the simulator's writer runs on the async side and must not wait on reads.
        Thread {
            while let next = try? connection.client.nextLine() {
                switch next.message {
                case .phase(let event)?:
                    self.pacer.withLock {
                        $0.latest = Latest(
                            phase: event.phase, cycle: event.cycle, receivedAt: Date(),
                            rateBreathsPerMinute: $0.rateBreathsPerMinute, inhaleShare: inhaleShare)
                    }
                case .assess(let progress)?:
                    // Announcements and rests are not paced: the person breathes on their own.
                    self.pacer.withLock {
                        $0.rateBreathsPerMinute = progress.rateBreathsPerMinute
                        if progress.stage != .pacing { $0.latest = nil }
                    }
                case .sessionEvent(let event)? where event.event == .finished:
                    self.pacer.withLock { $0.latest = nil }
                default:
                    continue
                }
            }
        }.start()
    }

    /// The pacer's breath and rate at wall time `date`; nil while it does not pace (before the
    /// first PHASE event, between an assessment's steps, after the session).
    func breath(at date: Date) -> (phase: HRV.BreathPhase, ratePerMinute: Double)? {
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
        return (HRV.BreathPhase(cycle: latest.cycle + Int(whole), fraction: fraction - whole), latest.rateBreathsPerMinute)
    }
}

/// The watch connection, handed to the reader thread that alone uses it from then on.
private final class OwnedConnection: @unchecked Sendable {
    let client: DaemonClient
    init(_ client: DaemonClient) { self.client = client }
}
