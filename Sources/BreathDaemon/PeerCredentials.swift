import BreathConfig
import SystemCalls
#if canImport(Glibc)
import Glibc
#endif

/// Who is on the other end of a connection, from SO_PEERCRED.
public struct PeerCredentials: Sendable, Equatable {
    public var processID: Int32
    public var userID: UInt32
    public var groupID: UInt32

    public init(processID: Int32, userID: UInt32, groupID: UInt32) {
        self.processID = processID
        self.userID = userID
        self.groupID = groupID
    }
}

/// `struct ucred` as SO_PEERCRED fills it (pid_t, uid_t, gid_t), declared here because Glibc only
/// exports it under _GNU_SOURCE.
struct UCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// Decides who may change the daemon's state: its own user, root, and members of the configured group.
public struct ControlAuthorization: Sendable {
    public let daemonUserID: UInt32
    public let groupName: String
    public let groupID: UInt32?

    /// Resolves `group` (empty: no group). An unknown group is a configuration error.
    public init(group: String, daemonUserID: UInt32 = geteuid()) throws(ConfigurationError) {
        self.daemonUserID = daemonUserID
        self.groupName = group
        if group.isEmpty {
            groupID = nil
        } else if let id = UserDatabase.groupID(named: group) {
            groupID = id
        } else {
            throw ConfigurationError("socket.group = \"\(group)\": no such group")
        }
    }

    public func allowsControl(_ peer: PeerCredentials) -> Bool {
        if peer.userID == 0 || peer.userID == daemonUserID { return true }
        guard let groupID else { return false }
        if peer.groupID == groupID { return true }
        return UserDatabase.groups(ofUserID: peer.userID, primaryGroupID: peer.groupID).contains(groupID)
    }
}
