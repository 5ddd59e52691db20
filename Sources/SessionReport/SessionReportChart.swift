import BreathProtocol
import HRV

/// One session as a picture: a header with the summary figures, the pacer's breathing curve, the
/// heart-rate tachogram and the coherence score with its level bands (and the breath-heart
/// synchrony over it, when recorded), all on one time axis.
///
/// The drawing sits on a solid light card, so it reads the same on a light or a dark page.
public struct SessionReportChart: Sendable {
    public let reply: SessionReply

    /// Score thresholds of the bands: challenge level 1 (low below 0.5, high from 1.8).
    public static let bandThresholds = ChallengeLevel.one.thresholds
    static let widthPixels = 1000.0
    static let heightPixels = 760.0
    static let plotLeft = 90.0
    static let plotRight = 920.0
    static let breathingStepSeconds = 0.25

    public init(reply: SessionReply) { self.reply = reply }

    /// The time axis: the session's wall-clock length, or its beats' span if longer.
    public var durationSeconds: Double {
        var seconds = reply.beats.last?.offsetSeconds ?? 0
        if let ended = reply.session.endedAt {
            seconds = max(seconds, ended.unixSeconds - reply.session.startedAt.unixSeconds)
        }
        if seconds <= 0 { seconds = reply.session.settings.durationSeconds }
        return max(seconds, 1)
    }

    /// Beats drawn on the tachogram: normal-to-normal beats with a positive interval.
    public var tachogramBeats: [BeatRecord] { reply.beats.filter { $0.isNN && $0.rrMilliseconds > 0 } }

    /// Beats drawn on the coherence line: those with a score.
    public var coherenceBeats: [BeatRecord] { reply.beats.filter { $0.coherenceScore != nil } }

    /// Beats drawn on the synchrony line: those with a synchrony (none in sessions recorded
    /// before it was kept, and then neither the line nor its legend is drawn).
    public var synchronyBeats: [BeatRecord] { reply.beats.filter { $0.synchrony != nil } }

    public var breathingPointCount: Int { breathingCurve.count }

    private var breathingCurve: [(timeSeconds: Double, volume: Double)] {
        BreathingCurve.points(
            settings: reply.session.settings, durationSeconds: durationSeconds, stepSeconds: Self.breathingStepSeconds)
    }

