import BreathTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15: `history`, `session`, `export` and `report` read the SQLite file read-only when the
/// daemon is not running, and print what the daemon would have printed.
@Suite(.serialized) struct HistoryWithoutDaemonEndToEndTests {
    @Test func theHistoryCommandsReadTheFileWhenTheDaemonIsNotRunning() throws {
        let daemon = try DaemonHarness()
        let fifo = try SensorFIFO(in: daemon.directory)
        try daemon.reconfigure(sensor: fifo.path)
        try daemon.start()
        try fifo.open()
        let beats = try rrRecording("nsr_5min.txt")
        let reply = try daemon.request(#"{"cmd":"start","minutes":0.1,"rate":6}"#)
        let id = try #require(reply["session"] as? Int, "\(reply)")
        for chunk in stride(from: 0, to: 40, by: 10) {
            fifo.write(rrMilliseconds: Array(beats[chunk..<chunk + 10]))
            usleep(300_000)
        }
        try waitUntil("the session is stored") {
            let rows = try daemon.request(#"{"cmd":"history"}"#)["sessions"] as? [[String: Any]] ?? []
            return rows.first { $0["id"] as? Int == id }?["end_reason"] != nil
        }
        let breathctl = DaemonHarness.binDirectory.appendingPathComponent("breathctl").path
        let commands: [[String]] = [
            ["history"], ["history", "--json"], ["session", "\(id)"], ["session", "last", "--json"],
            ["export", "\(id)"], ["export", "\(id)", "--format", "json"],
        ]
        var fromDaemon: [String] = []
        for command in commands {
            let run = try runProgram(breathctl, command + ["--socket", daemon.socketPath])
            #expect(run.status == 0, "\(command): \(run.output)")
            fromDaemon.append(run.output)
        }
        fifo.close()
        #expect(daemon.terminate() == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: daemon.historyPath))

        // Found through the same configuration file the daemon used: the same output.
        for (command, expected) in zip(commands, fromDaemon) {
            let run = try runProgram(breathctl, command + ["--socket", daemon.socketPath, "--config", daemon.configPath])
            #expect(run.status == 0, "\(command): \(run.output)")
            #expect(run.output == expected, "\(command)")
        }
        let svg = daemon.directory.appendingPathComponent("report.svg").path
        let report = try runProgram(breathctl, ["report", "\(id)", "--socket", daemon.socketPath, "--config", daemon.configPath, "--output", svg])
        #expect(report.status == 0, "\(report.output)")
        #expect((try? String(contentsOfFile: svg, encoding: .utf8))?.contains("<svg") == true)

        // Found through the daemon's default lookup: $STATE_DIRECTORY, no configuration file.
        let state = daemon.directory.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        // A WAL database is the file and its -wal (what is not yet checkpointed): copy both.
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: daemon.historyPath + suffix) {
            try FileManager.default.copyItem(atPath: daemon.historyPath + suffix, toPath: state.appendingPathComponent("history.sqlite" + suffix).path)
        }
        let emptyConfigHome = daemon.directory.appendingPathComponent("config-home").path
        let byDefault = try runProgram(
            breathctl, ["history", "--json", "--socket", daemon.socketPath],
            environment: ["STATE_DIRECTORY": state.path, "XDG_CONFIG_HOME": emptyConfigHome])
        #expect(byDefault.status == 0 && byDefault.output == fromDaemon[1], "\(byDefault.output)")

        // Read-only: the database is byte for byte what the daemon left.
        #expect(try Data(contentsOf: URL(fileURLWithPath: daemon.historyPath)) == before)

        // A miss is worded as the daemon words it; no file at all names the path and exits 69.
        let missing = try runProgram(breathctl, ["session", "9999", "--socket", daemon.socketPath, "--config", daemon.configPath])
        #expect(missing.status == 1 && missing.output.contains("no session 9999 in history"), "\(missing.output)")
        let nowhere = daemon.directory.appendingPathComponent("nowhere").path
        let absent = try runProgram(
            breathctl, ["history", "--socket", daemon.socketPath],
            environment: ["STATE_DIRECTORY": nowhere, "XDG_CONFIG_HOME": emptyConfigHome])
        #expect(absent.status == 69 && absent.output.contains("\(nowhere)/history.sqlite"), "\(absent.output)")
    }
}
