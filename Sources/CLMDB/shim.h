#ifndef KOOPLOG_CLMDB_SHIM_H
#define KOOPLOG_CLMDB_SHIM_H
#include <lmdb.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#endif

/* Asks the CPU to bring `count` bytes from `start` into its caches, a line (64 bytes) at a time.
   A hint only: it takes no page fault and changes no memory (GCC/Clang's __builtin_prefetch). A
   count of zero or less asks for nothing. */
static inline void kooplog_prefetch(const void *start, long count) {
    for (long offset = 0; offset < count; offset += 64) __builtin_prefetch((const char *)start + offset, 0, 3);
}

/* Whether the CPU has instructions for SHA-256 (x86's SHA extensions: CPUID leaf 7, EBX bit 29;
   ARMv8's SHA2), which swift-crypto's BoringSSL uses: hashing then costs a few cycles a byte
   instead of about ten. */
static inline int kooplog_cpu_hashes_sha256(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx >> 29) & 1;
#elif defined(__aarch64__) && defined(HWCAP_SHA2)
    return (getauxval(AT_HWCAP) & HWCAP_SHA2) != 0;
#else
    return 0;
#endif
}
#endif
