import BreathTestSupport
import Foundation
import Testing

/// End to end: `breathctl simulate` on a pseudo-terminal read by `breathctl sensor`, and
/// `analyze` on waveforms.
// The limit only ends a hang: analysing 30 minutes of ECG twice in a debug build takes 46 s on
// two cores shared with a dozen compilers, and no verdict may depend on the machine's speed.
@Suite(.timeLimit(.minutes(5))) struct SensorCommandsTests {
    static var shared: String { TestPaths.shared.path }

    func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result = try await ClientProcess.run(arguments)
        return (result.status, result.stdout)
    }

    /// Waits until `simulate --link` has made its link (or fails when it exited first).
    static func waitForLink(_ link: String, of simulator: ChildProcess) async throws {
        while (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == nil {
            guard simulator.isRunning else { throw TestTimeout(what: "the simulator's link (it exited: \(simulator.stderr))") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test(arguments: ["rr", "hr", "json", "pulsesensor", "ble-hrm", "ecg", "ppg"])
    func simulateThenSensor(format: String) async throws {
        let link = NSTemporaryDirectory() + "breathctl-sim-\(getpid())-\(format)"
        // It runs until the test stops it: a simulator that finished before a slow (busy) machine
        // started the reader would leave the reader waiting for beats forever.
        let simulator = try ClientProcess.start(["simulate", "--format", format, "--speed", "3", "--link", link])
        defer {
            simulator.stop()
            try? FileManager.default.removeItem(atPath: link)
        }
        try await Self.waitForLink(link, of: simulator)
        // A waveform is detected as ECG; a PPG has to be named.
        let (status, output) = try await run(["sensor", link, "--json", "--count", "20"] + (format == "ppg" ? ["--format", "ppg"] : []))
        #expect(status == 0)
        let lines = output.split(separator: "\n")
        #expect(lines.first?.contains("\"event\": \"connected\"") == true)
        if format != "ppg" { #expect(lines.contains { $0.contains("\"format\": \"\(format)\"") }) }
        let beats = lines.filter { $0.contains("\"rr_ms\"") }
        #expect(beats.count == 20)
        #expect(beats.allSatisfy { $0.contains("\"t\": ") && $0.contains("\"nn\": ") })
    }

    /// A simulator stopped by Ctrl-C, `kill` or a closed terminal removes its link: a daemon still
    /// following it would otherwise open whichever terminal gets that number next and read
    /// someone else's lines. It ends as a shell reports the signal (128 + n).
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func simulateRemovesItsLinkWhenASignalEndsIt(signalNumber: Int32) async throws {
        let link = NSTemporaryDirectory() + "breathctl-sim-signal-\(getpid())-\(signalNumber)"
        let simulator = try ClientProcess.start(["simulate", "--link", link])
        defer {
            simulator.stop()
            try? FileManager.default.removeItem(atPath: link)
        }
        try await Self.waitForLink(link, of: simulator)
        simulator.signal(signalNumber)
        let result = await simulator.result()
        #expect(result.status == 128 + signalNumber, "\(result.stderr)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == nil, "the link is left behind")
    }

    /// `simulate --replay` reads a Windows export (BOM, CRLF or CR, no final newline) as the plain file.
    @Test(arguments: ["\r\n", "\r"])
    func replayReadsWindowsLineEndings(ending: String) async throws {
        let rr = try String(contentsOfFile: Self.shared + "/data/rr/nsr_5min.txt", encoding: .utf8).split(separator: "\n").prefix(40).map { Double($0)! }
        let file = NSTemporaryDirectory() + "breathctl-replay-\(getpid())-\(ending.utf8.count).txt"
        try ("\u{FEFF}rr_ms" + ending + rr.map { String(Int($0)) }.joined(separator: ending)).write(toFile: file, atomically: true, encoding: .utf8)
        let link = NSTemporaryDirectory() + "breathctl-replay-link-\(getpid())-\(ending.utf8.count)"
        // Repeated until the test stops it: a replay that ended before a busy machine started the
        // reader would leave the reader waiting.
        let simulator = try ClientProcess.start(["simulate", "--replay", file, "--speed", "3", "--link", link])
        defer {
            simulator.stop()
            try? FileManager.default.removeItem(atPath: link)
            try? FileManager.default.removeItem(atPath: file)
        }
        try await Self.waitForLink(link, of: simulator)
        let (status, output) = try await run(["sensor", link, "--json", "--count", "20"])
        #expect(status == 0)
        let beats = try output.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .compactMap { $0["rr_ms"] as? Double }
        #expect(beats == Array(rr.prefix(20)), "the file's intervals, in order")
    }

    @Test func analyzeListsTheBeatsOfAnECG() async throws {
        let (status, output) = try await run(["analyze", "--format", "ecg", "--sample-rate", "360", "--beats", "--json", Self.shared + "/data/ecg/mitdb100_mlii_360hz.txt"])
        #expect(status == 0)
        let lines = output.split(separator: "\n")
        #expect(abs(lines.count - 2272) <= 3)
        #expect(lines.first?.hasPrefix("{\"t\": ") == true)
        // Intervals of whole samples at 360 Hz (813.888… ms) to 0.1 ms, times to the millisecond.
        let figures = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        for figure in figures {
            let rr = try #require(figure["rr_ms"] as? Double), t = try #require(figure["t"] as? Double)
            #expect(abs(rr * 10 - (rr * 10).rounded()) < 1e-6 && abs(t * 1000 - (t * 1000).rounded()) < 1e-6, "\(figure)")
        }
        #expect(!output.contains("8888"), "no floating-point noise")
        let perBeat = try await run(["analyze", "--sample-rate", "360", "--per-beat", Self.shared + "/data/ecg/mitdb100_mlii_360hz.txt"])
        let perBeatLines = perBeat.1.split(separator: "\n")
        #expect(perBeat.0 == 0 && !perBeatLines.isEmpty)
        #expect(perBeatLines.allSatisfy { $0.contains(/\srr\s\d+\.\d\sms\s/) }, "RR to 0.1 ms as --beats prints it")
        let (summaryStatus, summary) = try await run(["analyze", "--sample-rate", "360", Self.shared + "/data/ecg/mitdb100_mlii_360hz.txt"])
        #expect(summaryStatus == 0)
        #expect(summary.contains("mean HR          75."))
    }
}
