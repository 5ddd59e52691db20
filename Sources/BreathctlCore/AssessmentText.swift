import BreathProtocol

/// Assessments as text: the live progress line and the table of figures per rate, shared by
/// `assess`, `session` of an assessment and `analyze --assess`.
enum AssessmentText {
    /// "step 2/5 at 6 breaths/min: pacing, 1:12 left"
    static func progress(_ a: AssessmentProgress, stageSecondsLeft: Double) -> String {
        let head = "step \(a.step)/\(a.steps) at \(Readable.setting(a.rateBreathsPerMinute)) breaths/min"
        switch a.stage {
        case .announcing: return head + ": listen for the chime"
        case .pacing: return head + ": breathe with the pacer, \(Readable.duration(seconds: stageSecondsLeft, rounding: .up)) left"
        case .resting: return head + " done; rest, \(Readable.duration(seconds: stageSecondsLeft, rounding: .up)) until the next rate"
        case .finished:
            let chosen = a.result?.resonanceRateBPM.map { "resonance rate \(Readable.setting($0)) breaths/min" }
            return "finished: " + (chosen ?? "no resonance rate (too few beats)")
        }
    }

    /// One row per rate, the chosen one marked, then the choice in words. `labels` (file names of
    /// `analyze --assess`) end each row when given.
    static func table(_ steps: [AssessmentStep], chosen: Int?, labels: [String]? = nil, complete: Bool = true) -> String {
        func column(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(width - s.count, 0)) + s }
        var lines = ["rate/min  peak-to-trough bpm  LF at pacer ms²  coherence  synchrony  phase °" + (labels == nil ? "" : "  file")]
        for (i, step) in steps.enumerated() {
            lines.append(
                column(fixed(step.rateBreathsPerMinute, 1), 8) + column(fixed(step.peakToTroughBPM, 1), 20)
                    + column(fixed(step.lfPowerAtPacerMs2, 1), 17) + column(fixed(step.meanCoherenceScore, 2), 11)
                    + column(fixed(step.synchrony, 2), 11) + column(fixed(step.phaseDegrees, 0), 9)
                    + (labels.map { "  \($0[i])" } ?? "") + (i == chosen ? "  <- resonance" : ""))
        }
        if let chosen {
            lines.append("resonance rate: \(fixed(steps[chosen].rateBreathsPerMinute, 1)) breaths/min")
        } else if !complete {
            lines.append("resonance rate: none (the assessment ended before every rate was paced)")
        } else {
            lines.append("resonance rate: none (no rate has two beats in a breath cycle after settling)")
        }
        return lines.joined(separator: "\n")
    }

    /// The table of a stored or just finished assessment; `complete` when it paced every rate.
    static func table(_ result: AssessmentResult, complete: Bool) -> String {
        let chosen = result.resonanceRateBPM.flatMap { rate in result.steps.firstIndex { $0.rateBreathsPerMinute == rate } }
        return table(result.steps, chosen: chosen, complete: complete)
    }
}
