import BreathProtocol
import Foundation
import HRV
import SessionAnalysis
import Sensor

/// `analyze --pacer-rate` and `analyze --assess`: the resonance figures of recordings made at
/// known pacer rates (issue 8), with the pacer taken as cycles of 60/R s from the first beat.
enum ResonanceAnalysis {
    /// The engine's update for every usable beat of a recording, as `analyze` computes them.
    static func updates(file: String, format: SensorFormatSetting, sampleRateHz: Double, level: ChallengeLevel) throws -> [BeatUpdate] {
        let parsed = try RecordingInput.reading(file, format: format.format, sampleRateHz: sampleRateHz).requiringIntervals(in: file)
        var engine = HRVEngine(configuration: .init(challengeLevel: level))
        var updates: [BeatUpdate] = []
        engine.addRecording(rrMilliseconds: parsed.rrMilliseconds) { if let update = $0 { updates.append(update) } }
        guard !updates.isEmpty else { throw CommandFailure(message: "\(file): no usable RR intervals.") }
        return updates
    }

    static func figures(file: String, rate: Double, format: SensorFormatSetting, sampleRateHz: Double, level: ChallengeLevel) throws -> ResonanceFigures {
        ResonanceFigures(updates: try updates(file: file, format: format, sampleRateHz: sampleRateHz, level: level), breathingRatePerMinute: rate)
    }

    /// The recordings of `--assess`: files as given, a directory's (non-hidden) files sorted by name.
    static func files(_ arguments: [String]) throws -> [String] {
        var out: [String] = []
        for path in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CommandFailure(message: "\(path): No such file or directory")
            }
            guard isDirectory.boolValue else {
                out.append(path)
                continue
            }
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
                throw CommandFailure(message: "\(path): cannot list the directory: \(error.localizedDescription)")
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let full = (path as NSString).appendingPathComponent(name)
                var nested: ObjCBool = false
                if FileManager.default.fileExists(atPath: full, isDirectory: &nested), !nested.boolValue { out.append(full) }
            }
        }
        return out
    }

    /// The pacer rates, breaths per minute, a recording may have been made at (`--pacer-rate`,
    /// `--rates`): wider than the daemon's pacer, for recordings made with other pacers.
    static let recordedRateRange: ClosedRange<Double> = 1...30

    /// "6.5,6.0,5.5" as breaths per minute; `nil` unless every one is in `recordedRateRange`.
    static func rates(_ text: String) -> [Double]? {
        var out: [Double] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let rate = Double(part.trimmingCharacters(in: .whitespaces)), recordedRateRange.contains(rate) else { return nil }
            out.append(rate)
        }
        return out
    }

    private typealias D = FigureRounding.Decimals

    static func json(_ f: ResonanceFigures, file: String) -> JSONObject {
        var o = JSONObject()
        o.set("file", file)
        o.set("pacer_rate_bpm", f.breathingRatePerMinute, decimals: D.breathsPerMinute)
        o.set("pacer_frequency_hz", f.pacerFrequencyHz, decimals: D.frequencyHz)
        o.set("breath_cycles", f.cycleCount)
        o.set("peak_to_trough_bpm", f.peakToTroughBPM, decimals: D.heartRateBPM)
        o.set("lf_power_at_pacer_ms2", f.lfPowerAtPacerMs2, decimals: D.powerMs2)
        o.set("mean_coherence_score", f.meanCoherenceScore, decimals: D.score)
        o.set("synchrony", f.synchrony, decimals: D.score)
        o.set("phase_degrees", f.phaseDegrees, decimals: D.degrees)
        return o
    }

    static func text(_ f: ResonanceFigures, file: String) -> String {
        let phase = f.phaseDegrees.map { p in p >= 0 ? "HR \(fixed(p, 0))° behind the breath" : "HR \(fixed(-p, 0))° ahead of the breath" }
        return [
            "\(file) at \(fixed(f.breathingRatePerMinute, 1)) breaths/min (pacer \(fixed(f.pacerFrequencyHz, 4)) Hz)",
            "  breath cycles      \(f.cycleCount) (after \(Int(ResonanceFigures.settlingSeconds)) s of settling)",
            "  peak-to-trough HR  \(fixed(f.peakToTroughBPM, 1)) bpm",
            "  LF power at pacer  \(fixed(f.lfPowerAtPacerMs2, 1)) ms² (within ±\(ResonanceFigures.pacerBandHalfWidthHz) Hz)",
            "  mean coherence     \(fixed(f.meanCoherenceScore, 2))",
            "  synchrony          \(fixed(f.synchrony, 2))" + (phase.map { " (\($0))" } ?? ""),
        ].joined(separator: "\n")
    }

    /// `{"steps": [...], "resonance_rate_bpm": R}`, indented like the summary.
    static func assessmentJSON(_ steps: [(file: String, figures: ResonanceFigures)], chosen: Int?) -> String {
        let objects = steps.map { "  " + json($0.figures, file: $0.file).rendered() }
        let rate = chosen.map { "\(steps[$0].figures.breathingRatePerMinute)" } ?? "null"
        return "{\n \"steps\": [\n" + objects.joined(separator: ",\n") + "\n ],\n \"resonance_rate_bpm\": \(rate)\n}"
    }
}
