#ifndef BREATHD_CALSA_SHIM_H
#define BREATHD_CALSA_SHIM_H
#include <alsa/asoundlib.h>
#include <stdarg.h>
#include <stdio.h>

/// Where libasound's own messages go, formatted: a plain (non-variadic) callback Swift can provide.
typedef void (*breathd_alsa_message_callback)(const char *file, int line, const char *function, int err, const char *message);

static breathd_alsa_message_callback breathd_alsa_message_target = 0;

/// The variadic handler libasound calls (`snd_lib_error_handler_t`): formats with vsnprintf and
/// hands the text to the callback, or drops it when there is none.
static inline void breathd_alsa_error_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    breathd_alsa_message_callback target = __atomic_load_n(&breathd_alsa_message_target, __ATOMIC_ACQUIRE);
    if (!target) return;
    char message[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    target(file, line, function, err, message);
}

/// Routes every later libasound message to `callback` (NULL silences them) instead of stderr.
static inline int breathd_alsa_route_messages(breathd_alsa_message_callback callback) {
    __atomic_store_n(&breathd_alsa_message_target, callback, __ATOMIC_RELEASE);
    return snd_lib_error_set_handler(breathd_alsa_error_handler);
}
#endif
