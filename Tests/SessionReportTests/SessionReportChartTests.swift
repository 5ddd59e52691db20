import BreathProtocol
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import SessionReport
import Testing

/// Collects the `points` of each polyline by id, and every text node.
final class SVGInspector: NSObject, XMLParserDelegate {
    var polylinePoints: [String: Int] = [:]
    var texts: [String] = []
    var bandClasses: [String] = []
    var lineClasses: [String] = []
    private var currentText = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        if name == "polyline", let id = attributes["id"] {
            polylinePoints[id] = attributes["points", default: ""].split(separator: " ").count
        }
        if name == "rect", let band = attributes["class"] { bandClasses.append(band) }
        if name == "line", let line = attributes["class"] { lineClasses.append(line) }
        currentText = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { currentText += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(currentText) }
    }

    static func inspect(_ svg: String) throws -> SVGInspector {
        let inspector = SVGInspector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = inspector
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.fileReadCorruptFile) }
        return inspector
    }
}

/// `beats` beats of a 2-minute session; with `synchrony`, beats from the 30th on carry one rising
/// from 0.2 and the summary its mean, as a session recorded with synchrony has.
func sampleReply(beats: Int, artifactEvery: Int = 0, synchrony: Bool = false) -> SessionReply {
    var offset = 0.0
    let records = (0..<beats).map { index -> BeatRecord in
        let rr = 900 + 120 * sin(Double(index) * 2 * .pi / 11)
        offset += rr / 1000
        let isNN = artifactEvery == 0 || index % artifactEvery != artifactEvery - 1
        let score: Double? = index < 20 ? nil : 0.3 + Double(index) / Double(beats) * 3
        let measured: Double? = synchrony && index >= 30 ? 0.2 + 0.8 * Double(index) / Double(beats) : nil
        return BeatRecord(offsetSeconds: offset, rrMilliseconds: rr, isNN: isNN, meanHeartRateBPM: 66, coherenceScore: score,
            coherenceLevel: score.map { $0 < 0.5 ? .low : $0 < 1.8 ? .medium : .high }, synchrony: measured,
            synchronyPhaseDegrees: measured.map { _ in 25 })
    }
    let started = Timestamp(unixSeconds: 1_795_000_000)
    let record = SessionRecord(
        id: 7, startedAt: started, endedAt: Timestamp(unixSeconds: started.unixSeconds + 120), endReason: .completed,
        settings: SessionSettings(durationSeconds: 120, rateBreathsPerMinute: 6, ratio: BreathRatio(inhale: 4, exhale: 6), voice: .glide, volume: 0.5),
        summary: SessionSummary(meanHeartRateBPM: 66.4, rmssdMilliseconds: 48.2, sdnnMilliseconds: 55, meanCoherenceScore: 1.52,
            secondsInLevel: LevelSeconds(low: 30, medium: 50, high: 40), beats: beats, artifacts: 0,
            meanSynchrony: synchrony ? 0.864 : nil, followingShare: synchrony ? 0.5 : nil))
    return SessionReply(session: record, beats: records)
}

@Suite struct SessionReportChartTests {
    @Test func svgParsesWithOnePointPerBeat() throws {
        let reply = sampleReply(beats: 130, artifactEvery: 10)
        let chart = SessionReportChart(reply: reply)
        let inspector = try SVGInspector.inspect(chart.svg())
        #expect(inspector.polylinePoints["tachogram"] == 117)  // 130 beats, 13 artifacts left out
        #expect(inspector.polylinePoints["coherence"] == 110)  // the first 20 beats have no score
        #expect(inspector.polylinePoints["breathing"] == chart.breathingPointCount)
        #expect(chart.breathingPointCount == 481)  // 120 s every 0.25 s, both ends
        #expect(inspector.bandClasses == ["band-low", "band-medium", "band-high"])
        #expect(inspector.texts.contains("HR (bpm)"))
        #expect(inspector.texts.contains("time since start (min:s)"))
        #expect(inspector.texts.contains { $0.contains("coherence 1.52 mean") && $0.contains("high 33 %") && $0.contains("RMSSD 48 ms") })
    }

