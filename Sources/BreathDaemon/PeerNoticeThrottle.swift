import Synchronization

/// Keeps what clients can provoke (refused requests, refused connections) from flooding the
/// journal: each kind of notice is counted per user, and only the 1st, 10th, 100th, ...
/// occurrence is logged, carrying the count. 10,000 refusals make 5 lines, however the
/// client spreads them over connections, and no clock is involved.
final class PeerNoticeThrottle: Sendable {
    enum Kind: String, Sendable {
        case controlRefused = "control refused"
        case clientRefused = "client refused"
        case lineTooLong = "client dropped: request line too long"
    }

    private struct Key: Hashable {
        let kind: Kind
        let userID: UInt32
    }

    private let counts = Mutex<[Key: Int]>([:])

    /// Counts one occurrence; returns the count when this one should be logged.
    func count(_ kind: Kind, userID: UInt32) -> Int? {
        let count = counts.withLock { counts in
            let count = counts[Key(kind: kind, userID: userID), default: 0] + 1
            counts[Key(kind: kind, userID: userID)] = count
            return count
        }
        return Self.isPowerOfTen(count) ? count : nil
    }

    func total(_ kind: Kind, userID: UInt32) -> Int {
        counts.withLock { $0[Key(kind: kind, userID: userID), default: 0] }
    }

    static func isPowerOfTen(_ number: Int) -> Bool {
        var rest = number
        while rest >= 10, rest % 10 == 0 { rest /= 10 }
        return rest == 1
    }
}
