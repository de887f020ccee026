/*
 * Dirty-page tracking without signals: pages are write-protected through a
 * userfaultfd in async mode (the kernel lifts the protection on the first
 * write and delivers no fault), and PAGEMAP_SCAN lists the pages whose
 * protection is gone.  Both need Linux 6.7.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fault.h"
#include "platform.h"
#include "uapi.h"

/*
 * One userfaultfd and one pagemap fd per process.  A userfaultfd belongs to
 * the mm that opened it, so a forked child opens its own (its copies of
 * tracked ranges come without protection and simply read as written).
 * fds.lock guards the pair and is held only to open or swap them.
 *
 * Every write-back asks for them, so whether they are this process's is
 * told by fork_mark, set once they are opened: it lies alone on a page of
 * the library's zeroed data, which MADV_WIPEONFORK has the kernel clear
 * in a forked child.  One load, where a getpid() would be a system call,
 * and no mapping of its own, so lowmap takes no address the app may have
 * just given back.  Where the kernel will not wipe that page (larger
 * pages, data that are not anonymous), the mark stays clear and the pid
 * tells.
 */
static struct {
    pthread_mutex_t lock;
    pid_t owner;
    int uffd, pagemap;
} fds = {PTHREAD_MUTEX_INITIALIZER, 0, -1, -1};

#define MARK_BYTES 4096
static _Alignas(MARK_BYTES) _Atomic int fork_mark[MARK_BYTES / sizeof(int)];

/* Lock held: whether a forked child sees fork_mark cleared (asked once). */
static bool mark_wiped(void)
{
    static bool asked, wiped;

    if (!asked) {
        asked = true;
        wiped = (size_t)sysconf(_SC_PAGESIZE) == MARK_BYTES &&
                madvise(fork_mark, MARK_BYTES, MADV_WIPEONFORK) == 0;
    }
    return wiped;
}

static int open_uffd(void)
{
    struct uffdio_api api = {.api = UFFD_API,
                             .features = UFFD_FEATURE_WP_ASYNC |
                                         UFFD_FEATURE_WP_UNPOPULATED};
    int fd = (int)FAULT_OR("sys/userfaultfd", EPERM, -1,
                           syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));

    /* Where unprivileged userfaultfd is off, user-mode faults are all
     * write-protection of our own memory needs. */
    if (fd < 0 && errno == EPERM)
        fd = (int)FAULT_OR("sys/userfaultfd", EPERM, -1,
                           syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK |
                                                        UFFD_USER_MODE_ONLY));
    if (fd < 0)
        return -errno;
    if (FAULT_OR("ioctl/uffd", EINVAL, -1, ioctl(fd, UFFDIO_API, &api)) < 0 ||
        (api.features & (UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED)) !=
            (UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED)) {
        close(fd);
        return -ENOTSUP;
    }
    return fd;
}

static int fds_result(int *uffd, int *pagemap)
{
    *uffd = fds.uffd;
    *pagemap = fds.pagemap;
    return fds.uffd < 0 ? fds.uffd : fds.pagemap < 0 ? fds.pagemap : 0;
}

/* The fds of this process, opened on first use and again after fork. */
static int get_fds(int *uffd, int *pagemap)
{
    /* Set, with release, only after the fds are stored. */
    if (atomic_load_explicit(&fork_mark[0], memory_order_acquire))
        return fds_result(uffd, pagemap);

    pthread_mutex_lock(&fds.lock);
    bool wiped = mark_wiped();
    bool ours = wiped ? atomic_load_explicit(&fork_mark[0],
                                             memory_order_relaxed) != 0
                      : fds.owner == getpid();
    if (!ours) {
        /* The inherited fds still work for the parent's mm only. */
        if (fds.uffd >= 0 && fds.owner)
            close(fds.uffd);
        if (fds.pagemap >= 0 && fds.owner)
            close(fds.pagemap);
        fds.uffd = open_uffd();
        fds.pagemap = FAULT_OR("fd/open", EMFILE, -1,
                               open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
        if (fds.pagemap < 0)
            fds.pagemap = -errno;
        fds.owner = getpid();
        if (wiped)
            atomic_store_explicit(&fork_mark[0], 1, memory_order_release);
    }
    int err = fds_result(uffd, pagemap);
    pthread_mutex_unlock(&fds.lock);
    return err;
}

bool plat_have_dirty_tracking(void)
{
    int uffd, pagemap;

    return plat_have_pagemap_scan() && get_fds(&uffd, &pagemap) == 0;
}

int plat_dirty_track(uintptr_t addr, size_t len)
{
    struct uffdio_register reg = {.range = {addr, len},
                                  .mode = UFFDIO_REGISTER_MODE_WP};
    struct uffdio_writeprotect wp = {.range = {addr, len},
                                     .mode = UFFDIO_WRITEPROTECT_MODE_WP};
    int uffd, pagemap, err;

    if ((err = get_fds(&uffd, &pagemap)))
        return err;
    if (FAULT_OR("ioctl/uffd", ENOMEM, -1,
                 ioctl(uffd, UFFDIO_REGISTER, &reg)) < 0)
        return -errno;
    if (FAULT_OR("ioctl/uffd", ENOMEM, -1,
                 ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) < 0) {
        err = -errno;
        ioctl(uffd, UFFDIO_UNREGISTER, &reg.range);
        return err;
    }
    return 0;
}

int plat_dirty_protect(uintptr_t addr, size_t len, bool protect)
{
    struct uffdio_writeprotect wp = {
        .range = {addr, len},
        .mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
    int uffd, pagemap, err;

    if ((err = get_fds(&uffd, &pagemap)))
        return err;
    return FAULT_OR("ioctl/uffd", ENOMEM, -1,
                    ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) < 0 ? -errno : 0;
}

int plat_dirty_scan(uintptr_t addr, size_t len, bool reset,
                    void (*fn)(void *ctx, uintptr_t start, uintptr_t end),
                    void *ctx)
{
    struct page_region regions[32];
    uintptr_t at = addr, end = addr + len;
    int uffd, pagemap, err;

    if ((err = get_fds(&uffd, &pagemap)))
        return err;
    while (at < end) {
        struct pm_scan_arg arg;
        long n;

        memset(&arg, 0, sizeof(arg));
        arg.size = sizeof(arg);
        /* CHECK_WPASYNC: fail rather than report untracked memory as
         * clean, which would lose writes. */
        arg.flags = PM_SCAN_CHECK_WPASYNC | (reset ? PM_SCAN_WP_MATCHING : 0);
        arg.start = at;
        arg.end = end;
        arg.vec = (uintptr_t)regions;
        arg.vec_len = sizeof(regions) / sizeof(regions[0]);
        arg.category_mask = PAGE_IS_WRITTEN;
        arg.return_mask = PAGE_IS_WRITTEN;
        n = FAULT_OR("ioctl/pagemap_scan", EPERM, -1,
                     ioctl(pagemap, PAGEMAP_SCAN, &arg));
        if (n < 0)
            return -errno;
        for (long i = 0; i < n; i++)
            fn(ctx, regions[i].start, regions[i].end);
        if (arg.walk_end <= at)
            return -EIO; /* no progress: never loop forever */
        at = arg.walk_end;
    }
    return 0;
}
