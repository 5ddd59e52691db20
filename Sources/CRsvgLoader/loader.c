#include "CRsvgLoader.h"
#include <dlfcn.h>
#include <stdio.h>

const char *breath_rsvg_load(BreathRsvgLibrary *library) {
    static char reason[512];
    // Never closed: the functions stay valid for the process's life, and GLib cannot be unloaded.
    void *handle = dlopen("librsvg-2.so.2", RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        snprintf(reason, sizeof reason, "%s", dlerror());
        return reason;
    }
    // dlsym on the handle searches librsvg and the libraries it depends on (cairo, GObject, GLib).
#define LOAD(name)                                                                    \
    do {                                                                              \
        *(void **)(&library->name) = dlsym(handle, #name);                            \
        if (library->name == NULL) {                                                  \
            snprintf(reason, sizeof reason, "librsvg-2.so.2 has no %s", #name);       \
            return reason;                                                            \
        }                                                                             \
    } while (0)
    LOAD(rsvg_handle_new_from_data);
    LOAD(rsvg_handle_set_dpi);
    LOAD(rsvg_handle_get_intrinsic_size_in_pixels);
    LOAD(rsvg_handle_render_document);
    LOAD(g_object_unref);
    LOAD(g_error_free);
    LOAD(cairo_image_surface_create);
    LOAD(cairo_surface_destroy);
    LOAD(cairo_surface_status);
    LOAD(cairo_surface_flush);
    LOAD(cairo_surface_write_to_png_stream);
    LOAD(cairo_create);
    LOAD(cairo_destroy);
    LOAD(cairo_scale);
    LOAD(cairo_status);
    LOAD(cairo_status_to_string);
#undef LOAD
    return NULL;
}
