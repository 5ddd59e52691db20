import BreathTestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `breathctl report` against a real daemon and a session stored from FIFO beats.
@Suite(.serialized) struct ReportEndToEndTests {
    final class PolylineCounter: NSObject, XMLParserDelegate {
        var points: [String: Int] = [:]
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
            if name == "polyline", let id = attributes["id"] { points[id] = attributes["points", default: ""].split(separator: " ").count }
        }
    }

    static let pngDecoder = """
        import sys, zlib, struct
        data = open(sys.argv[1], 'rb').read()
        pos, idat, ihdr = 8, b'', None
        while pos < len(data):
            length, kind = struct.unpack('>I4s', data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + length]
            assert zlib.crc32(kind + body) == struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])[0], kind
            if kind == b'IHDR': ihdr = struct.unpack('>IIBB', body[:10])
            if kind == b'IDAT': idat += body
            pos += 12 + length
        width, height, depth, color = ihdr
        channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
        assert len(zlib.decompress(idat)) == height * (1 + width * channels * depth // 8)
        print('ok', width, height)
        """

    @Test func reportOfAStoredSessionAsSVGAndPNG() throws {
        let daemon = try DaemonHarness()
        let fifo = try SensorFIFO(in: daemon.directory)
        try daemon.reconfigure(sensor: fifo.path)
        try daemon.start()
        try fifo.open()
        let beats = try rrRecording("nsr_5min.txt")
        let reply = try daemon.request(#"{"cmd":"start","minutes":0.1,"rate":6,"ratio":"4:6"}"#)
        let id = try #require(reply["session"] as? Int, "\(reply)")
        // All at once, as a strap's backlog arrives: the 6 s session ends on the wall clock, and
        // beats fed with sleeps between (3 s of them) could miss its end on a busy machine.
        fifo.write(rrMilliseconds: Array(beats[0..<60]))
        try waitUntil("the session is stored") {
            let history = try daemon.request(#"{"cmd":"history"}"#)
            return (history["sessions"] as? [[String: Any]] ?? []).first { $0["id"] as? Int == id }?["end_reason"] != nil
        }
        let stored = try #require(try daemon.request(#"{"cmd":"session","id":\#(id)}"#)["beats"] as? [[String: Any]])
        let nnBeats = stored.filter { $0["nn"] as? Bool == true && ($0["rr_ms"] as? Double ?? 0) > 0 }.count
        let scored = stored.filter { $0["coherence_score"] != nil }.count
        let synchronized = stored.filter { $0["synchrony"] != nil }.count
        #expect(nnBeats >= 40)

        let breathctl = DaemonHarness.binDirectory.appendingPathComponent("breathctl").path
        let svgPath = daemon.directory.appendingPathComponent("report.svg").path
        let svgRun = try runProgram(breathctl, ["report", "\(id)", "--socket", daemon.socketPath, "--output", svgPath])
        #expect(svgRun.status == 0, "\(svgRun.output)")
        let counter = PolylineCounter()
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: svgPath)))
        parser.delegate = counter
        #expect(parser.parse(), "SVG parses: \(String(describing: parser.parserError))")
        #expect(counter.points["tachogram"] == nnBeats)
        #expect(counter.points["coherence"] == scored)
        // Synchrony needs 64 s of beats: this short session may have none, and then no line.
        #expect(counter.points["synchrony"] == (synchronized > 0 ? synchronized : nil))
        // The pacer curve spans the session's wall-clock length, sampled every 0.25 s.
        #expect((counter.points["breathing"] ?? 0) >= 24)

        // The PNG is drawn by librsvg in process: with nothing on PATH, no rsvg-convert is found.
        let pngPath = daemon.directory.appendingPathComponent("report.png").path
        let emptyPath = daemon.directory.appendingPathComponent("empty-bin").path
        try FileManager.default.createDirectory(atPath: emptyPath, withIntermediateDirectories: true)
        let pngRun = try runProgram(
            breathctl, ["report", "last", "--socket", daemon.socketPath, "--output", pngPath], environment: ["PATH": emptyPath])
        #expect(pngRun.status == 0 && pngRun.output.isEmpty, "\(pngRun.output)")
        let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: pngPath)))
        #expect(png.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 2000 && height == 1520, "PNG is \(width)×\(height)")
        // Decoded in full: every chunk's CRC checks and the IDAT data inflates to one filter byte
        // plus width × bytes-per-pixel per row.
        let decoded = try runProgram("python3", ["-c", Self.pngDecoder, pngPath])
        #expect(decoded.status == 0 && decoded.output.hasPrefix("ok 2000 1520"), "\(decoded.output)")

        let missing = try runProgram(breathctl, ["report", "9999", "--socket", daemon.socketPath, "--output", svgPath])
        #expect(missing.status != 0 && missing.output.contains("breathd:"), "\(missing.output)")
        fifo.close()
        #expect(daemon.terminate() == 0)
    }

    /// librsvg is loaded when a PNG is drawn, not at every start: linked, its 43 libraries (cairo,
    /// Pango, GLib, fontconfig) made `breathctl status` or `play` resident at 31-34 MB instead of ~19.
    @Test func breathctlStartsWithoutLibrsvg() throws {
        let breathctl = DaemonHarness.binDirectory.appendingPathComponent("breathctl").path
        let libraries = try ChildProcess.run("/usr/bin/ldd", [breathctl])
        #expect(libraries.status == 0, "\(libraries.stderr)")
        let drawing = libraries.stdout.split(separator: "\n").filter { line in
            ["librsvg", "libcairo", "libglib", "libgobject", "libpango"].contains { line.contains($0) }
        }
        #expect(drawing.isEmpty, "breathctl links \(drawing)")
    }
}