    @Test func synchronyIsALineOnItsOwnScaleWithALegendAndTheMeanInTheHeader() throws {
        let chart = SessionReportChart(reply: sampleReply(beats: 130, artifactEvery: 10, synchrony: true))
        let inspector = try SVGInspector.inspect(chart.svg())
        // Every beat with a synchrony is drawn, artifacts included (the measure is the window's).
        #expect(chart.synchronyBeats.count == 100)
        #expect(inspector.polylinePoints["synchrony"] == 100)
        #expect(inspector.polylinePoints["coherence"] == 110, "the coherence line is unchanged")
        #expect(inspector.lineClasses == ["legend-coherence", "legend-synchrony"])
        #expect(inspector.texts.contains(SynchronyOverlay.legendLabel))
        #expect(inspector.texts.contains("Coherence score and synchrony"))
        #expect(inspector.texts.contains { $0.contains("coherence 1.52 mean · high 33 % · synchrony 0.86 mean · HR 66 bpm") })
    }

    @Test func synchronyScaleSpansTheCoherencePanel() throws {
        let chart = SessionReportChart(reply: sampleReply(beats: 130, synchrony: true))
        let svg = chart.svg()
        // 0 at the panel's bottom (530 + 170), 1 at its top, within a tenth of a pixel.
        let points = try #require(Self.polylinePoints(svg, id: "synchrony"))
        let synchrony = chart.synchronyBeats.compactMap(\.synchrony)
        for (point, value) in zip(points, synchrony) {
            #expect(abs(point.y - (700 - value * 170)) <= 0.1, "synchrony \(value) at y \(point.y)")
        }
        let labels = try SVGInspector.inspect(svg).texts
        #expect(labels.filter { ["0", "0.5", "1"].contains($0) }.count >= 3)
    }

    @Test func sessionsWithoutSynchronyLookAsBefore() throws {
        let chart = SessionReportChart(reply: sampleReply(beats: 130))
        let svg = chart.svg()
        let inspector = try SVGInspector.inspect(svg)
        #expect(chart.synchronyBeats.isEmpty)
        #expect(inspector.polylinePoints["synchrony"] == nil)
        #expect(inspector.lineClasses.isEmpty, "no legend")
        #expect(!svg.contains("synchrony"))
        #expect(inspector.texts.contains("Coherence score"))
    }

    /// The `x,y` pairs of the polyline with this id.
    static func polylinePoints(_ svg: String, id: String) -> [(x: Double, y: Double)]? {
        guard let element = svg.split(separator: "\n").first(where: { $0.hasPrefix("<polyline") && $0.contains("id=\"\(id)\"") }),
              let start = element.range(of: "points=\"")?.upperBound,
              let end = element[start...].firstIndex(of: "\"") else { return nil }
        return element[start..<end].split(separator: " ").compactMap { pair in
            let parts = pair.split(separator: ",").compactMap { Double($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
    }

    @Test func breathingCurveRisesThroughTheInhaleAndFallsThroughTheExhale() {
        // 6 breaths/min at 4:6: a 10 s cycle, 4 s in and 6 s out.
        let chart = SessionReportChart(reply: sampleReply(beats: 0))
        let svg = chart.svg()
        #expect(svg.contains("6 breaths/min, inhale:exhale 4:6"))
        #expect(svg.contains("no beats recorded"))
    }

    @Test func markupCharactersAreEscaped() throws {
        #expect(SVGWriter.escape(#"a<b & "c" 'd'>"#) == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;")
        var writer = SVGWriter(widthPixels: 10, heightPixels: 10)
        writer.element("text", [("data-x", #"<"&'>"#)], text: "</svg><script>&")
        let inspector = try SVGInspector.inspect(writer.finish())
        #expect(inspector.texts == ["</svg><script>&"])
    }

    @Test func numbersHaveOneDecimalAndNoExponent() {
        #expect(SVGWriter.number(0.000001) == "0")
        #expect(SVGWriter.number(-12.34) == "-12.3")
        #expect(SVGWriter.number(1e7) == "10000000")
    }
}
