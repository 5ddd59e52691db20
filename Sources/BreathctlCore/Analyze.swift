import ArgumentParser
import SessionAnalysis
import BreathProtocol
import HRV
import Sensor

struct Analyze: ParsableCommand {
    private typealias D = FigureRounding.Decimals

    static let configuration = CommandConfiguration(
        abstract: "Compute HRV and coherence for a recording: RR intervals, heart rates or an ECG/PPG waveform.",
        discussion: """
            FILE holds one RR interval per line (milliseconds, or seconds when every value is \
            below 10), or CSV whose last column is RR in milliseconds; any sensor format is read \
            too (--format, waveforms at --sample-rate). Lines starting with # and header lines are \
            skipped. The figures are those of docs/hrv-spec.md, with artifacts \
            classified as in docs/hrv-classifier.md (Lipponen & Tarvainen, centred windows): time domain over the whole file, VLF/LF/HF by Welch's method, and the mean \
            of the live coherence score updated on every beat once 64 s of beats exist.

            --pacer-rate R gives the resonance figures of a recording made breathing with a pacer \
            at R breaths per minute (cycles of 60/R s from the first beat, the first 30 s \
            discarded): mean peak-to-trough HR per breath, LF power at the pacer frequency, mean \
            coherence score and breath-heart synchrony. --assess FILES_OR_DIR --rates R1,R2,... \
            does that for each recording of a stepped assessment and picks the resonance rate.
            """
    )

    @Argument(help: ArgumentHelp("The recording to analyse.", valueName: "file"))
    var file: String?

