// libsystemd's sd-daemon (notify, watchdog, socket activation), sd-journal and sd-bus.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-bus.h>
