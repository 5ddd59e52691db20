import ArgumentParser
import HRV
import Sensor

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute HRV and coherence for a recording of RR intervals.",
        discussion: """
            FILE holds one RR interval per line (milliseconds, or seconds when every value is \
            below 10), or CSV whose last column is RR in milliseconds. Lines starting with # and \
            header lines are skipped. The figures are those of docs/hrv-spec.md: causal artifact \
            rejection, time domain over the whole file, VLF/LF/HF by Welch's method, and the mean \
            of the live coherence score updated on every beat once 64 s of beats exist.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case auto, rr, hr, json, pulsesensor
        case bleHRM = "ble-hrm"
        case ecg, ppg
    }

    @Argument(help: "The recording to analyse.")
    var file: String

    @Option(help: "Input format: \(Format.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: Format = .auto

    @Option(help: "Samples per second of ecg/ppg input.")
    var sampleRate: Double = 250

    @Flag(help: "List the beats instead: t (seconds from the start) and rr_ms, one per line.")
    var beats = false

    @Option(help: "Coherence challenge level, 1 (easiest) to 4.")
    var level: Int = 1

    @Flag(help: "Print JSON (the keys of hrv_reference.py).")
    var json = false

    @Flag(help: "One line per beat once 64 s of beats exist, instead of the summary.")
    var perBeat = false

    func validate() throws {
        guard ChallengeLevel(rawValue: level) != nil else {
            throw ValidationError("--level must be between 1 and 4, not \(level).")
        }
        guard (20...10000).contains(sampleRate) else { throw ValidationError("--sample-rate must be between 20 and 10000.") }
    }

    func run() throws {
        let text: String
        do {
            text = try readTextFile(file)
        } catch {
            throw CommandFailure(message: error.description)
        }
        let recording = RecordingInput(text: text, format: format == .auto ? nil : SensorFormat(rawValue: format.rawValue), sampleRateHz: sampleRate)
        if beats {
            printBeats(recording)
            return
        }
        let parsed = recording.parsed
        guard !parsed.rrMilliseconds.isEmpty else {
            throw CommandFailure(message: "\(file): no RR intervals found (expected one value per line, or CSV with RR in the last column).")
        }
        var engine = HRVEngine(configuration: .init(challengeLevel: ChallengeLevel(rawValue: level)!))
        var summary = RecordingSummary()
        var rejected = 0
        for rr in parsed.rrMilliseconds {
            guard let update = engine.add(rrMilliseconds: rr) else {
                rejected += 1
                continue
            }
            summary.add(update)
            if perBeat, update.window != nil { printBeat(update) }
        }
        guard !perBeat else { return }
        guard summary.beatCount > 0 else {
            throw CommandFailure(message: "\(file): no usable RR intervals (all \(rejected) values were zero, negative or not numbers).")
        }
        if json {
            print(summaryJSON(summary).rendered(pretty: true))
        } else {
            print(SummaryReport(file: file, summary: summary, rejectedValues: rejected + parsed.skippedLines, level: level).text)
        }
    }

    private func printBeats(_ recording: RecordingInput) {
        for (t, rr) in recording.beatTimes {
            if json {
                var o = JSONObject()
                o.set("t", (t * 1e6).rounded() / 1e6)
                o.set("rr_ms", rr)
                print(o.rendered())
            } else {
                print("t \(fixed(t, 3)) s  rr \(fixed(rr, 1)) ms")
            }
        }
    }

    private func printBeat(_ update: BeatUpdate) {
        if json {
            print(BeatJSON.object(update).rendered())
        } else {
            let w = update.window!
            let c = update.coherence
            print(
                "beat \(update.beatIndex)  t \(fixed(update.timeSeconds, 3)) s  rr \(fixed(update.rrMilliseconds, 0)) ms  "
                    + "\(update.isNN ? "NN" : "artifact")  HR \(fixed(w.meanHeartRateBPM, 1))  RMSSD \(fixed(w.rmssdMilliseconds, 1))  "
                    + "coherence \(fixed(c?.score, 2)) \(c?.level.rawValue ?? "-")")
        }
    }

    private func summaryJSON(_ s: RecordingSummary) -> JSONObject {
        var o = JSONObject()
        o.set("beats", s.beatCount)
        o.set("duration_s", s.durationSeconds)
        BeatJSON.addTimeDomain(s.timeDomain, to: &o)
        if let f = s.frequencyDomain {
            o.set("vlf_ms2", f.vlfMs2)
            o.set("lf_ms2", f.lfMs2)
            o.set("hf_ms2", f.hfMs2)
            o.set("lf_hf", f.lfHFRatio)
            o.set("lf_nu", f.lfNormalizedUnits)
            o.set("lf_peak_hz", f.lfPeakHz)
        }
        if let mean = s.meanCoherenceScore {
            o.set("mean_coherence_score", mean)
            o.set("coherence_updates", s.coherenceUpdates)
        }
        for level in CoherenceLevel.allCases { o.set("seconds_\(level.rawValue)_coherence", s.secondsInLevel[level] ?? 0) }
        return o
    }
}

/// The per-beat keys of `hrv_reference.py stream`.
enum BeatJSON {
    static func object(_ u: BeatUpdate) -> JSONObject {
        var o = JSONObject()
        o.set("beat", u.beatIndex)
        o.set("t", (u.timeSeconds * 1e6).rounded() / 1e6)
        o.set("rr_ms", u.rrMilliseconds)
        o.set("nn", u.isNN)
        if let w = u.window { addTimeDomain(w, to: &o) }
        if let c = u.coherence {
            o.set("coherence_ratio", c.ratio)
            o.set("coherence_score", c.score)
            o.set("coherence_level", c.level.rawValue)
            o.set("peak_frequency_hz", c.peakFrequencyHz)
            o.set("peak_power_ms2", c.peakPowerMs2)
            o.set("total_power_ms2", c.totalPowerMs2)
        }
        return o
    }

    static func addTimeDomain(_ w: TimeDomainMetrics, to o: inout JSONObject) {
        o.set("nn_count", w.nnCount)
        o.set("artifact_count", w.artifactCount)
        o.set("mean_nn_ms", w.meanNNMilliseconds)
        o.set("mean_hr_bpm", w.meanHeartRateBPM)
        o.set("sdnn_ms", w.sdnnMilliseconds)
        o.set("rmssd_ms", w.rmssdMilliseconds)
        o.set("pnn50_percent", w.pnn50Percent)
    }
}
