#include "NablaHeap.h"
#include <stdlib.h>   /* defines __GLIBC__ on glibc */
#include <string.h>

#if defined(__GLIBC__)
#include <malloc.h>

long long nabla_heap_bytes_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return (long long)info.uordblks + (long long)info.hblkhd;
}

/* glibc serves blocks of 128 KiB and more with mmap until one is freed, then raises that
 * threshold to the freed block's size and returns the top of the heap to the system whenever
 * twice that is free there. A training loop frees and allocates the same large arrays every
 * step (a weight's gradient, its updated value), so with those defaults each step gives pages
 * back and faults them in again: 362,379 page faults in a W4 benchmark run against 2,272 with
 * the thresholds below, and a step up to 25% slower, varying from one process to the next with where the arrays land. Fixed
 * thresholds keep them: blocks under 32 MiB (glibc's largest automatic threshold) come from the
 * heap and up to 256 MiB of free heap is kept for reuse; larger blocks are still mapped and
 * returned at once. A program that sets glibc's malloc options itself (MALLOC_MMAP_THRESHOLD_,
 * MALLOC_TRIM_THRESHOLD_ or GLIBC_TUNABLES in its environment) keeps its own. */
enum { NABLA_MMAP_THRESHOLD = 32 << 20, NABLA_TRIM_THRESHOLD = 256 << 20 };

static int nabla_heap_configured = 0;

__attribute__((constructor)) static void nabla_configure_heap(void) {
    const char *tunables = getenv("GLIBC_TUNABLES");
    if (getenv("MALLOC_MMAP_THRESHOLD_") || getenv("MALLOC_TRIM_THRESHOLD_") || (tunables && strstr(tunables, "malloc")))
        return;
    nabla_heap_configured = mallopt(M_MMAP_THRESHOLD, NABLA_MMAP_THRESHOLD) == 1 && mallopt(M_TRIM_THRESHOLD, NABLA_TRIM_THRESHOLD) == 1;
}

int nabla_heap_keeps_freed_blocks(void) { return nabla_heap_configured; }
#else
long long nabla_heap_bytes_in_use(void) { return -1; }
int nabla_heap_keeps_freed_blocks(void) { return 0; }
#endif
