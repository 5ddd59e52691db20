import BreathTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 16.5 and 16.10: history trouble never stops the pacer, and history is private. Real
/// files on real (tmpfs) file systems, mounted read-only or filled to the brim; needs root for mount.
@Suite(.serialized) struct HistoryTroubleEndToEndTests {
    static let canMount = getuid() == 0

    @Test func aCorruptDatabaseIsMovedAsideAndAFreshOneCreated() throws {
        let daemon = try DaemonHarness()
        let garbage = Data(repeating: 0x5A, count: 16384)
        try garbage.write(to: URL(fileURLWithPath: daemon.historyPath))
        try daemon.start()
        let history = try #require(try daemon.request(#"{"cmd":"status"}"#)["history"] as? [String: Any])
        #expect(history["state"] as? String == "ok")
        let moved = try #require(history["moved_aside"] as? String)
        #expect(moved.hasPrefix(daemon.historyPath + ".corrupt-"))
        // Kept byte for byte, never deleted.
        #expect(FileManager.default.contents(atPath: moved) == garbage)
        let reply = try daemon.request(#"{"cmd":"start","minutes":0.1}"#)
        #expect(reply["class"] as? String == "OK", "\(reply)")
        try waitUntil("the session is in the fresh history") {
            let rows = try daemon.request(#"{"cmd":"history"}"#)["sessions"] as? [[String: Any]] ?? []
            return rows.first?["end_reason"] as? String == "completed"
        }
        #expect(daemon.log.contains("moved aside"))
        #expect(daemon.terminate() == 0)
    }

    @Test(.enabled(if: canMount, "needs root to mount a tmpfs"))
    func aReadOnlyDatabaseLeavesTheDaemonPacingWithoutHistory() throws {
        let daemon = try DaemonHarness()
        let mount = try ScratchMount(in: daemon.directory, sizeKiB: 1024)
        defer { mount.unmount() }
        let path = mount.path + "/history.sqlite"
        // A real database first, written by breathd, then the file system goes read-only.
        try daemon.reconfigure(historyPath: path)
        try daemon.start()
        #expect(daemon.terminate() == 0)
        try mount.remountReadOnly()
        try daemon.start()
        try expectPacingWithoutHistory(daemon, path: path, problemMentions: "read")
    }

    @Test(.enabled(if: canMount, "needs root to mount a tmpfs"))
    func aFullDiskAtStartLeavesTheDaemonPacingWithoutHistory() throws {
        let daemon = try DaemonHarness()
        let mount = try ScratchMount(in: daemon.directory, sizeKiB: 64)
        defer { mount.unmount() }
        try mount.fill()
        let path = mount.path + "/history.sqlite"
        try daemon.reconfigure(historyPath: path)
        try daemon.start()
        try expectPacingWithoutHistory(daemon, path: path, problemMentions: "full")
    }

    /// Issue 16.4: a session that ends on a full disk keeps its beats and its end in memory, says
    /// so in `status`, and writes them once there is room again: completed, every beat.
    @Test(.enabled(if: canMount, "needs root to mount a tmpfs"))
    func aSessionEndingOnAFullDiskIsWrittenOnceThereIsRoom() throws {
        let (daemon, mount, fifo) = try daemonWithASensorOnASmallDisk()
        defer { mount.unmount() }
        let path = mount.path + "/history.sqlite"
        let reply = try daemon.request(#"{"cmd":"start","minutes":0.15}"#)
        let id = try #require(reply["session"] as? Int, "\(reply)")
        try mount.fill()
        let history = try feedSixtyBeatsAndWaitUntilHeld(daemon, fifo)
        let held = try #require(history["unsaved_beats"] as? Int)
        #expect(held > 0)
        #expect((history["problem"] as? String ?? "").contains(path))
        #expect(daemon.log.components(separatedBy: "cannot write, keeping beats in memory").count == 2, "logged once")
        mount.freeFiller()
        try waitUntil("history is written again") {
            (try daemon.request(#"{"cmd":"status"}"#)["history"] as? [String: Any])?["state"] as? String == "ok"
        }
        let session = try daemon.request(#"{"cmd":"session","id":\#(id)}"#)
        let record = try #require(session["session"] as? [String: Any], "\(session)")
        #expect(record["end_reason"] as? String == "completed")
        let stored = (session["beats"] as? [Any] ?? []).count
        let summary = try #require(record["summary"] as? [String: Any])
        #expect(stored == summary["beats"] as? Int && stored >= held, "stored \(stored), held \(held), \(summary)")
        #expect(stored >= 50, "stored \(stored) of 60 fed")
        fifo.close()
        #expect(daemon.terminate() == 0)
    }

    /// Issue 16.4, the attack's next step: the daemon is stopped while the disk is still full, so
    /// the spill file beside the database cannot be written either (it used to lose every held
    /// beat and the next start marked the session `interrupted`). The spill goes to the socket's
    /// runtime directory instead, and the next start writes the session whole: completed.
    @Test(.enabled(if: canMount, "needs root to mount a tmpfs"))
    func aSessionHeldOnAFullDiskSurvivesAShutdownBeforeThereIsRoom() throws {
        let (daemon, mount, fifo) = try daemonWithASensorOnASmallDisk()
        defer { mount.unmount() }
        let reply = try daemon.request(#"{"cmd":"start","minutes":0.15}"#)
        let id = try #require(reply["session"] as? Int, "\(reply)")
        try mount.fill()
        let held = try feedSixtyBeatsAndWaitUntilHeld(daemon, fifo)["unsaved_beats"] as? Int ?? 0
        #expect(held > 0)
        fifo.close()
        #expect(daemon.terminate() == 0)
        #expect(!daemon.log.contains("unwritten sessions lost"), "\(daemon.log)")
        mount.freeFiller()
        try daemon.start()
        #expect(daemon.log.contains("writing what an earlier run kept in its spill file"))
        // The recorder writes what the spill held at its first flush.
        var session: [String: Any] = [:]
        try waitUntil("the held session is written") {
            session = try daemon.request(#"{"cmd":"session","id":\#(id)}"#)
            return (session["session"] as? [String: Any])?["end_reason"] != nil
        }
        let record = try #require(session["session"] as? [String: Any], "\(session)")
        #expect(record["end_reason"] as? String == "completed", "not interrupted")
        let stored = (session["beats"] as? [Any] ?? []).count
        #expect(stored == (record["summary"] as? [String: Any])?["beats"] as? Int && stored >= held, "stored \(stored), held \(held)")
        #expect(daemon.terminate() == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: daemon.directory.path).filter { $0.contains("unsaved") }
        #expect(leftovers.isEmpty, "the spill file is removed once written: \(leftovers)")
    }

    /// The disk fills while breathd runs, then a session starts: it paces all the same (it used to
    /// be refused with raw SQLite text, "start: history is unavailable: SQLite error 13: database
    /// or disk is full", so history trouble stopped the pacer after all). Its row, beats and end
    /// are held under an id read from the file and written once there is room, as it ran.
    @Test(.enabled(if: canMount, "needs root to mount a tmpfs"))
    func aSessionStartsOnAFullDiskAndIsWrittenOnceThereIsRoom() throws {
        let (daemon, mount, fifo) = try daemonWithASensorOnASmallDisk()
        defer { mount.unmount() }
        // One session written before the disk fills: the held one must come after it.
        let first = try #require(try daemon.request(#"{"cmd":"start","minutes":0.1}"#)["session"] as? Int)
        try waitUntil("the first session has ended") { try daemon.request(#"{"cmd":"status"}"#)["state"] as? String == "idle" }
        try mount.fill()
        let reply = try daemon.request(#"{"cmd":"start","minutes":0.15}"#)
        #expect(reply["class"] as? String == "OK", "\(reply)")
        let id = try #require(reply["session"] as? Int, "\(reply)")
        #expect(id == first + 1)
        let held = try feedSixtyBeatsAndWaitUntilHeld(daemon, fifo)["unsaved_beats"] as? Int ?? 0
        #expect(held > 0)
        mount.freeFiller()
        var session: [String: Any] = [:]
        try waitUntil("the held session is written") {
            session = try daemon.request(#"{"cmd":"session","id":\#(id)}"#)
            return (session["session"] as? [String: Any])?["end_reason"] != nil
        }
        let record = try #require(session["session"] as? [String: Any], "\(session)")
        #expect(record["end_reason"] as? String == "completed")
        let stored = (session["beats"] as? [Any] ?? []).count
        #expect(stored == held, "stored \(stored), held \(held)")
        #expect((try daemon.request(#"{"cmd":"status"}"#)["history"] as? [String: Any])?["state"] as? String == "ok")
        // The next session takes the next id: the held one's was kept for it.
        let next = try #require(try daemon.request(#"{"cmd":"start","minutes":0.1}"#)["session"] as? Int)
        #expect(next == id + 1)
        fifo.close()
        #expect(daemon.terminate() == 0)
    }

    /// The same session, still unwritten when breathd stops: its row goes to the spill file with
    /// its beats and end, and the next start writes it whole.
    @Test(.enabled(if: canMount, "needs root to mount a tmpfs"))
    func aSessionStartedOnAFullDiskSurvivesAShutdownBeforeThereIsRoom() throws {
        let daemon = try DaemonHarness()
        let mount = try ScratchMount(in: daemon.directory, sizeKiB: 1024)
        defer { mount.unmount() }
        try daemon.reconfigure(historyPath: mount.path + "/history.sqlite")
        try daemon.start()
        try mount.fill()
        let reply = try daemon.request(#"{"cmd":"start","minutes":5}"#)
        let id = try #require(reply["session"] as? Int, "\(reply)")
        #expect(try daemon.request(#"{"cmd":"set","key":"rate","value":5}"#)["class"] as? String == "OK")
        #expect(daemon.terminate() == 0)
        #expect(!daemon.log.contains("unwritten sessions lost"), "\(daemon.log)")
        mount.freeFiller()
        try daemon.start()
        var session: [String: Any] = [:]
        try waitUntil("the held session is written") {
            session = try daemon.request(#"{"cmd":"session","id":\#(id)}"#)
            return (session["session"] as? [String: Any])?["end_reason"] != nil
        }
        let record = try #require(session["session"] as? [String: Any], "\(session)")
        #expect(record["end_reason"] as? String == "stopped", "\(record)")
        #expect((session["pacing_changes"] as? [Any])?.count == 1, "\(session)")
        #expect(daemon.terminate() == 0)
    }

    @Test func theDatabaseAndItsWalAreTheOwnersOnly() throws {
        let daemon = try DaemonHarness()
        let previous = umask(0o022)
        defer { umask(previous) }
        try daemon.start()
        // A session makes SQLite write the -wal and -shm files.
        #expect(try daemon.request(#"{"cmd":"start","minutes":0.1}"#)["class"] as? String == "OK")
        try waitUntil("the -wal file exists") { FileManager.default.fileExists(atPath: daemon.historyPath + "-wal") }
        for file in [daemon.historyPath, daemon.historyPath + "-wal", daemon.historyPath + "-shm"] {
            #expect(try mode(of: file) == 0o600, "\(file)")
        }
        #expect(daemon.terminate() == 0)
        // One left readable by others (by an older breathd) is tightened at the next start.
        chmod(daemon.historyPath, 0o644)
        try daemon.start()
        #expect(try mode(of: daemon.historyPath) == 0o600)
        #expect(daemon.terminate() == 0)
    }

    @Test func theUserUnitKeepsItsStateDirectoryPrivate() throws {
        let unit = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("systemd/user/breathd.service"), encoding: .utf8)
        #expect(unit.split(separator: "\n").contains("StateDirectoryMode=0700"))
    }

    /// A running daemon whose history is on a 1 MiB tmpfs (`fill()` makes it full) and whose
    /// sensor is a FIFO the test writes RR lines to.
    private func daemonWithASensorOnASmallDisk() throws -> (DaemonHarness, ScratchMount, SensorFIFO) {
        let daemon = try DaemonHarness()
        let mount = try ScratchMount(in: daemon.directory, sizeKiB: 1024)
        do {
            let fifo = try SensorFIFO(in: daemon.directory)
            try daemon.reconfigure(sensor: fifo.path, historyPath: mount.path + "/history.sqlite")
            try daemon.start()
            try fifo.open()
            return (daemon, mount, fifo)
        } catch {
            mount.unmount()
            throw error
        }
    }

    /// Sixty beats of a real recording through the sensor, a second's worth every 100 ms; then waits
    /// until the session (0.15 min) has ended with its beats held in memory. Returns `history` of
    /// that status.
    private func feedSixtyBeatsAndWaitUntilHeld(_ daemon: DaemonHarness, _ fifo: SensorFIFO) throws -> [String: Any] {
        let beats = try rrRecording("nsr_5min.txt")
        for chunk in stride(from: 0, to: 60, by: 10) {
            fifo.write(rrMilliseconds: Array(beats[chunk..<chunk + 10]))
            usleep(100_000)
        }
        var history: [String: Any] = [:]
        try waitUntil("the session has ended and its beats are held") {
            let status = try daemon.request(#"{"cmd":"status"}"#)
            history = status["history"] as? [String: Any] ?? [:]
            return status["state"] as? String == "idle" && history["state"] as? String == "retrying"
        }
        return history
    }

    private func expectPacingWithoutHistory(_ daemon: DaemonHarness, path: String, problemMentions word: String) throws {
        let status = try daemon.request(#"{"cmd":"status"}"#)
        let history = try #require(status["history"] as? [String: Any], "\(status)")
        #expect(history["state"] as? String == "unavailable")
        #expect(history["path"] as? String == path)
        let problem = try #require(history["problem"] as? String)
        #expect(problem.contains(path) && problem.contains(word) && problem.contains("restart breathd"), "\(problem)")
        // Pacing goes on.
        let reply = try daemon.request(#"{"cmd":"start","minutes":1}"#)
        #expect(reply["class"] as? String == "OK", "\(reply)")
        #expect(try daemon.request(#"{"cmd":"status"}"#)["state"] as? String == "running")
        // History requests say why they cannot be answered.
        let refused = try daemon.request(#"{"cmd":"history"}"#)
        #expect(refused["class"] as? String == "ERROR")
        #expect((refused["message"] as? String ?? "").contains(path), "\(refused)")
        #expect(daemon.log.contains("pacing without history"))
        #expect(daemon.terminate() == 0)
    }

    private func mode(of path: String) throws -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return info.st_mode & 0o777
    }
}

/// A tmpfs of a given size mounted in a test's directory.
final class ScratchMount {
    let path: String

    init(in directory: URL, sizeKiB: Int) throws {
        path = directory.appendingPathComponent("mnt").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.run("/bin/mount", "-t", "tmpfs", "-o", "size=\(sizeKiB)k,mode=0700", "tmpfs", path)
    }

    func remountReadOnly() throws { try Self.run("/bin/mount", "-o", "remount,ro", path) }

    /// Fills the file system to the last byte.
    func fill() throws {
        let fd = open(path + "/filler", O_WRONLY | O_CREAT, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let block = [UInt8](repeating: 1, count: 4096)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        var one: UInt8 = 1
        while write(fd, &one, 1) == 1 {}
    }

    func freeFiller() { unlink(path + "/filler") }

    func unmount() { try? Self.run("/bin/umount", path) }

    private static func run(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw POSIXError(.EPERM) }
    }
}
