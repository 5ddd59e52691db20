import BreathProtocol

/// `breathctl history` as a table or as CSV.
enum HistoryText {
    static func table(_ sessions: [SessionRecord]) -> String {
        var table = TextTable([
            .init(header: "ID", alignment: .right), .init(header: "STARTED", alignment: .left),
            .init(header: "DURATION", alignment: .right), .init(header: "END", alignment: .left),
            .init(header: "HR bpm", alignment: .right), .init(header: "RMSSD ms", alignment: .right),
            .init(header: "COHERENCE", alignment: .right), .init(header: "HIGH", alignment: .left),
        ])
        for session in sessions {
            let summary = session.summary
            table.append([
                String(session.id), LocalTime.minutes(session.startedAt), duration(session).map { Readable.duration(seconds: $0) } ?? "-",
                session.endReason?.rawValue ?? "running",
                summary?.meanHeartRateBPM.map { Readable.fixed($0, decimals: 1) } ?? "-",
                summary?.rmssdMilliseconds.map { Readable.fixed($0, decimals: 1) } ?? "-",
                summary?.meanCoherenceScore.map { Readable.fixed($0, decimals: 2) } ?? "-",
                summary.map { highCoherence($0.secondsInLevel) } ?? "-",
            ])
        }
        return table.rendered()
    }

    static func csv(_ sessions: [SessionRecord]) -> String {
        var lines = [
            "id,started_at,ended_at,end_reason,duration_s,rate_bpm,ratio,voice,volume,mean_hr_bpm,rmssd_ms,sdnn_ms,"
                + "mean_coherence_score,low_s,medium_s,high_s,beats,artifacts,mean_synchrony,following_share"
        ]
        // Rounded as `export` rounds (FigureRounding.Decimals); the share of time following the
        // pacer to the hundredth, as `session` shows it.
        typealias D = FigureRounding.Decimals
        func cell(_ value: Double?, _ decimals: Int) -> String { FigureRounding.csv(value, decimals: decimals) }
        for session in sessions {
            let summary = session.summary
            lines.append(
                [
                    String(session.id), session.startedAt.description, session.endedAt?.description ?? "",
                    session.endReason?.rawValue ?? "", cell(duration(session), D.seconds),
                    String(session.settings.rateBreathsPerMinute), session.settings.ratio.description,
                    session.settings.voice.rawValue, String(session.settings.volume),
                    cell(summary?.meanHeartRateBPM, D.heartRateBPM), cell(summary?.rmssdMilliseconds, D.milliseconds), cell(summary?.sdnnMilliseconds, D.milliseconds),
                    cell(summary?.meanCoherenceScore, D.score), cell(summary?.secondsInLevel.low, D.seconds), cell(summary?.secondsInLevel.medium, D.seconds),
                    cell(summary?.secondsInLevel.high, D.seconds), summary.map { String($0.beats) } ?? "",
                    summary.map { String($0.artifacts) } ?? "", cell(summary?.meanSynchrony, D.score), cell(summary?.followingShare, 2),
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Seconds from start to end; nil while the session runs.
    static func duration(_ session: SessionRecord) -> Double? {
        session.endedAt.map { $0.unixSeconds - session.startedAt.unixSeconds }
    }

    /// `4:39 (47 %)`: time at high coherence and its share of the time coherence was measured.
    static func highCoherence(_ levels: LevelSeconds) -> String {
        let measured = levels.low + levels.medium + levels.high
        guard measured > 0 else { return "-" }
        return "\(Readable.duration(seconds: levels.high)) (\(Readable.percent(share: levels.high / measured)))"
    }
}
