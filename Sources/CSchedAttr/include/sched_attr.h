// sched_setattr(2) and sched_getattr(2): glibc before 2.41 has no wrapper, and Swift cannot call
// the variadic syscall(2). Imported by SystemCalls only.
#pragma once
#include <linux/sched/types.h>
#include <sys/syscall.h>
#include <unistd.h>

/// The calling thread's attributes into *attr; 0 or -1 with errno.
static inline int csched_getattr(struct sched_attr *attr) {
    return (int)syscall(SYS_sched_getattr, 0, attr, (unsigned int)sizeof(*attr), 0u);
}

/// Sets the calling thread's attributes; 0 or -1 with errno.
static inline int csched_setattr(struct sched_attr *attr) {
    attr->size = (unsigned int)sizeof(*attr);
    return (int)syscall(SYS_sched_setattr, 0, attr, 0u);
}
