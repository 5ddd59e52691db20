import CRsvg

/// Why SVG → PNG failed, as one sentence for the user.
public struct SVGRenderingError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// SVG to PNG in memory, through librsvg and cairo (the libraries behind rsvg-convert), so that no
/// helper program has to be installed or found on PATH.
///
/// Why librsvg and not a Swift rasteriser: the pictures are text-heavy, and librsvg lays text out
/// with Pango and fontconfig, anti-aliases with cairo, and implements the SVG we write completely.
/// The SVG stays the single drawing, so both formats always show the same picture.
public enum SVGRenderer {
    /// A PNG of `svg` at its intrinsic size (its `width`/`height`, in CSS pixels) times `scale`.
    /// The background stays transparent where the SVG draws nothing.
    public static func png(svg: String, scale: Double = 1) throws(SVGRenderingError) -> [UInt8] {
        guard scale > 0, scale.isFinite else { throw SVGRenderingError("the scale must be positive, not \(scale)") }
        let handle = try parse(svg)
        defer { g_object_unref(UnsafeMutableRawPointer(handle)) }

        var widthPixels = 0.0, heightPixels = 0.0
        guard rsvg_handle_get_intrinsic_size_in_pixels(handle, &widthPixels, &heightPixels) != 0 else {
            throw SVGRenderingError("the SVG has no width and height in absolute units, so its size in pixels is unknown")
        }
        // librsvg's advice: round up to whole pixels.
        let width = Int((widthPixels * scale).rounded(.up)), height = Int((heightPixels * scale).rounded(.up))
        // cairo's image surfaces stop at 32767 pixels a side.
        guard (1...32_767).contains(width), (1...32_767).contains(height) else {
            throw SVGRenderingError("the picture would be \(width)×\(height) pixels; it must be 1 to 32767 a side")
        }

        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        defer { cairo_surface_destroy(surface) }
        try check(cairo_surface_status(surface), "cannot create a \(width)×\(height) image")
        let context = cairo_create(surface)
        defer { cairo_destroy(context) }
        cairo_scale(context, scale, scale)
        var viewport = RsvgRectangle(x: 0, y: 0, width: widthPixels, height: heightPixels)
        var error: UnsafeMutablePointer<GError>?
        guard rsvg_handle_render_document(handle, context, &viewport, &error) != 0 else {
            throw SVGRenderingError("cannot draw the SVG: \(consume(error))")
        }
        try check(cairo_status(context), "cannot draw the SVG")
        cairo_surface_flush(surface)
        return try encode(surface)
    }

    private static func parse(_ svg: String) throws(SVGRenderingError) -> UnsafeMutablePointer<RsvgHandle> {
        var error: UnsafeMutablePointer<GError>?
        let bytes = Array(svg.utf8)
        let handle = bytes.withUnsafeBufferPointer { rsvg_handle_new_from_data($0.baseAddress, gsize($0.count), &error) }
        guard let handle else { throw SVGRenderingError("the SVG cannot be read: \(consume(error))") }
        // Units other than px (mm, pt) are converted at the CSS resolution, as browsers do.
        rsvg_handle_set_dpi(handle, 96)
        return handle
    }

    /// The PNG bytes cairo writes, collected through its stream callback.
    private static func encode(_ surface: OpaquePointer?) throws(SVGRenderingError) -> [UInt8] {
        final class Sink { var bytes: [UInt8] = [] }
        let sink = Sink()
        let status = withExtendedLifetime(sink) {
            cairo_surface_write_to_png_stream(
                surface,
                { closure, data, length in
                    guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
                    Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue().bytes
                        .append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
                    return CAIRO_STATUS_SUCCESS
                },
                Unmanaged.passUnretained(sink).toOpaque())
        }
        try check(status, "cannot encode the PNG")
        return sink.bytes
    }

    private static func check(_ status: cairo_status_t, _ what: String) throws(SVGRenderingError) {
        guard status == CAIRO_STATUS_SUCCESS else {
            throw SVGRenderingError("\(what): \(String(cString: cairo_status_to_string(status)))")
        }
    }

    /// The GError's message, freeing it.
    private static func consume(_ error: UnsafeMutablePointer<GError>?) -> String {
        guard let error else { return "librsvg gave no reason" }
        defer { g_error_free(error) }
        // libxml2's messages end in a newline; the sentence is one line.
        let message = error.pointee.message.map { String(cString: $0) } ?? ""
        let trimmed = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        return trimmed.isEmpty ? "librsvg gave no reason" : trimmed
    }
}
