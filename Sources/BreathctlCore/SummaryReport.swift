import HRV

/// The human-readable summary `breathctl analyze` prints.
struct SummaryReport {
    let file: String
    let summary: RecordingSummary
    let rejectedValues: Int
    let level: Int

    var text: String {
        let td = summary.timeDomain
        let fd = summary.frequencyDomain
        let total = Double(summary.beatCount)
        var lines = [
            "\(file)",
            "  beats            \(summary.beatCount) in \(duration(summary.durationSeconds))"
                + (rejectedValues > 0 ? " (\(rejectedValues) unusable lines or values skipped)" : ""),
            "  artifacts        \(td.artifactCount) (\(fixed(100 * Double(td.artifactCount) / total, 1)) %)",
            "  mean HR          \(fixed(td.meanHeartRateBPM, 1)) bpm (mean NN \(fixed(td.meanNNMilliseconds, 1)) ms)",
            "  SDNN             \(fixed(td.sdnnMilliseconds, 1)) ms",
            "  RMSSD            \(fixed(td.rmssdMilliseconds, 1)) ms",
            "  pNN50            \(fixed(td.pnn50Percent, 1)) %",
        ]
        if let fd {
            lines += [
                "  VLF / LF / HF    \(fixed(fd.vlfMs2, 1)) / \(fixed(fd.lfMs2, 1)) / \(fixed(fd.hfMs2, 1)) ms²",
                "  LF/HF            \(fixed(fd.lfHFRatio, 2))  (LF \(fixed(fd.lfNormalizedUnits, 1)) n.u., LF peak \(fixed(fd.lfPeakHz, 4)) Hz)",
            ]
        } else {
            lines.append("  frequency domain not enough NN beats")
        }
        if let mean = summary.meanCoherenceScore {
            let inLevel = CoherenceLevel.allCases.map { "\($0.rawValue) \(duration(summary.secondsInLevel[$0] ?? 0))" }
            lines += [
                "  coherence        mean score \(fixed(mean, 2)) over \(summary.coherenceUpdates) updates (challenge level \(level))",
                "  time in level    " + inLevel.joined(separator: ", "),
            ]
        } else {
            lines.append("  coherence        needs at least 64 s of beats")
        }
        return lines.joined(separator: "\n")
    }

    private func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600) h \(s % 3600 / 60) min" : (s >= 60 ? "\(s / 60) min \(s % 60) s" : "\(s) s")
    }
}

/// `value` with `digits` decimals, or "-" where there is no value.
func fixed(_ value: Double?, _ digits: Int) -> String {
    guard let value, value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    let integer = Int(rounded / scale)
    var text = "\(value < 0 && rounded > 0 ? "-" : "")\(integer)"
    if digits > 0 {
        let fraction = String(Int(rounded) - integer * Int(scale))
        text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
    return text
}
