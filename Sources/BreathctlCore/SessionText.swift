import BreathProtocol

/// `breathctl session` as text: the record's summary, then a chart of the heart rate and one of
/// the coherence score over the session.
enum SessionText {
    static func render(_ reply: SessionReply, chart: TerminalChart = TerminalChart()) -> String {
        var lines = summary(reply.session)
        lines += pacingChanges(reply.pacingChanges)
        lines += pauses(reply.pauses)
        if let assessment = reply.assessment {
            lines.append("")
            lines.append(AssessmentText.table(assessment, complete: reply.session.endReason == .completed))
        }
        let heartRate = reply.beats.filter { $0.isNN && $0.rrMilliseconds > 0 }
            .map { TerminalChart.Point(x: $0.offsetSeconds, y: 60_000 / $0.rrMilliseconds) }
        let coherence = reply.beats.compactMap { beat in
            beat.coherenceScore.map { TerminalChart.Point(x: beat.offsetSeconds, y: $0) }
        }
        let time = { (seconds: Double) in Readable.duration(seconds: seconds) }
        lines.append("")
        if heartRate.isEmpty {
            lines.append("heart rate: no beats recorded")
        } else {
            lines.append("heart rate (bpm, normal beats)")
            lines += chart.render(heartRate, yDecimals: 0, xLabel: time)
        }
        lines.append("")
        if coherence.isEmpty {
            lines.append("coherence: not computed (too few beats)")
        } else {
            lines.append("coherence score")
            lines += chart.render(coherence, yDecimals: 1, xLabel: time)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func summary(_ session: SessionRecord) -> [String] {
        let settings = session.settings
        var rows: [(String, String)] = []
        var head = "\(session.id), \(session.endReason?.rawValue ?? "running")"
        if let duration = HistoryText.duration(session) { head += " after \(Readable.duration(seconds: duration))" }
        rows.append(("session", head))
        var times = LocalTime.seconds(session.startedAt)
        if let ended = session.endedAt { times += " to \(LocalTime.timeOfDay(ended))" }
        rows.append(("time", times))
        rows.append((
            "settings",
            "\(Readable.duration(seconds: settings.durationSeconds)) at \(Readable.setting(settings.rateBreathsPerMinute)) breaths/min, "
                + "ratio \(settings.ratio), voice \(settings.voice.rawValue), volume \(Readable.percent(share: settings.volume))"
        ))
        if let summary = session.summary {
            var heart: [String] = []
            if let rate = summary.meanHeartRateBPM { heart.append("mean \(Readable.fixed(rate, decimals: 1)) bpm") }
            if let rmssd = summary.rmssdMilliseconds { heart.append("RMSSD \(Readable.fixed(rmssd, decimals: 1)) ms") }
            if let sdnn = summary.sdnnMilliseconds { heart.append("SDNN \(Readable.fixed(sdnn, decimals: 1)) ms") }
            rows.append(("heart", heart.isEmpty ? "too few beats" : heart.joined(separator: ", ")))
            rows.append(("coherence", coherence(summary)))
            if let synchrony = synchrony(summary) { rows.append(("synchrony", synchrony)) }
            rows.append(("beats", "\(summary.beats) (\(Readable.plural(summary.artifacts, "artifact")))"))
        }
        return rows.map { label, text in label.leftAligned(width: 11) + text }
    }

    /// One row per live pacing change: its session time, its wall-clock time and the new value.
    /// `changed    1:35 (09:47:12) rate 5.5 breaths/min`
    static func pacingChanges(_ changes: [PacingChange]) -> [String] {
        changes.enumerated().map { index, change in
            let value: String
            switch change.setting {
            case .rate: value = "rate \(Readable.setting(change.rateBreathsPerMinute)) breaths/min"
            case .ratio: value = "ratio \(change.ratio)"
            case .voice: value = "voice \(change.voice.rawValue)"
            case .volume: value = "volume"
            }
            // The session time it took effect (the next breath), then the time of day it was asked for.
            let when = "\(Readable.duration(seconds: change.offsetSeconds)) (asked \(LocalTime.timeOfDay(change.at)))"
            return (index == 0 ? "changed" : "").leftAligned(width: 11) + "\(when) \(value)"
        }
    }

    /// One row per pause: the session time it paused at and how long.
    /// `paused     2:00 for 0:45`
    static func pauses(_ pauses: [SessionPause]) -> [String] {
        pauses.enumerated().map { index, pause in
            (index == 0 ? "paused" : "").leftAligned(width: 11)
                + "\(Readable.duration(seconds: pause.offsetSeconds)) for \(Readable.duration(seconds: pause.durationSeconds))"
        }
    }

    /// `mean 3.10; high 4:39 (47 %), medium 3:20 (33 %), low 2:00 (20 %)`
    static func coherence(_ summary: SessionSummary) -> String {
        let levels = summary.secondsInLevel
        let measured = levels.low + levels.medium + levels.high
        var parts: [String] = []
        if let mean = summary.meanCoherenceScore { parts.append("mean \(Readable.fixed(mean, decimals: 2))") }
        if measured > 0 {
            parts.append(
                [CoherenceLevelName.high, .medium, .low].map { level in
                    "\(level.rawValue) \(Readable.duration(seconds: levels[level])) (\(Readable.percent(share: levels[level] / measured)))"
                }.joined(separator: ", "))
        }
        return parts.isEmpty ? "not computed (too few beats)" : parts.joined(separator: "; ")
    }

    /// `0.86 (following the pacer 92 % of the time)`; nil when no beat had a synchrony, so that
    /// sessions recorded before it was kept show no row rather than a misleading "none".
    static func synchrony(_ summary: SessionSummary) -> String? {
        guard let mean = summary.meanSynchrony else { return nil }
        var text = Readable.fixed(mean, decimals: 2)
        if let share = summary.followingShare { text += " (following the pacer \(Readable.percent(share: share)) of the time)" }
        return text
    }
}
