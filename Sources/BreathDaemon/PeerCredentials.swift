import BreathConfig
import SystemCalls
#if canImport(Glibc)
import Glibc
#endif

/// Who is on the other end of a connection, from SO_PEERCRED and SO_PEERGROUPS.
public struct PeerCredentials: Sendable, Equatable {
    public var processID: Int32
    public var userID: UInt32
    public var groupID: UInt32
    /// The peer process's supplementary groups as the kernel holds them; nil where the kernel
    /// cannot say (before Linux 4.13, or more groups than `PeerGroups.capacity`).
    public var supplementaryGroupIDs: [UInt32]?

    public init(processID: Int32, userID: UInt32, groupID: UInt32, supplementaryGroupIDs: [UInt32]? = nil) {
        self.processID = processID
        self.userID = userID
        self.groupID = groupID
        self.supplementaryGroupIDs = supplementaryGroupIDs
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
        if let groups = peer.supplementaryGroupIDs { return groups.contains(groupID) }
        // A kernel without SO_PEERGROUPS: the user database is all there is.
        return UserDatabase.groups(ofUserID: peer.userID, primaryGroupID: peer.groupID).contains(groupID)
    }
}
/// The peer's supplementary groups as the kernel holds them for its process (SO_PEERGROUPS,
/// Linux 4.13), so that group rights follow what the process really has, not /etc/group.
enum PeerGroups {
    /// SO_PEERGROUPS from asm-generic/socket.h (x86_64, arm64, riscv; Glibc does not export it).
    static let socketOption: Int32 = 59
    /// Groups read at most; for a peer with more (ERANGE) the user database decides, as on old kernels.
    static let capacity = 1024

    /// getsockopt's buffer, zero-filled by NIO before the kernel writes its list into it.
    struct KernelList {
        var storage = InlineArray<1024, UInt32>(repeating: 0)

        var groupIDs: [UInt32] {
            var list: [UInt32] = []
            list.reserveCapacity(PeerGroups.capacity)
            for index in storage.indices { list.append(storage[index]) }
            return PeerGroups.groupIDs(fromKernelList: list)
        }
    }

    /// The kernel sorts a process's groups (setgroups(2) calls groups_sort), so a 0 can only be
    /// gid 0 at the front or the zero fill after the last entry: the list ends at its last
    /// non-zero entry. An all-zero buffer reads as no groups.
    static func groupIDs(fromKernelList list: [UInt32]) -> [UInt32] {
        guard let last = list.lastIndex(where: { $0 != 0 }) else { return [] }
        return Array(list[...last])
    }
}
