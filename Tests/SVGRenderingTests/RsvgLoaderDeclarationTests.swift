import CRsvg
import CRsvgLoader
import Testing

/// CRsvgLoader declares the few librsvg, cairo and GLib types it passes, so that breathctl need not
/// link librsvg; these are held against the installed headers, field by field.
@Suite struct RsvgLoaderDeclarationTests {
    @Test func theRectangleIsRsvgRectangle() {
        #expect(MemoryLayout<BreathRsvgRectangle>.size == MemoryLayout<RsvgRectangle>.size)
        #expect(MemoryLayout<BreathRsvgRectangle>.alignment == MemoryLayout<RsvgRectangle>.alignment)
        #expect(MemoryLayout<BreathRsvgRectangle>.offset(of: \.x) == MemoryLayout<RsvgRectangle>.offset(of: \.x))
        #expect(MemoryLayout<BreathRsvgRectangle>.offset(of: \.y) == MemoryLayout<RsvgRectangle>.offset(of: \.y))
        #expect(MemoryLayout<BreathRsvgRectangle>.offset(of: \.width) == MemoryLayout<RsvgRectangle>.offset(of: \.width))
        #expect(MemoryLayout<BreathRsvgRectangle>.offset(of: \.height) == MemoryLayout<RsvgRectangle>.offset(of: \.height))
    }

    @Test func theErrorIsGError() {
        #expect(MemoryLayout<BreathGError>.size == MemoryLayout<GError>.size)
        #expect(MemoryLayout<BreathGError>.offset(of: \.domain) == MemoryLayout<GError>.offset(of: \.domain))
        #expect(MemoryLayout<BreathGError>.offset(of: \.code) == MemoryLayout<GError>.offset(of: \.code))
        #expect(MemoryLayout<BreathGError>.offset(of: \.message) == MemoryLayout<GError>.offset(of: \.message))
    }

    @Test func theCairoConstantsAreCairos() {
        #expect(MemoryLayout<BreathCairoStatus>.size == MemoryLayout<cairo_status_t>.size)
        #expect(Int(BREATH_CAIRO_STATUS_SUCCESS) == Int(CAIRO_STATUS_SUCCESS.rawValue))
        #expect(Int(BREATH_CAIRO_STATUS_WRITE_ERROR) == Int(CAIRO_STATUS_WRITE_ERROR.rawValue))
        #expect(Int(BREATH_CAIRO_FORMAT_ARGB32) == Int(CAIRO_FORMAT_ARGB32.rawValue))
    }

    /// The test binary links librsvg, so dlopen finds the same library: what the loader found must
    /// be the very functions the headers declare.
    @Test func theLoadedFunctionsAreLibrsvgs() throws {
        var library = BreathRsvgLibrary()
        let reason = breath_rsvg_load(&library)
        #expect(reason == nil, "\(reason.map { String(cString: $0) } ?? "")")
        func address<F>(_ function: F) -> UnsafeRawPointer { unsafeBitCast(function, to: UnsafeRawPointer.self) }
        let linked: @convention(c) (OpaquePointer?) -> OpaquePointer? = cairo_create
        let loaded = try #require(library.cairo_create)
        #expect(address(loaded) == address(linked))
        let render: @convention(c) (UnsafeMutablePointer<RsvgHandle>?, OpaquePointer?, UnsafePointer<RsvgRectangle>?, UnsafeMutablePointer<UnsafeMutablePointer<GError>?>?) -> gboolean =
            rsvg_handle_render_document
        #expect(address(try #require(library.rsvg_handle_render_document)) == address(render))
    }
}
