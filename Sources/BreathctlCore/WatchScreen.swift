import BreathProtocol

/// Draws the live `watch` view of a `WatchModel` as lines of text with ANSI colours, filling the
/// terminal: the session, the pacer's bar, the heart's wave over the breath (`WatchChart`), then
/// heart rate, coherence, following and the devices.
///
///     breathd   running · session 13 · 2:05 elapsed · 7:55 left
///     inhale    ▕██████████████▌            ▏ breath 11 · 5.5/min, in 50 %
///           73┤⠀⠀⠀⢀⠔⠉⠢⡀⠀⠀⠀⠀⠀⢀⠤⠊⠑⢄⠀⠀  (the chart: as many rows as the terminal has)
///           61┤⠤⠊░░░░░░░⠑⠤⠤⠊░░░░░░⠈⠢
///             └ -60 s ───────────── now
///     heart     62 bpm · mean 59.4 bpm · RMSSD 42 ms
///     coherence 1.35 medium ↗ ▁▂▃▃▄▅▆▆▇█
///     sensor    streaming /dev/ttyUSB0 · audio playing
struct WatchScreen {
    var columns: Int
    var rows: Int = 24
    var colour: Bool

    private static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]
    private static let sparks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// Fewer chart rows than this and the chart is left out (a very short terminal).
    static let minimumChartRows = 4

    func render(_ model: WatchModel, at now: Double) -> [String] {
        let top = [header(model, at: now)] + assessment(model, at: now) + [bar(model, at: now)]
        let bottom = [heart(model, at: now), coherence(model, at: now)]
            + (model.hrv?.synchrony == nil ? [] : ["following".leftAligned(width: 10) + following(model, at: now)])
            + [devices(model)] + (model.daemonGone ? [paint("breathd closed the connection", code: "31", bold: true)] : [])
        // The last row stays empty: writing into it would scroll the terminal.
        let chartRows = rows - 1 - top.count - bottom.count - 1
        let chart = chartRows >= Self.minimumChartRows
            ? WatchChart(columns: columns - 1, rows: chartRows, colour: colour).render(model.trace, at: now) : []
        return (top + chart + bottom).map(fitted)
    }

    /// Cut to the terminal's width: a line that wrapped would shift every following frame down.
    /// Escape sequences take no columns, so they are kept and not counted.
    private func fitted(_ line: String) -> String {
        var visible = 0, inEscape = false, result = ""
        for character in line {
            if character == "\u{1B}" {
                inEscape = true
            } else if inEscape {
                if character.isLetter { inEscape = false }
            } else {
                guard visible < columns - 1 else { return result + (colour ? "\u{1B}[0m" : "") }
                visible += 1
            }
            result.append(character)
        }
        return result
    }

    private func header(_ model: WatchModel, at now: Double) -> String {
        var parts = [paint(model.state.rawValue, bold: true)]
        if let session = model.session {
            let elapsed = session.elapsedSeconds(at: now)
            parts.append("session \(session.id)")
            parts.append("\(Readable.duration(seconds: elapsed, rounding: .down)) elapsed")
            parts.append("\(Readable.duration(seconds: session.durationSeconds - elapsed, rounding: .up)) left")
        } else if let finished = model.lastFinished {
            parts.append(finished)
        } else {
            parts.append("no session")
        }
        return "breathd".leftAligned(width: 10) + parts.joined(separator: " · ")
    }

    /// "step 2/5 · 6.0 breaths/min · pacing, 1:12 left" while an assessment runs.
    private func assessment(_ model: WatchModel, at now: Double) -> [String] {
        guard let a = model.assessment, let left = model.assessmentStageSecondsLeft(at: now) else { return [] }
        return ["assess".leftAligned(width: 10) + AssessmentText.progress(a, stageSecondsLeft: left)]
    }

    private func bar(_ model: WatchModel, at now: Double) -> String {
        guard let phase = model.phase, let fill = model.breathFill(at: now) else {
            let idle = model.assessment.map { $0.stage == .resting ? "rest: breathe as you like" : "listen for the chime" }
            return "pacer".leftAligned(width: 10) + (idle ?? "waiting for a session")
        }
        let label = model.state == .paused ? "paused" : StatusText.phaseName(phase.phase)
        var pattern = ""
        if let (rate, share) = model.pacerPattern {
            pattern = " · \(Readable.fixed(rate, decimals: 1))/min, in \(Readable.percent(share: share))"
        }
        let suffix = " breath \(phase.cycle)" + pattern
        // The bar takes what the label and the suffix leave, within 10-60 cells.
        let width = max(10, min(60, columns - 1 - 12 - suffix.count))
        let eighthsFilled = Int((fill * Double(width * 8)).rounded())
        var cells = String(repeating: "█", count: eighthsFilled / 8)
        if eighthsFilled % 8 > 0 { cells.append(Self.eighths[eighthsFilled % 8 - 1]) }
        cells += String(repeating: " ", count: width - cells.count)
        let colourCode = phase.phase == .inhale || phase.phase == .holdIn ? "36" : "34"
        return label.leftAligned(width: 10) + "▕" + paint(cells, code: colourCode) + "▏" + suffix
    }

    /// The latest beat's rate, the 64 s mean and RMSSD; greyed with their age once the beats stop.
    private func heart(_ model: WatchModel, at now: Double) -> String {
        if let age = model.beatAge(at: now) {
            return "heart".leftAligned(width: 10) + paint("no beat for \(Readable.duration(seconds: age, rounding: .down))"
                + (model.heartRateBPM.map { " (was \(Readable.fixed($0, decimals: 1)) bpm)" } ?? ""), code: "2")
        }
        var parts: [String] = []
        if let instant = model.instantHeartRateBPM, model.lastBeatArrival != nil { parts.append("\(Int(instant.rounded())) bpm") }
        if let mean = model.heartRateBPM { parts.append("\(parts.isEmpty ? "" : "mean ")\(Readable.fixed(mean, decimals: 1)) bpm") }
        if let rmssd = model.hrv?.rmssdMilliseconds { parts.append("RMSSD \(Int(rmssd.rounded())) ms") }
        return "heart".leftAligned(width: 10) + (parts.isEmpty ? "no beats yet" : parts.joined(separator: " · "))
    }

    private func following(_ model: WatchModel, at now: Double) -> String {
        let text = StatusText.following(model.hrv!)
        return model.metricsAge(at: now) == nil ? text : paint(text + " (stale)", code: "2")
    }

    private func coherence(_ model: WatchModel, at now: Double) -> String {
        if let age = model.metricsAge(at: now), let score = model.coherenceScore {
            return "coherence".leftAligned(width: 10)
                + paint("\(Readable.fixed(score, decimals: 2)) \(model.coherenceLevel?.rawValue ?? "") (\(Readable.duration(seconds: age, rounding: .down)) old)", code: "2")
        }
        guard let score = model.coherenceScore else {
            let text = model.warmUpSecondsLeft > 0
                ? "warming up: \(Int(model.warmUpSecondsLeft.rounded(.up))) s of beats still needed" : "not computed yet"
            return "coherence".leftAligned(width: 10) + text
        }
        var text = Readable.fixed(score, decimals: 2)
        if let level = model.coherenceLevel { text += " " + paint(level.rawValue, code: Self.colourCode(level), bold: true) }
        let sparkWidth = max(0, min(WatchModel.recentScoreCount, columns - 30))
        return "coherence".leftAligned(width: 10) + text + " " + Self.trend(model.recentScores) + " "
            + Self.sparkline(model.recentScores.suffix(sparkWidth))
    }

    private func devices(_ model: WatchModel) -> String {
        var sensor = model.sensorState == .none ? "none" : model.sensorState.rawValue
        if !model.sensorDevice.isEmpty { sensor += " \(model.sensorDevice)" }
        if model.sensorState == .lost { sensor = paint(sensor, code: "31") }
        return "sensor".leftAligned(width: 10) + sensor + " · audio \(model.audioState.rawValue)"
    }

    /// ↗ rising, ↘ falling, → steady: the latest score against the mean of the scores before it.
    static func trend(_ scores: [Double]) -> String {
        guard let last = scores.last, scores.count >= 10 else { return "·" }
        let earlier = scores.dropLast().suffix(30)
        let mean = earlier.reduce(0, +) / Double(earlier.count)
        let change = last - mean
        return change > 0.25 ? "↗" : change < -0.25 ? "↘" : "→"
    }

    /// Recent scores scaled from zero to the highest, so that a rising line means rising coherence.
    static func sparkline(_ scores: some Collection<Double>) -> String {
        guard let highest = scores.max(), highest > 0 else { return String(repeating: "▁", count: scores.count) }
        return String(scores.map { sparks[min(7, max(0, Int($0 / highest * 7.999)))] })
    }

    /// Red, yellow, green: the usual reading of low, medium and high coherence.
    static func colourCode(_ level: CoherenceLevelName) -> String {
        switch level {
        case .low: "31"
        case .medium: "33"
        case .high: "32"
        }
    }

    private func paint(_ text: String, code: String? = nil, bold: Bool = false) -> String {
        guard colour, code != nil || bold else { return text }
        let codes = [bold ? "1" : nil, code].compactMap { $0 }.joined(separator: ";")
        return "\u{1B}[\(codes)m\(text)\u{1B}[0m"
    }
}
