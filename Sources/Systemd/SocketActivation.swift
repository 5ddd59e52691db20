#if canImport(Glibc)
import Glibc
#endif

/// systemd socket activation (sd_listen_fds(3)): the listening socket a .socket unit passed.
public enum SocketActivation {
    /// SD_LISTEN_FDS_START: passed descriptors start at 3.
    static let firstDescriptor: Int32 = 3

    /// The first passed descriptor when LISTEN_PID names this process and LISTEN_FDS is at least 1.
    public static func listeningDescriptor(environment: [String: String], processID: Int32 = getpid()) -> Int32? {
        guard let pid = environment["LISTEN_PID"].flatMap({ Int32($0) }), pid == processID,
            let count = environment["LISTEN_FDS"].flatMap({ Int($0) }), count >= 1
        else { return nil }
        return firstDescriptor
    }
}
