#ifndef BREATHD_CALSA_SHIM_H
#define BREATHD_CALSA_SHIM_H
#include <alsa/asoundlib.h>
#endif
