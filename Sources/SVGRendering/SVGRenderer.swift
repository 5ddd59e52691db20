import CRsvgLoader

/// Why SVG → PNG failed, as one sentence for the user.
public struct SVGRenderingError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// SVG to PNG in memory, through librsvg and cairo (the libraries behind rsvg-convert), so that no
/// helper program has to be installed or found on PATH. librsvg is loaded the first time a PNG is
/// drawn (CRsvgLoader), so the rest of breathctl never maps it and its 43 libraries.
///
/// Why librsvg and not a Swift rasteriser: the pictures are text-heavy, and librsvg lays text out
/// with Pango and fontconfig, anti-aliases with cairo, and implements the SVG we write completely.
/// The SVG stays the single drawing, so both formats always show the same picture.
public enum SVGRenderer {
    /// A PNG of `svg` at its intrinsic size (its `width`/`height`, in CSS pixels) times `scale`.
    /// The background stays transparent where the SVG draws nothing.
    public static func png(svg: String, scale: Double = 1) throws(SVGRenderingError) -> [UInt8] {
        guard scale > 0, scale.isFinite else { throw SVGRenderingError("the scale must be positive, not \(scale)") }
        let library = try Librsvg.loaded.get()
        let handle = try parse(svg, library)
        defer { library.g_object_unref(handle) }

        var widthPixels = 0.0, heightPixels = 0.0
        guard library.rsvg_handle_get_intrinsic_size_in_pixels(handle, &widthPixels, &heightPixels) != 0 else {
            throw SVGRenderingError("the SVG has no width and height in absolute units, so its size in pixels is unknown")
        }
        // librsvg's advice: round up to whole pixels.
        let width = Int((widthPixels * scale).rounded(.up)), height = Int((heightPixels * scale).rounded(.up))
        // cairo's image surfaces stop at 32767 pixels a side.
        guard (1...32_767).contains(width), (1...32_767).contains(height) else {
            throw SVGRenderingError("the picture would be \(width)×\(height) pixels; it must be 1 to 32767 a side")
        }

        let surface = library.cairo_image_surface_create(Int32(BREATH_CAIRO_FORMAT_ARGB32), Int32(width), Int32(height))
        defer { library.cairo_surface_destroy(surface) }
        try check(library.cairo_surface_status(surface), "cannot create a \(width)×\(height) image", library)
        let context = library.cairo_create(surface)
        defer { library.cairo_destroy(context) }
        library.cairo_scale(context, scale, scale)
        var viewport = BreathRsvgRectangle(x: 0, y: 0, width: widthPixels, height: heightPixels)
        var error: UnsafeMutablePointer<BreathGError>?
        guard library.rsvg_handle_render_document(handle, context, &viewport, &error) != 0 else {
            throw SVGRenderingError("cannot draw the SVG: \(consume(error, library))")
        }
        try check(library.cairo_status(context), "cannot draw the SVG", library)
        library.cairo_surface_flush(surface)
        return try encode(surface, library)
    }

    private static func parse(_ svg: String, _ library: Librsvg) throws(SVGRenderingError) -> UnsafeMutableRawPointer {
        var error: UnsafeMutablePointer<BreathGError>?
        let bytes = Array(svg.utf8)
        let handle = bytes.withUnsafeBufferPointer { library.rsvg_handle_new_from_data($0.baseAddress, $0.count, &error) }
        guard let handle else { throw SVGRenderingError("the SVG cannot be read: \(consume(error, library))") }
        // Units other than px (mm, pt) are converted at the CSS resolution, as browsers do.
        library.rsvg_handle_set_dpi(handle, 96)
        return handle
    }

    /// The PNG bytes cairo writes, collected through its stream callback.
    private static func encode(_ surface: UnsafeMutableRawPointer?, _ library: Librsvg) throws(SVGRenderingError) -> [UInt8] {
        final class Sink { var bytes: [UInt8] = [] }
        let sink = Sink()
        let status = withExtendedLifetime(sink) {
            library.cairo_surface_write_to_png_stream(
                surface,
                { closure, data, length in
                    guard let closure, let data else { return BreathCairoStatus(BREATH_CAIRO_STATUS_WRITE_ERROR) }
                    Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue().bytes
                        .append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
                    return BreathCairoStatus(BREATH_CAIRO_STATUS_SUCCESS)
                },
                Unmanaged.passUnretained(sink).toOpaque())
        }
        try check(status, "cannot encode the PNG", library)
        return sink.bytes
    }

    private static func check(_ status: BreathCairoStatus, _ what: String, _ library: Librsvg) throws(SVGRenderingError) {
        guard status == BREATH_CAIRO_STATUS_SUCCESS else {
            let reason = library.cairo_status_to_string(status).map { String(cString: $0) } ?? "cairo status \(status)"
            throw SVGRenderingError("\(what): \(reason)")
        }
    }

    /// The GError's message, freeing it.
    private static func consume(_ error: UnsafeMutablePointer<BreathGError>?, _ library: Librsvg) -> String {
        guard let error else { return "librsvg gave no reason" }
        defer { library.g_error_free(error) }
        // libxml2's messages end in a newline; the sentence is one line.
        let message = error.pointee.message.map { String(cString: $0) } ?? ""
        let trimmed = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        return trimmed.isEmpty ? "librsvg gave no reason" : trimmed
    }
}

/// librsvg's functions, loaded once, the first time a PNG is drawn.
@dynamicMemberLookup
struct Librsvg: @unchecked Sendable {  // Function pointers into a library that is never unloaded.
    private let functions: BreathRsvgLibrary

    static let loaded: Result<Librsvg, SVGRenderingError> = {
        var functions = BreathRsvgLibrary()
        if let reason = breath_rsvg_load(&functions) {
            return .failure(SVGRenderingError(
                "PNG output needs librsvg 2.52 or newer, which cannot be loaded (\(String(cString: reason))): "
                    + "install the librsvg2-2 package, or write an SVG (--output x.svg)"))
        }
        return .success(Librsvg(functions: functions))
    }()

    subscript<T>(dynamicMember keyPath: KeyPath<BreathRsvgLibrary, T?>) -> T { functions[keyPath: keyPath]! }
}
