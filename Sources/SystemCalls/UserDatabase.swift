#if canImport(Glibc)
import Glibc
#endif

/// getgrnam_r, getpwuid_r and getgrouplist, with their buffers handled once.
public enum UserDatabase {
    public static func groupID(named name: String) -> UInt32? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        return status == 0 && result != nil ? group.gr_gid : nil
    }

    public static func userName(ofUserID userID: UInt32) -> String? {
        var passwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(userID, &passwd, &buffer, buffer.count, &result) == 0, result != nil, let name = passwd.pw_name else {
            return nil
        }
        return String(cString: name)
    }

    /// Primary and supplementary groups of a user.
    public static func groups(ofUserID userID: UInt32, primaryGroupID: UInt32) -> [UInt32] {
        guard let name = userName(ofUserID: userID) else { return [primaryGroupID] }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primaryGroupID, &groups, &count) == -1 {
            // `count` now holds the size needed.
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, primaryGroupID, &groups, &count) != -1 else { return [primaryGroupID] }
        }
        return Array(groups.prefix(Int(count)))
    }
}