    public func svg() -> String {
        var svg = SVGWriter(widthPixels: Self.widthPixels, heightPixels: Self.heightPixels)
        svg.element("rect", [
            ("x", "0"), ("y", "0"), ("width", SVGWriter.number(Self.widthPixels)), ("height", SVGWriter.number(Self.heightPixels)),
            ("rx", "14"), ("fill", Palette.card), ("stroke", Palette.frame),
        ])
        drawHeader(&svg)
        let time = TimeAxis(durationSeconds: durationSeconds, left: Self.plotLeft, right: Self.plotRight)

        let breathing = Panel(title: "Pacer: breathing guide", unit: "lung volume", top: 130, height: 110, lower: 0, upper: 1, ticks: [0, 0.5, 1])
        breathing.drawFrame(&svg, time: time, tickLabels: false)
        svg.polyline(
            breathingCurve.map { (time.x($0.timeSeconds), breathing.y($0.volume)) },
            [("id", "breathing"), ("stroke", Palette.breathing), ("stroke-width", "1.6")])
        svg.element("text", [("x", "\(SVGWriter.number(Self.plotRight))"), ("y", SVGWriter.number(breathing.top - 8)),
            ("text-anchor", "end"), ("font-size", "12"), ("fill", Palette.mutedText)],
            text: "\(AxisTicks.label(reply.session.settings.rateBreathsPerMinute)) breaths/min, inhale:exhale \(reply.session.settings.ratio)")

        let heartRates = tachogramBeats.map { 60_000 / $0.rrMilliseconds }
        let (hrLower, hrUpper) = Self.paddedRange(heartRates, fallback: (50, 90), step: 5)
        let heart = Panel(
            title: "Heart rate (tachogram)", unit: "HR (bpm)", top: 290, height: 190, lower: hrLower, upper: hrUpper,
            ticks: AxisTicks.values(from: hrLower, to: hrUpper, roughCount: 5))
        heart.drawFrame(&svg, time: time, tickLabels: false)
        svg.polyline(
            zip(tachogramBeats, heartRates).map { (time.x($0.offsetSeconds), heart.y($1)) },
            [("id", "tachogram"), ("stroke", Palette.heart), ("stroke-width", "1.4"), ("stroke-linejoin", "round")])

        let scores = coherenceBeats.compactMap(\.coherenceScore)
        let scoreUpper = max(3, ((scores.max() ?? 0) * 1.1).rounded(.up))
        let synchronyBeats = synchronyBeats
        let coherence = Panel(
            title: synchronyBeats.isEmpty ? "Coherence score" : "Coherence score and synchrony", unit: "score",
            top: 530, height: 170, lower: 0, upper: scoreUpper,
            ticks: AxisTicks.values(from: 0, to: scoreUpper, roughCount: 5))
        drawBands(&svg, panel: coherence)
        coherence.drawFrame(&svg, time: time, tickLabels: true)
        svg.polyline(
            zip(coherenceBeats, scores).map { (time.x($0.offsetSeconds), coherence.y($1)) },
            [("id", "coherence"), ("stroke", Palette.coherence), ("stroke-width", "1.8"), ("stroke-linejoin", "round")])
        if !synchronyBeats.isEmpty {
            SynchronyOverlay(beats: synchronyBeats, coherencePanel: coherence, time: time).draw(&svg)
        }
        svg.element("text", [("x", SVGWriter.number((Self.plotLeft + Self.plotRight) / 2)), ("y", SVGWriter.number(coherence.top + coherence.height + 42)),
            ("text-anchor", "middle"), ("font-size", "13"), ("fill", Palette.text)], text: "time since start (min:s)")
        if tachogramBeats.isEmpty {
            svg.element("text", [("x", SVGWriter.number((Self.plotLeft + Self.plotRight) / 2)), ("y", SVGWriter.number(heart.top + heart.height / 2)),
                ("text-anchor", "middle"), ("font-size", "14"), ("fill", Palette.mutedText)], text: "no beats recorded")
        }
        return svg.finish()
    }

    private func drawHeader(_ svg: inout SVGWriter) {
        let session = reply.session
        let started = String(session.startedAt.description.prefix(16)).replacingFirst("T", with: " ") + " UTC"
        svg.element("text", [("x", "30"), ("y", "44"), ("font-size", "22"), ("font-weight", "bold"), ("fill", Palette.text)],
            text: "breathd session \(session.id) · \(started)")
        svg.element("text", [("x", "30"), ("y", "76"), ("font-size", "15"), ("fill", Palette.text)],
            text: SummaryFigures(record: session, durationSeconds: durationSeconds).headline)
    }

    private func drawBands(_ svg: inout SVGWriter, panel: Panel) {
        let (medium, high) = Self.bandThresholds
        let bands: [(name: String, lower: Double, upper: Double, color: String)] = [
            ("low", 0, medium, Palette.lowBand), ("medium", medium, high, Palette.mediumBand), ("high", high, panel.upper, Palette.highBand),
        ]
        for band in bands {
            let top = panel.y(band.upper)
            svg.element("rect", [
                ("class", "band-\(band.name)"), ("x", SVGWriter.number(Self.plotLeft)), ("y", SVGWriter.number(top)),
                ("width", SVGWriter.number(Self.plotRight - Self.plotLeft)), ("height", SVGWriter.number(panel.y(band.lower) - top)),
                ("fill", band.color),
            ])
            // Labelled in the right margin at the band's middle, so thin bands stay readable.
            svg.element("text", [("x", SVGWriter.number(Self.plotRight + 6)), ("y", SVGWriter.number((top + panel.y(band.lower)) / 2 + 4)),
                ("font-size", "11"), ("fill", Palette.mutedText)], text: band.name)
        }
    }

    /// The values' range widened to whole `step`s, with a step of margin.
    static func paddedRange(_ values: [Double], fallback: (Double, Double), step: Double) -> (Double, Double) {
        guard let low = values.min(), let high = values.max() else { return fallback }
        return (((low / step).rounded(.down) - 1) * step, ((high / step).rounded(.up) + 1) * step)
    }
}

extension String {
    fileprivate func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let position = firstIndex(of: target) else { return self }
        return String(self[..<position]) + replacement + String(self[index(after: position)...])
    }
}
