import BreathProtocol

/// A session's summary as short human figures, shared by the report's header and notifications.
public struct SummaryFigures: Sendable {
    public let record: SessionRecord
    public let durationSeconds: Double

    public init(record: SessionRecord, durationSeconds: Double) {
        self.record = record
        self.durationSeconds = durationSeconds
    }

    /// Minutes and seconds: "10:00".
    public var durationText: String { TimeAxis.label(durationSeconds) }

    /// Share of the measured time spent at high coherence, 0...1; nil without measured time.
    public var highShare: Double? {
        guard let levels = record.summary?.secondsInLevel else { return nil }
        let total = levels.low + levels.medium + levels.high
        return total > 0 ? levels.high / total : nil
    }

    /// The figures as separate phrases, missing ones as "–".
    public var phrases: [String] {
        let summary = record.summary
        var phrases = ["Duration \(durationText)"]
        phrases.append("coherence \(summary?.meanCoherenceScore.map { Self.decimal($0, places: 2) } ?? "–") mean")
        phrases.append("high \(highShare.map { "\(Int(($0 * 100).rounded())) %" } ?? "–")")
        // Only when recorded: sessions from before synchrony was kept keep their old headline.
        if let synchrony = summary?.meanSynchrony { phrases.append("synchrony \(Self.decimal(synchrony, places: 2)) mean") }
        phrases.append("HR \(summary?.meanHeartRateBPM.map { "\(Int($0.rounded())) bpm" } ?? "–")")
        phrases.append("RMSSD \(summary?.rmssdMilliseconds.map { "\(Int($0.rounded())) ms" } ?? "–")")
        if let reason = record.endReason { phrases.append(reason.rawValue) }
        return phrases
    }

    public var headline: String { phrases.joined(separator: " · ") }

    /// A fixed-point decimal without Foundation's formatters.
    public static func decimal(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "–" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((abs(value) * scale).rounded())
        let whole = scaled / Int64(scale)
        var fraction = String(scaled % Int64(scale))
        while fraction.count < places { fraction = "0" + fraction }
        return "\(value < 0 && scaled != 0 ? "-" : "")\(whole)" + (places > 0 ? ".\(fraction)" : "")
    }
}
