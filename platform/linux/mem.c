/*
 * Address-space primitives: reservations, placeholders, anonymous and
 * shared memory, mremap duplication, prefaulting.
 *
 * Placeholders and reservations are PROT_NONE, MAP_NORESERVE private
 * anonymous memory: they cost no commit charge, fault on any access, and
 * keep the kernel from putting anything else in the slot.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fault.h"
#include "platform.h"
#include "uapi.h"

#define PLACEHOLDER_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)

size_t plat_page_size(void)
{
    static _Atomic size_t cached;
    size_t v = atomic_load_explicit(&cached, memory_order_relaxed);

    if (!v) {
        long r = sysconf(_SC_PAGESIZE);
        v = r > 0 ? (size_t)r : 4096;
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v;
}

/* A non-empty, page-aligned range that does not wrap. */
static bool range_ok(uintptr_t addr, size_t len)
{
    uintptr_t mask = plat_page_size() - 1;

    return len && !(addr & mask) && !(len & mask) && addr + len > addr;
}

int plat_reserve(uintptr_t addr, size_t len)
{
    void *p;

    if (!range_ok(addr, len))
        return -EINVAL;
    p = FAULT_OR("mm/mmap", ENOMEM, MAP_FAILED,
                 mmap((void *)addr, len, PROT_NONE, PLACEHOLDER_FLAGS |
                      MAP_FIXED_NOREPLACE, -1, 0));
    if (p == MAP_FAILED)
        return -errno;
    if ((uintptr_t)p != addr) {
        /* Kernels before 4.17 do not know MAP_FIXED_NOREPLACE and take the
         * address as a hint: elsewhere means "occupied". */
        munmap(p, len);
        return -EEXIST;
    }
    return 0;
}

size_t plat_map_limit(void)
{
    FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
    unsigned long v = 0;

    if (f) {
        if (fscanf(f, "%lu", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v ? (size_t)v : 65530;
}

int plat_placeholder(uintptr_t addr, size_t len)
{
    if (!range_ok(addr, len))
        return -EINVAL;
    if (FAULT_SLOT_OR("mm/mmap", ENOMEM, addr, len, MAP_FAILED,
                      mmap((void *)addr, len, PROT_NONE,
                           PLACEHOLDER_FLAGS | MAP_FIXED, -1, 0)) ==
        MAP_FAILED)
        return -errno;
    return 0;
}

int plat_slot_restore(uintptr_t addr, size_t len)
{
    struct plat_vma v;
    int r = plat_reserve(addr, len);

    if (r != -EEXIST)
        return r;
    /* Something is there: our placeholder if the failed call left it (or
     * put it back), else another thread's mapping, which we leave alone. */
    if (plat_vma_query(addr, &v) == 0 && v.start <= addr &&
        v.end >= addr + len && !v.shared && v.ino == 0 &&
        v.prot == PLAT_PROT_NONE)
        return 0;
    return -EEXIST;
}

int plat_map_anon(uintptr_t addr, size_t len, unsigned prot)
{
    if (!range_ok(addr, len) || (prot & ~(unsigned)(PLAT_PROT_READ |
                                                     PLAT_PROT_WRITE)))
        return -EINVAL;
    if (FAULT_SLOT_OR("mm/mmap", ENOMEM, addr, len, MAP_FAILED,
                      mmap((void *)addr, len, (int)prot,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)) ==
        MAP_FAILED)
        return -errno;
    return 0;
}

int plat_unmap(uintptr_t addr, size_t len)
{
    if (!range_ok(addr, len))
        return -EINVAL;
    if (FAULT_OR("mm/munmap", ENOMEM, -1, munmap((void *)addr, len)) < 0)
        return -errno;
    return 0;
}

int plat_protect(uintptr_t addr, size_t len, unsigned prot)
{
    if (!range_ok(addr, len) || (prot & ~(unsigned)(PLAT_PROT_READ |
                                                     PLAT_PROT_WRITE)))
        return -EINVAL;
    if (FAULT_OR("mm/mprotect", ENOMEM, -1,
                 mprotect((void *)addr, len, (int)prot)) < 0)
        return -errno;
    return 0;
}

int plat_mremap_dup(uintptr_t src, size_t len, uintptr_t dst)
{
    void *p;

    if (!range_ok(src, len) || !range_ok(dst, len))
        return -EINVAL;
    /* old_size 0 asks for a second mapping of the same pages instead of a
     * move; the kernel allows it for shared mappings only. */
    p = FAULT_SLOT_OR("mm/mremap", ENOMEM, dst, len, MAP_FAILED,
                      mremap((void *)src, 0, len,
                             MREMAP_MAYMOVE | MREMAP_FIXED, (void *)dst));
    if (p == MAP_FAILED)
        return -errno;
    return 0;
}

int plat_range_mapped(uintptr_t addr, size_t len)
{
    size_t page = plat_page_size();
    unsigned char vec[64];

    if (!range_ok(addr, len))
        return -EINVAL;
    /* mincore() fails with ENOMEM on any unmapped page of the range. */
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof(vec) * page ? len - done
                                                    : sizeof(vec) * page;
        if (FAULT_OR("mm/mincore", ENOMEM, -1,
                     mincore((void *)(addr + done), n, vec)) < 0)
            return -errno;
        done += n;
    }
    return 0;
}

void plat_populate(uintptr_t addr, size_t len, bool write)
{
    /* Best effort: a failure (old kernel, PROT_NONE, a driver that fills
     * pages only on access) only means the faults come later. */
    (void)FAULT_OR("mm/madvise", ENOMEM, -1,
                   madvise((void *)addr, len,
                           write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ));
}

int plat_shm_create(size_t size)
{
    int fd = FAULT_OR("fd/memfd_create", EMFILE, -1,
                      memfd_create("lowmap", MFD_CLOEXEC));

    if (fd < 0)
        return -errno;
    if (FAULT_OR("fd/ftruncate", ENOSPC, -1, ftruncate(fd, (off_t)size)) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

int plat_map_shared(int fd, size_t size, uintptr_t *out)
{
    void *p;

    if (fd < 0 || !size || !out)
        return -EINVAL;
    p = FAULT_OR("mm/mmap", ENOMEM, MAP_FAILED,
                 mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    if (p == MAP_FAILED)
        return -errno;
    *out = (uintptr_t)p;
    return 0;
}

void plat_close(int fd)
{
    /* Linux releases the fd even when close() reports EINTR: never retry. */
    if (fd >= 0)
        (void)close(fd);
}

int plat_atfork(void (*prepare)(void), void (*parent)(void),
                void (*child)(void))
{
    return -pthread_atfork(prepare, parent, child);
}
