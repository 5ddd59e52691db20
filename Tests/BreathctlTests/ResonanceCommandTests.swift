import BreathTestSupport
import Foundation
import HRV
import Numerics
import Sensor
import Testing

/// `breathctl analyze --pacer-rate` and `--assess`, end to end through the binary.
@Suite struct ResonanceCommandTests {
    static let slowBreathing = TestPaths.shared.appendingPathComponent("data/rr/polar_h10_slow_breathing_600s.csv").path
    static let rates = [6.5, 6.0, 5.5, 5.0, 4.5]

    private func object(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "JSON: \(text)")
    }

    /// Two minutes of a simulated heart breathing with a pacer at `rate`, resonating at `resonance`.
    static func simulatedStep(rate: Double, resonance: Double, seed: UInt64) -> String {
        // The command, not the person: an idealised heart (8 bpm RSA at resonance, 8 ms of beat
        // noise, perfect breathing); the realistic person's assessments: ResonanceAssessmentTests.
        var settings = BreathFollowingHeart.Configuration.ideal
        settings.resonanceAmplitudeBPM = 8
        settings.resonanceRatePerMinute = resonance
        settings.noiseMilliseconds = 8
        settings.seed = seed
        // The offline pacer starts at the first beat, about 0.9 s after this one: the analysed
        // phase reads some 30° earlier than the simulated lag, which the choice of rate ignores.
        var heart = BreathFollowingHeart(
            configuration: settings, pacerRatePerMinute: rate, pacer: BreathCyclePosition.uniformPacer(ratePerMinute: rate, startSeconds: 0))
        var t = 0.0
        var lines = ["# simulated, pacer \(rate)/min"]
        while t < 120 {
            let rr = heart.nextRRMilliseconds()
            t += rr / 1000
            lines.append("\((rr * 1000).rounded() / 1000)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A directory of simulated steps whose names sort in the order of `rates`.
    static func assessmentDirectory(resonance: Double) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assess-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (i, rate) in rates.enumerated() {
            try simulatedStep(rate: rate, resonance: resonance, seed: UInt64(20 + i))
                .write(to: dir.appendingPathComponent("step\(i + 1).txt"), atomically: true, encoding: .utf8)
        }
        return dir
    }

    /// The real recording breathes at about 4/min (its LF peak is 0.0625 Hz): the figures must be
    /// finite and physiologically plausible. The values printed are those in the README.
    @Test func pacerRateOnTheRealSlowBreathingRecording() async throws {
        let result = try await ClientProcess.run(["analyze", Self.slowBreathing, "--pacer-rate", "4", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        print(result.stdout)
        let o = try object(result.stdout)
        #expect(o["pacer_rate_bpm"] as? Double == 4)
        // 600 s less 30 s of settling at 15 s a cycle, the last one cut: 37 or 38 cycles.
        #expect((37...38).contains(try #require(o["breath_cycles"] as? Int)))
        let swing = try #require(o["peak_to_trough_bpm"] as? Double)
        #expect(swing.isFinite && swing > 5 && swing < 30, "slow breathing swings HR by 5-30 bpm: \(swing)")
        let power = try #require(o["lf_power_at_pacer_ms2"] as? Double)
        let lf = 5308.3  // the recording's whole LF band (README)
        #expect(power > 0.3 * lf && power < lf, "most LF power lies at the breathing rate: \(power)")
        let coherence = try #require(o["mean_coherence_score"] as? Double)
        #expect(coherence > 1.8 && coherence <= 16)
        let synchrony = try #require(o["synchrony"] as? Double)
        #expect(synchrony >= 0 && synchrony <= 1)
        let phase = try #require(o["phase_degrees"] as? Double)
        #expect(phase > -180 && phase <= 180)

        // Breathing near 4/min: the figure at 4/min beats that at 6/min.
        let six = try object(try await ClientProcess.run(["analyze", Self.slowBreathing, "--pacer-rate", "6", "--json"]).stdout)
        #expect(try #require(six["lf_power_at_pacer_ms2"] as? Double) < power)
        #expect(try #require(six["synchrony"] as? Double) < synchrony)
    }

    @Test func pacerRateTextNamesEveryFigure() async throws {
        let result = try await ClientProcess.run(["analyze", Self.slowBreathing, "--pacer-rate", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        for label in ["4.0 breaths/min", "breath cycles", "peak-to-trough HR", "LF power at pacer", "mean coherence", "synchrony"] {
            #expect(result.stdout.contains(label), "shows \(label)")
        }
    }

    @Test(arguments: [4.5, 5.5])
    func assessmentPicksTheSimulatedResonanceRate(resonance: Double) async throws {
        let dir = try Self.assessmentDirectory(resonance: resonance)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rates = Self.rates.map { "\($0)" }.joined(separator: ",")
        let json = try await ClientProcess.run(["analyze", "--assess", dir.path, "--rates", rates, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let o = try object(json.stdout)
        #expect(o["resonance_rate_bpm"] as? Double == resonance)
        let steps = try #require(o["steps"] as? [[String: Any]])
        #expect(steps.map { $0["pacer_rate_bpm"] as? Double } == Self.rates)
        #expect(steps.map { ($0["file"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } } == (1...5).map { "step\($0).txt" })
        for step in steps {
            for key in ["peak_to_trough_bpm", "lf_power_at_pacer_ms2", "mean_coherence_score", "synchrony", "phase_degrees"] {
                #expect((step[key] as? Double)?.isFinite == true, "\(key) in \(step)")
            }
        }

        let table = try await ClientProcess.run(["analyze", "--assess", dir.path, "--rates", rates])
        #expect(table.status == 0)
        print(table.stdout)
        #expect(table.stdout.contains("resonance rate: \(resonance) breaths/min"))
        let marked = table.stdout.split(separator: "\n").filter { $0.hasSuffix("<- resonance") }
        #expect(marked.count == 1 && marked[0].hasPrefix(String(format: "%8.1f", resonance)))
    }

    @Test func filesAreTakenInTheOrderGiven() async throws {
        let dir = try Self.assessmentDirectory(resonance: 6.5)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Step 1 (6.5/min) named last: its rate must be the last one too.
        let files = (2...5).map { dir.appendingPathComponent("step\($0).txt").path } + [dir.appendingPathComponent("step1.txt").path]
        let result = try await ClientProcess.run(["analyze", "--assess"] + files + ["--rates", "6.0,5.5,5.0,4.5,6.5", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try object(result.stdout)["resonance_rate_bpm"] as? Double == 6.5)
    }

    @Test(arguments: [
        (["analyze", "--assess", "/nonexistent", "--rates", "6"], "/nonexistent"),
        (["analyze", "--assess", "a", "b"], "--assess needs --rates"),
        (["analyze", "--assess", "a", "--rates", "6,abc"], "--rates must be"),
        (["analyze", "x.txt", "--pacer-rate", "0"], "--pacer-rate must be between 1 and 30"),
        (["analyze", "x.txt", "--rates", "6"], "--rates goes with --assess"),
    ])
    func badOptionsAreRefused(arguments: [String], message: String) async throws {
        let result = try await ClientProcess.run(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func ratesMustMatchTheRecordings() async throws {
        let result = try await ClientProcess.run(["analyze", "--assess", Self.slowBreathing, "--rates", "6,5"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("1 recordings but --rates 2 rates"), "\(result.stderr)")
    }
}
