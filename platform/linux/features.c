/*
 * Kernel feature probes.  Each one tries the real thing once on memory of
 * its own and caches the answer: headers say what was compiled against,
 * only the running kernel (and its sysctls, seccomp filters, containers)
 * says what works.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fault.h"
#include "platform.h"
#include "uapi.h"

/* 0: not probed yet, 1: no, 2: yes.  Racing probes agree, so no lock. */
typedef _Atomic int probe_cache;

static bool cached(probe_cache *c, bool (*probe)(void))
{
    int v = atomic_load_explicit(c, memory_order_relaxed);

    if (!v) {
        v = probe() ? 2 : 1;
        atomic_store_explicit(c, v, memory_order_relaxed);
    }
    return v == 2;
}

static bool probe_procmap_query(void)
{
    static const char here = 0; /* a mapped address: this image's data */
    struct procmap_query q;
    int fd, r;

    fd = FAULT_OR("fd/open", EMFILE, -1,
                  open("/proc/self/maps", O_RDONLY | O_CLOEXEC));
    if (fd < 0)
        return false;
    memset(&q, 0, sizeof(q));
    q.size = sizeof(q);
    q.query_addr = (uintptr_t)&here;
    r = FAULT_OR("ioctl/procmap_query", EPERM, -1,
                 ioctl(fd, PROCMAP_QUERY, &q));
    close(fd);
    return r == 0 && q.vma_start <= (uintptr_t)&here &&
           (uintptr_t)&here < q.vma_end;
}

static bool probe_pagemap_scan(void)
{
    size_t page = plat_page_size();
    struct page_region region;
    struct pm_scan_arg arg;
    void *p;
    int fd, r;

    p = FAULT_OR("mm/mmap", ENOMEM, MAP_FAILED,
                 mmap(NULL, page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (p == MAP_FAILED)
        return false;
    *(volatile char *)p = 1;
    fd = FAULT_OR("fd/open", EMFILE, -1,
                  open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
    if (fd < 0) {
        munmap(p, page);
        return false;
    }
    memset(&region, 0, sizeof(region));
    memset(&arg, 0, sizeof(arg));
    arg.size = sizeof(arg);
    arg.start = (uintptr_t)p;
    arg.end = (uintptr_t)p + page;
    arg.vec = (uintptr_t)&region;
    arg.vec_len = 1;
    arg.category_mask = PAGE_IS_PRESENT;
    arg.return_mask = PAGE_IS_PRESENT;
    /* Returns the number of regions filled: our one present page. */
    r = FAULT_OR("ioctl/pagemap_scan", EPERM, -1,
                 ioctl(fd, PAGEMAP_SCAN, &arg));
    close(fd);
    munmap(p, page);
    return r == 1 && region.start == (uintptr_t)p;
}

/* A userfaultfd, falling back to user-mode-only faults (all we need) where
 * vm.unprivileged_userfaultfd=0 refuses the full kind to the unprivileged. */
static int open_uffd(void)
{
    int fd = (int)FAULT_OR("sys/userfaultfd", EPERM, -1,
                           syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));

    if (fd < 0 && errno == EPERM)
        fd = (int)FAULT_OR("sys/userfaultfd", EPERM, -1,
                           syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK |
                                                        UFFD_USER_MODE_ONLY));
    return fd;
}

static bool probe_uffd_wp_async(void)
{
    struct uffdio_api api;
    int fd = open_uffd();
    bool ok;

    if (fd < 0)
        return false;
    memset(&api, 0, sizeof(api));
    api.api = UFFD_API;
    api.features = UFFD_FEATURE_WP_ASYNC;
    /* Kernels that do not know a requested feature fail UFFDIO_API. */
    ok = FAULT_OR("ioctl/uffd", EINVAL, -1, ioctl(fd, UFFDIO_API, &api)) == 0 &&
         (api.features & UFFD_FEATURE_WP_ASYNC);
    close(fd);
    return ok;
}

static bool probe_populate(void)
{
    size_t page = plat_page_size();
    void *p;
    bool ok;

    p = FAULT_OR("mm/mmap", ENOMEM, MAP_FAILED,
                 mmap(NULL, page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (p == MAP_FAILED)
        return false;
    ok = FAULT_OR("mm/madvise", EINVAL, -1,
                  madvise(p, page, MADV_POPULATE_WRITE)) == 0;
    munmap(p, page);
    return ok;
}

bool plat_have_procmap_query(void)
{
    static probe_cache c;
    return cached(&c, probe_procmap_query);
}

bool plat_have_pagemap_scan(void)
{
    static probe_cache c;
    return cached(&c, probe_pagemap_scan);
}

bool plat_have_uffd_wp_async(void)
{
    static probe_cache c;
    return cached(&c, probe_uffd_wp_async);
}

bool plat_have_populate(void)
{
    static probe_cache c;
    return cached(&c, probe_populate);
}
