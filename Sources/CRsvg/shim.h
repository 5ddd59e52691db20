#ifndef BREATHD_CRSVG_SHIM_H
#define BREATHD_CRSVG_SHIM_H
// librsvg (SVG parsing and layout, text through Pango) drawing on a cairo image surface, which cairo
// encodes as PNG. Imported by SVGRendering only.
#include <librsvg/rsvg.h>
#include <cairo.h>

// rsvg_handle_render_document (2.46) and rsvg_handle_get_intrinsic_size_in_pixels (2.52).
#if !LIBRSVG_CHECK_VERSION(2, 52, 0)
#error "breathd needs librsvg 2.52 or newer (Debian 12, Ubuntu 22.04): install librsvg2-dev"
#endif
#endif
