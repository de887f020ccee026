/*
 * Fault injection for the DRM stage's self-check: linked with
 * -Wl,--wrap=mmap, it shifts the file offset of every MAP_FIXED shared
 * mapping placed below 4 GiB by one page, which is exactly what a wrong
 * fd re-mmap would do.  The stage must then fail.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off);

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off)
{
    if ((flags & MAP_FIXED) && (flags & MAP_SHARED) && fd >= 0 &&
        (uintptr_t)addr < ((uintptr_t)1 << 32))
        off += 4096;
    return __real_mmap(addr, len, prot, flags, fd, off);
}
