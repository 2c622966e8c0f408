// How many cores this process may run on: its CPU affinity where the system has one (taskset,
// cgroup cpusets and containers narrow it), otherwise the cores online.
#if defined(__linux__)
#define _GNU_SOURCE
#include <sched.h>
#endif
#include "NablaKernels.h"
#include <unistd.h>

int nabla_available_cores(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
#endif
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}
