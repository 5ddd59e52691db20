import BreathProtocol
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import SessionReport
import Testing

/// Every text of an SVG with its box, from the font's own advance widths (`TextMetrics`: DejaVu
/// Sans, the report's first font) and its ascent and descent.
final class TextBoxes: NSObject, XMLParserDelegate {
    struct Box: CustomStringConvertible {
        var text: String
        var left, right, top, bottom: Double
        func overlaps(_ other: Box) -> Bool {
            left < other.right && other.left < right && top < other.bottom && other.top < bottom
        }
        var description: String { "\"\(text)\" x \(left)...\(right) y \(top)...\(bottom)" }
    }

    var boxes: [Box] = []
    var elements: [(name: String, attributes: [String: String])] = []
    private var attributes: [String: String]?
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        elements.append((name, attributes))
        if name == "text" {
            self.attributes = attributes
            text = ""
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard name == "text", let attributes else { return }
        self.attributes = nil
        // The rotated axis titles stand alone in the left margin.
        guard attributes["transform"] == nil else { return }
        let size = Double(attributes["font-size"] ?? "16") ?? 16
        let width = TextMetrics.width(text, fontSize: size, bold: attributes["font-weight"] == "bold")
        let x = Double(attributes["x"] ?? "0") ?? 0, y = Double(attributes["y"] ?? "0") ?? 0
        let left: Double
        switch attributes["text-anchor"] {
        case "middle": left = x - width / 2
        case "end": left = x - width
        default: left = x
        }
        boxes.append(Box(
            text: text, left: left, right: left + width, top: y - size * TextMetrics.ascentEm, bottom: y + size * TextMetrics.descentEm))
    }

    static func of(_ svg: String) throws -> TextBoxes {
        let boxes = TextBoxes()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = boxes
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.fileReadCorruptFile) }
        return boxes
    }
}

/// Issue 15: the report's labels never overlap, its times are local, and live pacing changes are
/// drawn.
@Suite struct SessionReportLayoutTests {
    static let eastern = WallClock.fixed(offsetSeconds: -5 * 3600, abbreviation: "EST")

    /// A session whose coherence climbs to `peakScore`, with synchrony, and with `changes`.
    static func session(peakScore: Double, beats: Int = 130, changes: [PacingChange] = []) -> SessionReply {
        var reply = sampleReply(beats: beats, synchrony: true)
        reply.beats = reply.beats.map { beat in
            var beat = beat
            beat.coherenceScore = beat.coherenceScore.map { $0 / 3.3 * peakScore }
            return beat
        }
        reply.pacingChanges = changes
        return reply
    }

    static let changes = [
        PacingChange(offsetSeconds: 40, at: Timestamp(unixSeconds: 1_795_000_040), setting: .rate, rateBreathsPerMinute: 5.5,
            ratio: BreathRatio(inhale: 4, exhale: 6), voice: .glide),
        PacingChange(offsetSeconds: 60, at: Timestamp(unixSeconds: 1_795_000_060), setting: .voice, rateBreathsPerMinute: 5.5,
            ratio: BreathRatio(inhale: 4, exhale: 6), voice: .bowl),
        PacingChange(offsetSeconds: 80, at: Timestamp(unixSeconds: 1_795_000_080), setting: .ratio, rateBreathsPerMinute: 5.5,
            ratio: .even, voice: .bowl),
        PacingChange(offsetSeconds: 84, at: Timestamp(unixSeconds: 1_795_000_084), setting: .rate, rateBreathsPerMinute: 5,
            ratio: .even, voice: .bowl),
    ]

    /// The reference sessions: a usual score range, scores up to 12 (the low and medium bands
    /// squeezed into a few pixels, the high band's middle at the synchrony scale's 0.5), up to 40,
    /// with close pacing changes, without synchrony, and without beats.
    static let references: [(name: String, reply: SessionReply)] = [
        ("usual", sampleReply(beats: 130, synchrony: true)),
        ("scores to 12", session(peakScore: 12)),
        ("scores to 40", session(peakScore: 40)),
        ("pacing changes", session(peakScore: 6, changes: changes)),
        ("without synchrony", sampleReply(beats: 130)),
        ("no beats", sampleReply(beats: 0)),
    ]

    @Test(arguments: references.indices) func noTwoLabelsOverlapAndAllStayOnTheCard(_ index: Int) throws {
        let (name, reply) = Self.references[index]
        let boxes = try TextBoxes.of(SessionReportChart(reply: reply, clock: Self.eastern).svg()).boxes
        #expect(boxes.count > 20)
        for (first, box) in boxes.enumerated() {
            #expect(box.left >= 0 && box.right <= SessionReportChart.widthPixels, "\(name): \(box) leaves the card")
            #expect(box.top >= 0 && box.bottom <= SessionReportChart.heightPixels, "\(name): \(box) leaves the card")
            for other in boxes[(first + 1)...] where box.overlaps(other) {
                Issue.record("\(name): \(box) overlaps \(other)")
            }
        }
    }

