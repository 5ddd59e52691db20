import BreathProtocol
import HRV

/// One session as a picture: a header with the summary figures, the pacer's breathing curve, the
/// heart-rate tachogram and the coherence score with its level bands (and the breath-heart
/// synchrony over it, when recorded), all on one time axis; a dashed marker at each live change
/// of the rate or ratio, labelled with the new pacing and its wall-clock time.
///
/// The drawing sits on a solid light card, so it reads the same on a light or a dark page. Times
/// of day are in `clock`'s zone: the user's, as `history` shows them.
public struct SessionReportChart: Sendable {
    public let reply: SessionReply
    public let clock: WallClock

    /// Score thresholds of the bands: challenge level 1 (low below 0.5, high from 1.8).
    public static let bandThresholds = ChallengeLevel.one.thresholds
    static let widthPixels = 1000.0
    static let heightPixels = 760.0
    static let plotLeft = 90.0
    static let plotRight = 920.0
    static let breathingStepSeconds = 0.25

    public init(reply: SessionReply, clock: WallClock = .local) {
        self.reply = reply
        self.clock = clock
    }

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
        BreathingCurve.points(reply, durationSeconds: durationSeconds, stepSeconds: Self.breathingStepSeconds)
    }

    /// Changes drawn as markers: those of the breath itself (rate, ratio), not of its voice.
    public var markedChanges: [PacingChange] { reply.pacingChanges.filter(\.changesTheBreath) }

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
            text: "\(AxisTicks.label(reply.session.settings.rateBreathsPerMinute)) breaths/min, inhale:exhale \(reply.session.settings.ratio)"
                + (markedChanges.isEmpty ? "" : " at the start"))

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
        drawBands(&svg, panel: coherence, besideScale: !synchronyBeats.isEmpty)
        coherence.drawFrame(&svg, time: time, tickLabels: true)
        svg.polyline(
            zip(coherenceBeats, scores).map { (time.x($0.offsetSeconds), coherence.y($1)) },
            [("id", "coherence"), ("stroke", Palette.coherence), ("stroke-width", "1.8"), ("stroke-linejoin", "round")])
        if !synchronyBeats.isEmpty {
            SynchronyOverlay(beats: synchronyBeats, coherencePanel: coherence, time: time).draw(&svg)
        }
        svg.element("text", [("x", SVGWriter.number((Self.plotLeft + Self.plotRight) / 2)), ("y", SVGWriter.number(coherence.top + coherence.height + 42)),
            ("text-anchor", "middle"), ("font-size", "13"), ("fill", Palette.text)], text: "time since start (min:s)")
        drawChangeMarkers(&svg, time: time, from: breathing, to: coherence)
        if tachogramBeats.isEmpty {
            svg.element("text", [("x", SVGWriter.number((Self.plotLeft + Self.plotRight) / 2)), ("y", SVGWriter.number(heart.top + heart.height / 2)),
                ("text-anchor", "middle"), ("font-size", "14"), ("fill", Palette.mutedText)], text: "no beats recorded")
        }
        return svg.finish()
    }

    private func drawHeader(_ svg: inout SVGWriter) {
        let session = reply.session
        var started = clock.minutes(session.startedAt)
        if let ended = session.endedAt { started += "–" + clock.hoursAndMinutes(ended) }
        started += " " + clock.zoneName(session.startedAt)
        svg.element("text", [("x", "30"), ("y", "44"), ("font-size", "22"), ("font-weight", "bold"), ("fill", Palette.text)],
            text: "breathd session \(session.id) · \(started)")
        svg.element("text", [("x", "30"), ("y", "76"), ("font-size", "15"), ("fill", Palette.text)],
            text: SummaryFigures(record: session, durationSeconds: durationSeconds).headline)
    }

    static let bandLabelFontSize = 11.0
    /// The band names' column when the synchrony scale takes the column beside the plot.
    static let bandLabelBesideScaleX = 948.0

    private func drawBands(_ svg: inout SVGWriter, panel: Panel, besideScale: Bool) {
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
        }
        // Named in the right margin at each band's middle, moved apart where bands are too thin
        // for a line each (a large score range squeezes low and medium); beside the synchrony
        // scale when it is drawn, so the two columns never meet.
        let size = Self.bandLabelFontSize
        let baselines = LabelColumn.spread(
            desired: bands.map { (panel.y($0.upper) + panel.y($0.lower)) / 2 + size * 0.35 },
            gap: LabelColumn.lineHeight(fontSize: size), lowest: panel.top + panel.height + 2, highest: panel.top + size)
        let x = besideScale ? Self.bandLabelBesideScaleX : Self.plotRight + 6
        for (band, baseline) in zip(bands, baselines) {
            svg.element("text", [("class", "band-label"), ("x", SVGWriter.number(x)), ("y", SVGWriter.number(baseline)),
                ("font-size", SVGWriter.number(size)), ("fill", Palette.mutedText)], text: band.name)
        }
    }

    static let markerFontSize = 11.0

    /// A dashed line across the panels at each change of the breath, where it took effect, and
    /// above the heart panel a label with the new pacing and the time of day it was asked for (in up to two rows, so that close changes
    /// keep readable labels; one that finds no room in either keeps its line only, `session`
    /// lists every change).
    private func drawChangeMarkers(_ svg: inout SVGWriter, time: TimeAxis, from top: Panel, to bottom: Panel) {
        let size = Self.markerFontSize
        let rows = [top.top + top.height + 13, top.top + top.height + 26]
        var taken: [[ClosedRange<Double>]] = rows.map { _ in [] }
        for change in markedChanges {
            let column = time.x(change.offsetSeconds)
            svg.element("line", [("class", "pacing-change"), ("x1", SVGWriter.number(column)), ("x2", SVGWriter.number(column)),
                ("y1", SVGWriter.number(top.top)), ("y2", SVGWriter.number(bottom.top + bottom.height)),
                ("stroke", Palette.marker), ("stroke-width", "1.2"), ("stroke-dasharray", "5 3")])
            // The line stands where the change took effect (the breath it started); the label's time is
            // when it was asked for, and says so.
            let text = "\(AxisTicks.label(change.rateBreathsPerMinute))/min \(change.ratio), asked \(clock.hoursAndMinutes(change.at))"
            let width = TextMetrics.width(text, fontSize: size)
            // Right of the line, or left of it near the right edge.
            let fitsRight = column + 3 + width <= Self.widthPixels - 6
            let span = fitsRight ? (column + 3)...(column + 3 + width) : (column - 3 - width)...(column - 3)
            guard let row = taken.indices.first(where: { row in !taken[row].contains { $0.overlaps(span.lowerBound - 4...span.upperBound + 4) } })
            else { continue }
            taken[row].append(span)
            svg.element("text", [("class", "pacing-change-label"), ("x", SVGWriter.number(fitsRight ? column + 3 : column - 3)),
                ("y", SVGWriter.number(rows[row])), ("text-anchor", fitsRight ? "start" : "end"), ("font-size", SVGWriter.number(size)),
                ("fill", Palette.marker)], text: text)
        }
    }

    /// The values' range widened to whole `step`s, with a step of margin.
    static func paddedRange(_ values: [Double], fallback: (Double, Double), step: Double) -> (Double, Double) {
        guard let low = values.min(), let high = values.max() else { return fallback }
        return (((low / step).rounded(.down) - 1) * step, ((high / step).rounded(.up) + 1) * step)
    }
}

/// Labels stacked in one column: each as near its wanted baseline as the others allow.
enum LabelColumn {
    /// Baseline to baseline, for one line of text of `fontSize` without touching the next.
    static func lineHeight(fontSize: Double) -> Double { fontSize * (TextMetrics.ascentEm + TextMetrics.descentEm) + 1 }

    /// Baselines for labels wanted at `desired` (any order), at least `gap` apart and between
    /// `highest` and `lowest` (pixel rows: `highest` is the smaller), in the order given.
    static func spread(desired: [Double], gap: Double, lowest: Double, highest: Double) -> [Double] {
        let order = desired.indices.sorted { desired[$0] < desired[$1] }
        var placed = order.map { min(max(desired[$0], highest), lowest) }
        // Down from the top, then back up from the bottom: each label moves as little as needed.
        for index in placed.indices.dropFirst() { placed[index] = max(placed[index], placed[index - 1] + gap) }
        if let last = placed.indices.last { placed[last] = min(placed[last], lowest) }
        for index in placed.indices.reversed().dropFirst() { placed[index] = min(placed[index], placed[index + 1] - gap) }
        var result = desired
        for (rank, index) in order.enumerated() { result[index] = placed[rank] }
        return result
    }
}
