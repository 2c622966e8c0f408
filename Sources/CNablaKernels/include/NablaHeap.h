#ifndef NABLA_HEAP_H
#define NABLA_HEAP_H

#ifdef __cplusplus
extern "C" {
#endif

/// Bytes the C allocator has handed out and not yet had back (glibc's mallinfo2: arena
/// allocations plus mmapped blocks), or -1 where the platform does not say. A diagnostic for
/// tests that check memory is returned, such as a thread's buffers when it ends.
long long nabla_heap_bytes_in_use(void);

#ifdef __cplusplus
}
#endif

#endif