    @Option(help: "Input format: \(SensorFormatSetting.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: SensorFormatSetting = .auto

    @Option(help: ArgumentHelp("Samples per second of ecg/ppg input, 20-10000.", valueName: "hz"))
    var sampleRate: Double = 250

    @Flag(help: "List the beats instead: t (seconds from the start) and rr_ms, one per line.")
    var beats = false

    @Flag(help: "With --beats: classify artifacts as the daemon does live (3 beats of look-ahead), not with centred windows.")
    var live = false

    @Option(help: ArgumentHelp("Coherence challenge level, 1 (easiest) to 4.", valueName: "1-4"))
    var level: Int = 1

    @Flag(help: "Print JSON: the keys of hrv_reference.py, figures rounded to their measurement's precision.")
    var json = false

    @Flag(help: "One line per beat once 64 s of beats exist, instead of the summary.")
    var perBeat = false

    @Option(help: ArgumentHelp("The recording was made breathing with a pacer at this many breaths per minute (1-30): print its resonance figures.", valueName: "breaths-per-minute"))
    var pacerRate: Double?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Recordings of a resonance assessment, one per rate (a directory: its files sorted by name).", valueName: "files-or-dir"))
    var assess: [String] = []

    @Option(help: ArgumentHelp("The pacer rates of the --assess recordings, in their order, each 1-30 breaths per minute, e.g. 6.5,6.0,5.5,5.0,4.5.", valueName: "list"))
    var rates: String?

    func validate() throws {
        guard ChallengeLevel(rawValue: level) != nil else {
            throw ValidationError("--level must be between 1 and 4, not \(level).")
        }
        try ArgumentCheck.waveformSampleRate(sampleRate)
        if !assess.isEmpty {
            guard file == nil, pacerRate == nil, !beats, !perBeat else {
                throw ValidationError("--assess takes the recordings itself; it does not go with FILE, --pacer-rate, --beats or --per-beat.")
            }
            guard let rates else { throw ValidationError("--assess needs --rates, one per recording.") }
            guard ResonanceAnalysis.rates(rates) != nil else {
                throw ValidationError("--rates must be breathing rates between 1 and 30 per minute separated by commas, not \"\(rates)\".")
            }
            return
        }
        guard file != nil else { throw ValidationError("Missing expected argument '<file>'") }
        guard !live || beats else { throw ValidationError("--live goes with --beats.") }
        guard rates == nil else { throw ValidationError("--rates goes with --assess.") }
        if let pacerRate {
            guard ResonanceAnalysis.recordedRateRange.contains(pacerRate) else { throw ValidationError("--pacer-rate must be between 1 and 30 breaths per minute.") }
            guard !beats, !perBeat else { throw ValidationError("--pacer-rate does not go with --beats or --per-beat.") }
        }
    }

    func run() throws {
        if !assess.isEmpty { return try runAssessment() }
        let file = file!
        if let pacerRate {
            let figures = try ResonanceAnalysis.figures(
                file: file, rate: pacerRate, format: format, sampleRateHz: sampleRate, level: ChallengeLevel(rawValue: level)!)
            print(json ? ResonanceAnalysis.json(figures, file: file).rendered(pretty: true) : ResonanceAnalysis.text(figures, file: file))
            return
        }
        let configured = format.format
        let waveform: Sensor.SensorFormat?
        do {
            waveform = try WaveformRecording.format(of: file, configured: configured, sampleRateHz: sampleRate)
        } catch {
            throw CommandFailure(message: error.description)
        }
        var engine = HRVEngine(configuration: .init(challengeLevel: ChallengeLevel(rawValue: level)!))
        var summary = RecordingSummary()
        var rejected = 0
        var rrMilliseconds: [Double] = []
        let skippedLines: Int
        if let waveform {
            // Streamed: half an hour of ECG is millions of lines; only its beats are kept.
            var t = 0.0
            var beatTimes: [(Double, Double)] = []
            let counters: RejectedInputCounters
            do {
                counters = try WaveformRecording.forEachBeat(path: file, format: waveform, sampleRateHz: sampleRate) { beat in
                    t += beat.rrMilliseconds / 1000
                    rrMilliseconds.append(beat.rrMilliseconds)
                    if beats { beatTimes.append((beat.signalTimeSeconds ?? t, beat.rrMilliseconds)) }
                }
            } catch {
                throw CommandFailure(message: error.description)
            }
            if beats {
                printBeats(beatTimes)
                return
            }
            guard t > 0 else {
                throw CommandFailure(message: "\(file): no heart beats found in the \(waveform.rawValue) waveform at \(fixed(sampleRate, 0)) samples per second (check --sample-rate).")
            }
            skippedLines = counters.total
        } else {
            let recording = try RecordingInput.reading(file, format: configured, sampleRateHz: sampleRate)
            if beats {
                printBeats(recording.beatTimes)
                return
            }
            let parsed = try recording.requiringIntervals(in: file)
            rrMilliseconds = parsed.rrMilliseconds
            skippedLines = parsed.skippedLines
        }
        // Offline, the classifier uses its full centred windows: the whole series first.
        engine.addRecording(rrMilliseconds: rrMilliseconds) { update in
            guard let update else {
                rejected += 1
                return
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
            print(SummaryReport(file: file, summary: summary, rejectedValues: rejected + skippedLines, level: level).text)
        }
    }

    private func runAssessment() throws {
        let files = try ResonanceAnalysis.files(assess)
        let rates = ResonanceAnalysis.rates(self.rates!)!
        guard files.count == rates.count else {
            throw CommandFailure(message: "--assess has \(files.count) recordings but --rates \(rates.count) rates; give one rate per recording, in order.")
        }
        let steps = try zip(files, rates).map { file, rate in
            (file: file, figures: try ResonanceAnalysis.figures(
                file: file, rate: rate, format: format, sampleRateHz: sampleRate, level: ChallengeLevel(rawValue: level)!))
        }
        let chosen = ResonanceChoice.choose(steps.map(\.figures))
        print(
            json
                ? ResonanceAnalysis.assessmentJSON(steps, chosen: chosen)
                : AssessmentText.table(steps.map { AssessmentStep($0.figures) }, chosen: chosen, labels: steps.map(\.file)))
    }

    private func printBeats(_ beatTimes: [(Double, Double)]) {
        let kinds = HRVEngine.classifyRecording(rrMilliseconds: beatTimes.map(\.1), live: live)
        for ((t, rr), kind) in zip(beatTimes, kinds) {
            if json {
                var o = JSONObject()
                o.set("t", t, decimals: D.seconds)
                o.set("rr_ms", rr, decimals: D.rrMilliseconds)
                // Not a beat at all (zero, negative, beyond 600 s): nn false, artifact "rejected".
                o.set("nn", kind.map { $0 == nil } ?? false)
                if let kind, let kind { o.set("artifact", kind.rawValue) } else if kind == nil { o.set("artifact", "rejected") }
                print(o.rendered())
            } else {
                let note = kind.map { $0.map { "  artifact (\($0.rawValue))" } ?? "" } ?? "  rejected"
                print("t \(fixed(t, D.seconds)) s  rr \(fixed(rr, D.rrMilliseconds)) ms\(note)")
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
                "beat \(update.beatIndex)  t \(fixed(update.timeSeconds, 3)) s  rr \(fixed(update.rrMilliseconds, D.rrMilliseconds)) ms  "
                    + "\(update.isNN ? "NN" : "artifact")  HR \(fixed(w.meanHeartRateBPM, 1))  RMSSD \(fixed(w.rmssdMilliseconds, 1))  "
                    + "coherence \(fixed(c?.score, 2)) \(c?.level.rawValue ?? "-")")
        }
    }

    private func summaryJSON(_ s: RecordingSummary) -> JSONObject {
        var o = JSONObject()
        o.set("beats", s.beatCount)
        o.set("duration_s", s.durationSeconds, decimals: D.seconds)
        BeatJSON.addTimeDomain(s.timeDomain, to: &o)
        if let f = s.frequencyDomain {
            o.set("vlf_ms2", f.vlfMs2, decimals: D.powerMs2)
            o.set("lf_ms2", f.lfMs2, decimals: D.powerMs2)
            o.set("hf_ms2", f.hfMs2, decimals: D.powerMs2)
            o.set("lf_hf", f.lfHFRatio, decimals: D.ratio)
            o.set("lf_nu", f.lfNormalizedUnits, decimals: D.percent)
            o.set("lf_peak_hz", f.lfPeakHz, decimals: D.frequencyHz)
        }
        if let mean = s.meanCoherenceScore {
            o.set("mean_coherence_score", mean, decimals: D.score)
            o.set("coherence_updates", s.coherenceUpdates)
        }
        for level in CoherenceLevel.allCases { o.set("seconds_\(level.rawValue)_coherence", s.secondsInLevel[level] ?? 0, decimals: D.seconds) }
        return o
    }
}

/// The per-beat keys of `hrv_reference.py stream`, each figure rounded to its measurement's
/// precision (the reference prints every digit; tests compare within the rounding).
enum BeatJSON {
    private typealias D = FigureRounding.Decimals

    static func object(_ u: BeatUpdate) -> JSONObject {
        var o = JSONObject()
        o.set("beat", u.beatIndex)
        o.set("t", u.timeSeconds, decimals: D.seconds)
        o.set("rr_ms", u.rrMilliseconds, decimals: D.rrMilliseconds)
        o.set("nn", u.isNN)
        if let w = u.window { addTimeDomain(w, to: &o) }
        if let c = u.coherence {
            o.set("coherence_ratio", c.ratio, decimals: D.score)
            o.set("coherence_score", c.score, decimals: D.score)
            o.set("coherence_level", c.level.rawValue)
            o.set("peak_frequency_hz", c.peakFrequencyHz, decimals: D.frequencyHz)
            o.set("peak_power_ms2", c.peakPowerMs2, decimals: D.powerMs2)
            o.set("total_power_ms2", c.totalPowerMs2, decimals: D.powerMs2)
        }
        return o
    }

    static func addTimeDomain(_ w: TimeDomainMetrics, to o: inout JSONObject) {
        o.set("nn_count", w.nnCount)
        o.set("artifact_count", w.artifactCount)
        o.set("mean_nn_ms", w.meanNNMilliseconds, decimals: D.milliseconds)
        o.set("mean_hr_bpm", w.meanHeartRateBPM, decimals: D.heartRateBPM)
        o.set("sdnn_ms", w.sdnnMilliseconds, decimals: D.milliseconds)
        o.set("rmssd_ms", w.rmssdMilliseconds, decimals: D.milliseconds)
        o.set("pnn50_percent", w.pnn50Percent, decimals: D.percent)
    }
}
