import Foundation

/// Where a process's resident memory lives, from /proc/PID/smaps: its own anonymous pages (heap,
/// stacks, what it wrote), and the file pages it maps, by who owns the file.
///
/// File pages are shared with every process mapping the same library and can be dropped and read
/// back by the kernel, yet they count in RSS; on kernels that map page-cache folios whole (seen
/// on 6.18), touching one page of a library's code can make a megabyte or more of it resident.
struct ResidentMemory {
    var residentKilobytes = 0
    var anonymousKilobytes = 0
    /// File-backed resident kB by owner: the executable itself, the Swift runtime with Foundation,
    /// and the system's C libraries.
    var executableKilobytes = 0
    var swiftRuntimeKilobytes = 0
    var systemLibraryKilobytes = 0

    init?(pid: Int32) {
        // /proc files report size 0, so read to the end rather than by the size stat gives.
        guard let file = FileHandle(forReadingAtPath: "/proc/\(pid)/smaps"),
            let contents = try? file.readToEnd(),
            let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
        else { return nil }
        let smaps = String(decoding: contents, as: UTF8.self)
        var path = ""
        var mappingResident = 0, mappingAnonymous = 0
        // Pages a process wrote in a file mapping (relocated data) are anonymous: count them there.
        func closeMapping() {
            residentKilobytes += mappingResident
            anonymousKilobytes += mappingAnonymous
            let fileBacked = mappingResident - mappingAnonymous
            if path == executable {
                executableKilobytes += fileBacked
            } else if path.contains("/lib/swift/") {
                swiftRuntimeKilobytes += fileBacked
            } else if path.hasPrefix("/") {
                systemLibraryKilobytes += fileBacked
            }
            mappingResident = 0
            mappingAnonymous = 0
        }
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                // A mapping's header: address range, permissions, offset, device, inode, path.
                closeMapping()
                path = fields.count >= 6 ? fields[5...].joined(separator: " ") : ""
            } else if first == "Rss:", fields.count >= 2 {
                mappingResident = Int(fields[1]) ?? 0
            } else if first == "Anonymous:", fields.count >= 2 {
                mappingAnonymous = Int(fields[1]) ?? 0
            }
        }
        closeMapping()
    }

    var summary: String {
        "RSS \(megabytes(residentKilobytes)) MB: anonymous \(megabytes(anonymousKilobytes)) MB, "
            + "mapped file pages of the executable \(megabytes(executableKilobytes)) MB, "
            + "of the Swift runtime and Foundation \(megabytes(swiftRuntimeKilobytes)) MB, "
            + "of system libraries \(megabytes(systemLibraryKilobytes)) MB"
    }
}