    @Test func bandLabelsStayInTheirBandsWhenThereIsRoom() throws {
        let boxes = try TextBoxes.of(SessionReportChart(reply: sampleReply(beats: 130, synchrony: true), clock: Self.eastern).svg()).boxes
        // Score 0-4 over 170 px: low 0-0.5 (y 678.8-700), medium to 1.8 (623.5), high to 4 (530).
        let label = { (name: String) in try #require(boxes.first { $0.text == name }) }
        let middle = { (box: TextBoxes.Box) in (box.top + box.bottom) / 2 }
        #expect(try abs(middle(label("low")) - 689.4) < 3)
        #expect(try abs(middle(label("medium")) - 651.1) < 3)
        #expect(try abs(middle(label("high")) - 576.8) < 3)
    }

    @Test func timesOfDayAreInTheGivenZone() throws {
        // 2026-11-18 11:06:40 UTC, two minutes long.
        let reply = sampleReply(beats: 130)
        let eastern = try TextBoxes.of(SessionReportChart(reply: reply, clock: Self.eastern).svg()).boxes.map(\.text)
        #expect(eastern.contains("breathd session 7 · 2026-11-18 06:06–06:08 EST"))
        let kolkata = WallClock.fixed(offsetSeconds: 19_800, abbreviation: "IST")
        let indian = try TextBoxes.of(SessionReportChart(reply: reply, clock: kolkata).svg()).boxes.map(\.text)
        #expect(indian.contains("breathd session 7 · 2026-11-18 16:36–16:38 IST"))
        // A zone without a name is given by its offset.
        let unnamed = WallClock.fixed(offsetSeconds: -(3 * 3600 + 30 * 60), abbreviation: "-0330")
        #expect(unnamed.zoneName(reply.session.startedAt) == "UTC-03:30")
        #expect(unnamed.seconds(reply.session.startedAt) == "2026-11-18 07:36:40")
    }

    @Test func pacingChangesOfTheBreathAreMarkedAndTheGuideFollowsThem() throws {
        let reply = Self.session(peakScore: 3, changes: Self.changes)
        let chart = SessionReportChart(reply: reply, clock: Self.eastern)
        let parsed = try TextBoxes.of(chart.svg())
        let markers = parsed.elements.filter { $0.attributes["class"] == "pacing-change" }
        // The voice change is no change of the breath: three markers, at 40, 80 and 84 s of 120.
        #expect(markers.map { $0.attributes["x1"] } == ["366.7", "643.3", "671"])
        #expect(parsed.boxes.map(\.text).contains("5.5/min 4:6, asked 06:07"))
        #expect(parsed.boxes.map(\.text).contains("5.5/min 1:1, asked 06:08"))
        #expect(parsed.boxes.map(\.text).contains("5/min 1:1, asked 06:08"), "close to the one before: on the second row")
        #expect(parsed.boxes.map(\.text).contains("6 breaths/min, inhale:exhale 4:6 at the start"))

        // The guide keeps 10 s breaths until the change at 40 s, then 60/5.5 s ones; the ratio
        // and the last rate apply from the next breath after 80 and 84 s.
        let cycles = BreathingCurve.cycles(reply, durationSeconds: chart.durationSeconds)
        #expect(cycles.prefix(4).allSatisfy { $0.lengthSeconds == 10 && $0.pattern.inhaleShare == 0.4 })
        #expect(cycles[4].startSeconds == 40 && abs(cycles[4].lengthSeconds - 60 / 5.5) < 1e-9)
        let afterRatio = try #require(cycles.first { $0.startSeconds >= 80 })
        #expect(abs(afterRatio.startSeconds - (40 + 4 * 60 / 5.5)) < 1e-9)
        #expect(afterRatio.pattern == BreathingCurve.Pattern(rateBreathsPerMinute: 5.5, inhaleShare: 0.5))
        // 84 s falls in that breath: 5 a minute from the one after.
        let next = try #require(cycles.first { $0.startSeconds > afterRatio.startSeconds })
        #expect(abs(next.startSeconds - (40 + 5 * 60 / 5.5)) < 1e-9)
        #expect(next.pattern == BreathingCurve.Pattern(rateBreathsPerMinute: 5, inhaleShare: 0.5))
    }

    @Test func withoutChangesThereAreNoMarkers() throws {
        let parsed = try TextBoxes.of(SessionReportChart(reply: sampleReply(beats: 130), clock: Self.eastern).svg())
        #expect(!parsed.elements.contains { $0.attributes["class"]?.hasPrefix("pacing-change") == true })
        #expect(parsed.boxes.map(\.text).contains("6 breaths/min, inhale:exhale 4:6"))
    }
}
