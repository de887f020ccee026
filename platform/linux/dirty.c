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
 * told by a word on a page the kernel wipes in a forked child
 * (MADV_WIPEONFORK): one load, where a getpid() would be a system call.
 * Without that page, the pid tells.
 */
static struct {
    pthread_mutex_t lock;
    pid_t owner;
    int uffd, pagemap;
} fds = {PTHREAD_MUTEX_INITIALIZER, 0, -1, -1};

/*
 * Nonzero while fds.uffd and fds.pagemap are this process's: a page of
 * the library's own zeroed data, which the kernel can wipe in a forked
 * child like any private anonymous page.  No mapping of its own, so
 * lowmap takes no address the app may have just given back.
 */
#define MARK_BYTES 4096
typedef _Atomic int fork_word;
static _Alignas(MARK_BYTES) fork_word mark_words[MARK_BYTES / sizeof(fork_word)];
static fork_word *_Atomic mark_page;

/* Lock held: the mark, where the kernel will wipe it in a forked child
 * (on larger pages, or where the data are not anonymous, none). */
static fork_word *fork_mark(void)
{
    static bool tried;

    if (!tried) {
        tried = true;
        if ((size_t)sysconf(_SC_PAGESIZE) == MARK_BYTES &&
            madvise(mark_words, MARK_BYTES, MADV_WIPEONFORK) == 0)
            atomic_store_explicit(&mark_page, mark_words,
                                  memory_order_relaxed);
    }
    return atomic_load_explicit(&mark_page, memory_order_relaxed);
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
    fork_word *mark = atomic_load_explicit(&mark_page, memory_order_relaxed);

    /* The mark is set, with release, only after the fds are stored. */
    if (mark && atomic_load_explicit(mark, memory_order_acquire))
        return fds_result(uffd, pagemap);

    pthread_mutex_lock(&fds.lock);
    mark = fork_mark();
    bool ours = mark ? atomic_load_explicit(mark, memory_order_relaxed) != 0
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
        if (mark)
            atomic_store_explicit(mark, 1, memory_order_release);
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
