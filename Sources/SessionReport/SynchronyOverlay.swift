import BreathProtocol

/// Breath-heart synchrony drawn over the coherence panel: its own 0-1 scale over the panel's
/// height (labelled right of the plot, the band names in a column beyond), a line per beat, and a legend
/// telling it apart from the coherence score.
///
/// It shares the coherence panel rather than taking a panel of its own so that the picture keeps
/// its size, and because the two read together: coherence says the heart rate swings regularly,
/// synchrony that it swings with the pacer.
struct SynchronyOverlay {
    let beats: [BeatRecord]
    let coherencePanel: Panel
    let time: TimeAxis

    static let legendLabel = "synchrony, 0–1 (right scale)"
    static let scaleTicks = [0.0, 0.5, 1]
    /// Left edge of the scale labels: just right of the plot, as a right-hand axis; the band
    /// names start past the widest of them ("0.5").
    static let scaleLabelLeft = SessionReportChart.plotRight + 5

    /// The 0-1 scale mapped onto the coherence panel's rows.
    var scale: Panel {
        Panel(title: "", unit: "", top: coherencePanel.top, height: coherencePanel.height, lower: 0, upper: 1, ticks: Self.scaleTicks)
    }

    func draw(_ svg: inout SVGWriter) {
        let scale = scale
        for tick in Self.scaleTicks {
            svg.element("text", [("class", "synchrony-scale"), ("x", SVGWriter.number(Self.scaleLabelLeft)),
                ("y", SVGWriter.number(scale.y(tick) + 4)), ("font-size", "11"), ("fill", Palette.synchrony)],
                text: AxisTicks.label(tick))
        }
        svg.polyline(
            beats.compactMap { beat in beat.synchrony.map { (time.x(beat.offsetSeconds), scale.y($0)) } },
            [("id", "synchrony"), ("stroke", Palette.synchrony), ("stroke-width", "1.6"), ("stroke-linejoin", "round")])
        drawLegend(&svg)
    }

    /// On the title's line, to the right: a short stroke of each line's colour and its name.
    private func drawLegend(_ svg: inout SVGWriter) {
        let baseline = coherencePanel.top - 8
        let entries = [(id: "coherence", label: "coherence score", color: Palette.coherence, x: 540.0),
                       (id: "synchrony", label: Self.legendLabel, color: Palette.synchrony, x: 690.0)]
        for entry in entries {
            let row = SVGWriter.number(baseline - 4)
            svg.element("line", [("class", "legend-\(entry.id)"), ("x1", SVGWriter.number(entry.x)), ("x2", SVGWriter.number(entry.x + 18)),
                ("y1", row), ("y2", row), ("stroke", entry.color), ("stroke-width", "2.4")])
            svg.element("text", [("x", SVGWriter.number(entry.x + 24)), ("y", SVGWriter.number(baseline)), ("font-size", "12"),
                ("fill", Palette.text)], text: entry.label)
        }
    }
}
