import CRsvg
import SVGRendering
import Testing

/// SVG → PNG through librsvg: the PNG is read back with cairo's PNG reader and its pixels looked at.
@Suite struct SVGRendererTests {
    /// 40×30 CSS pixels: a white page, a red square, a black bar and a word.
    static let drawing = """
        <svg xmlns="http://www.w3.org/2000/svg" width="40" height="30">
          <rect width="40" height="30" fill="#ffffff"/>
          <rect x="10" y="5" width="10" height="10" fill="#ff0000"/>
          <rect x="25" y="5" width="10" height="2" fill="#000000"/>
          <text x="2" y="27" font-family="sans-serif" font-size="9" fill="#000000">HRV</text>
        </svg>
        """

    /// A decoded PNG: width, height and the premultiplied ARGB pixels cairo reads.
    struct Decoded {
        var width: Int, height: Int
        var pixels: [UInt32]
        func pixel(_ x: Int, _ y: Int) -> UInt32 { pixels[y * width + x] }
    }

    static func decode(_ png: [UInt8]) throws -> Decoded {
        final class Source { var bytes: [UInt8]; var position = 0; init(_ b: [UInt8]) { bytes = b } }
        let source = Source(png)
        let surface = withExtendedLifetime(source) {
            cairo_image_surface_create_from_png_stream(
                { closure, data, length in
                    let source = Unmanaged<Source>.fromOpaque(closure!).takeUnretainedValue()
                    let count = Int(length)
                    guard let data, source.position + count <= source.bytes.count else { return CAIRO_STATUS_READ_ERROR }
                    for i in 0..<count { data[i] = source.bytes[source.position + i] }
                    source.position += count
                    return CAIRO_STATUS_SUCCESS
                },
                Unmanaged.passUnretained(source).toOpaque())
        }
        defer { cairo_surface_destroy(surface) }
        try #require(cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, "cairo decodes the PNG")
        let width = Int(cairo_image_surface_get_width(surface)), height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let base = try #require(cairo_image_surface_get_data(surface))
        var pixels: [UInt32] = []
        for y in 0..<height {
            let row = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
            pixels.append(contentsOf: UnsafeBufferPointer(start: row, count: width))
        }
        return Decoded(width: width, height: height, pixels: pixels)
    }

    static func bigEndian(_ bytes: ArraySlice<UInt8>) -> Int { bytes.reduce(0) { $0 << 8 | Int($1) } }

    @Test func thePNGHasTheSVGsSizeTimesTheScaleAndItsPixels() throws {
        let png = try SVGRenderer.png(svg: Self.drawing, scale: 2)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        #expect(Self.bigEndian(png[16..<20]) == 80 && Self.bigEndian(png[20..<24]) == 60, "IHDR is the SVG's 40×30 at scale 2")

        let image = try Self.decode(png)
        #expect(image.width == 80 && image.height == 60)
        // Well inside each shape, away from anti-aliased edges (ARGB, opaque).
        #expect(image.pixel(2, 2) == 0xFFFF_FFFF, "white page")
        #expect(image.pixel(30, 20) == 0xFFFF_0000, "red square at (10,5)-(20,15) CSS px, doubled")
        #expect(image.pixel(60, 12) == 0xFF00_0000, "black bar")
        #expect(image.pixel(45, 20) == 0xFFFF_FFFF, "between the shapes")
        // The word is laid out by Pango with a real font: its box (x 2-30, y 18-28 CSS px) holds
        // dark pixels, and not only dark ones.
        let wordBox = (36..<56).flatMap { y in (4..<60).map { x in image.pixel(x, y) } }
        let dark = wordBox.filter { ($0 >> 16 & 0xFF) < 0x80 }.count
        #expect(dark > 40 && dark < wordBox.count / 2, "\(dark) dark pixels of \(wordBox.count) where the text is")
    }

    @Test func scaleOneKeepsTheIntrinsicSize() throws {
        let png = try SVGRenderer.png(svg: Self.drawing)
        #expect(Self.bigEndian(png[16..<20]) == 40 && Self.bigEndian(png[20..<24]) == 30)
        #expect(try Self.decode(png).pixel(15, 10) == 0xFFFF_0000)
    }

    @Test(arguments: [
        ("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"30\"><rect", "the SVG cannot be read: "),
        ("a heart rate of 60 bpm", "the SVG cannot be read: "),
        ("", "the SVG cannot be read: "),
    ])
    func brokenSVGGivesOneSentence(svg: String, prefix: String) {
        #expect {
            _ = try SVGRenderer.png(svg: svg, scale: 2)
        } throws: { error in
            let message = (error as? SVGRenderingError)?.message ?? ""
            return message.hasPrefix(prefix) && message.count > prefix.count && !message.contains("\n")
        }
    }

    @Test func anSVGWithoutASizeIsRefusedWithTheReason() {
        let sizeless = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 30"><rect width="40" height="30"/></svg>"#
        #expect(throws: SVGRenderingError("the SVG has no width and height in absolute units, so its size in pixels is unknown")) {
            try SVGRenderer.png(svg: sizeless)
        }
    }

    @Test func aZeroScaleIsRefused() {
        #expect(throws: SVGRenderingError.self) { try SVGRenderer.png(svg: Self.drawing, scale: 0) }
    }
}
