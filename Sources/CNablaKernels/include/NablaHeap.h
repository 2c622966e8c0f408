#ifndef NABLA_HEAP_H
#define NABLA_HEAP_H

#ifdef __cplusplus
extern "C" {
#endif

/// Bytes the C allocator has handed out and not yet had back (glibc's mallinfo2: arena
/// allocations plus mmapped blocks), or -1 where the platform does not say. A diagnostic for
/// tests that check memory is returned, such as a thread's buffers when it ends.
long long nabla_heap_bytes_in_use(void);

/// Whether Nabla set glibc's malloc thresholds when it was loaded (blocks under 32 MiB from the
/// heap, up to 256 MiB of free heap kept), so that arrays freed and allocated again every step
/// are reused rather than returned to the system and faulted back in: 1 if so, 0 where the
/// platform is not glibc or the environment sets malloc options of its own.
int nabla_heap_keeps_freed_blocks(void);

#ifdef __cplusplus
}
#endif

#endif
