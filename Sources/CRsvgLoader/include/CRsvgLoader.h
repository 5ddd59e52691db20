#ifndef BREATHD_CRSVG_LOADER_H
#define BREATHD_CRSVG_LOADER_H
// The part of librsvg's, cairo's and GLib's C ABI that SVGRendering calls, loaded with dlopen the
// first time a PNG is drawn. Linking librsvg instead made every breathctl run (`status`, `play`,
// `--help`) map its 43 further libraries (cairo, Pango, glib, fontconfig, ...): peak RSS 31-34 MB
// instead of ~19 MB. The layouts below are those of the installed headers: SVGRenderingTests
// compares them with <librsvg/rsvg.h> and <cairo.h> (CRsvg) field by field.
#include <stddef.h>
#include <stdint.h>

typedef struct BreathRsvgRectangle { double x, y, width, height; } BreathRsvgRectangle;  // RsvgRectangle
typedef struct BreathGError { uint32_t domain; int32_t code; char *message; } BreathGError;  // GError
typedef int BreathCairoStatus;  // cairo_status_t
typedef BreathCairoStatus (*BreathCairoWriteFunction)(void *closure, const unsigned char *data, unsigned int length);

enum {
    BREATH_CAIRO_STATUS_SUCCESS = 0,       // CAIRO_STATUS_SUCCESS
    BREATH_CAIRO_STATUS_WRITE_ERROR = 11,  // CAIRO_STATUS_WRITE_ERROR
    BREATH_CAIRO_FORMAT_ARGB32 = 0,        // CAIRO_FORMAT_ARGB32
};

/// librsvg 2.52 or newer (rsvg_handle_get_intrinsic_size_in_pixels) and the cairo and GLib it uses.
typedef struct BreathRsvgLibrary {
    void *(*rsvg_handle_new_from_data)(const uint8_t *data, size_t length, BreathGError **error);
    void (*rsvg_handle_set_dpi)(void *handle, double dpi);
    int (*rsvg_handle_get_intrinsic_size_in_pixels)(void *handle, double *width, double *height);
    int (*rsvg_handle_render_document)(void *handle, void *cairo, const BreathRsvgRectangle *viewport, BreathGError **error);
    void (*g_object_unref)(void *object);
    void (*g_error_free)(BreathGError *error);
    void *(*cairo_image_surface_create)(int format, int width, int height);
    void (*cairo_surface_destroy)(void *surface);
    BreathCairoStatus (*cairo_surface_status)(void *surface);
    void (*cairo_surface_flush)(void *surface);
    BreathCairoStatus (*cairo_surface_write_to_png_stream)(void *surface, BreathCairoWriteFunction write, void *closure);
    void *(*cairo_create)(void *surface);
    void (*cairo_destroy)(void *cairo);
    void (*cairo_scale)(void *cairo, double sx, double sy);
    BreathCairoStatus (*cairo_status)(void *cairo);
    const char *(*cairo_status_to_string)(BreathCairoStatus status);
} BreathRsvgLibrary;

/// Loads librsvg (`librsvg-2.so.2`, which brings cairo and GLib) and fills `library`. Returns NULL,
/// or the reason it could not (the dynamic loader's message), valid until the next call.
const char *breath_rsvg_load(BreathRsvgLibrary *library);

#endif
