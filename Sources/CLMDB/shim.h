#ifndef KOOPLOG_CLMDB_SHIM_H
#define KOOPLOG_CLMDB_SHIM_H
#include <lmdb.h>

/* Asks the CPU to bring `count` bytes from `start` into its caches, a line (64 bytes) at a time.
   A hint only: it takes no page fault and changes no memory (GCC/Clang's __builtin_prefetch). A
   count of zero or less asks for nothing. */
static inline void kooplog_prefetch(const void *start, long count) {
    for (long offset = 0; offset < count; offset += 64) __builtin_prefetch((const char *)start + offset, 0, 3);
}
#endif
