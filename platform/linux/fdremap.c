/*
 * plat_fd_remap(): map a VMA's file again, low, through an fd this process
 * already holds.
 *
 * Why an existing fd: DRM drivers check mmap offsets per open file
 * description, so only the fd the driver mapped through (or a dup of it)
 * works; a fresh open() of the node gets EACCES.  We cannot tell which fd
 * that was, so we try every fd on the same inode, and remember per inode
 * the one that worked.  Matching by (st_dev, st_ino) already pins the node,
 * so every candidate is of the same DRM node type; nothing DRM-specific is
 * needed beyond trying them in order.
 *
 * SPDX-License-Identifier: MIT
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "platform.h"

#define MAX_CANDIDATES 256

/*
 * The fd that last worked, per inode: a small round-robin table.  A stale
 * entry is harmless (it is re-validated with fstat and then just tried).
 * hint_lock guards hints[] and hint_next; it is held only for table lookups
 * and updates, never across a system call, and is kept sane across fork.
 */
static struct {
    uint64_t dev, ino;
    int fd; /* -1: empty */
} hints[32];
static unsigned hint_next;
static pthread_mutex_t hint_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t hint_once = PTHREAD_ONCE_INIT;

static void hint_lock_prepare(void) { pthread_mutex_lock(&hint_lock); }
static void hint_lock_release(void) { pthread_mutex_unlock(&hint_lock); }

static void hint_init(void)
{
    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
        hints[i].fd = -1;
    pthread_atfork(hint_lock_prepare, hint_lock_release, hint_lock_release);
}

static int hint_get(uint64_t dev, uint64_t ino)
{
    int fd = -1;

    pthread_mutex_lock(&hint_lock);
    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
        if (hints[i].fd >= 0 && hints[i].dev == dev && hints[i].ino == ino) {
            fd = hints[i].fd;
            break;
        }
    pthread_mutex_unlock(&hint_lock);
    return fd;
}

static void hint_set(uint64_t dev, uint64_t ino, int fd)
{
    size_t n = sizeof(hints) / sizeof(hints[0]), slot = n;

    pthread_mutex_lock(&hint_lock);
    for (size_t i = 0; i < n; i++)
        if (hints[i].fd >= 0 && hints[i].dev == dev && hints[i].ino == ino)
            slot = i;
    if (slot == n)
        slot = hint_next++ % n;
    hints[slot].dev = dev;
    hints[slot].ino = ino;
    hints[slot].fd = fd;
    pthread_mutex_unlock(&hint_lock);
}

/* Does @fd refer to the inode, with an access mode that allows @prot? */
static bool fd_fits(int fd, uint64_t dev, uint64_t ino, int prot)
{
    struct stat st;
    int fl;

    if (FAULT_OR("fd/fstat", EBADF, -1, fstat(fd, &st)) < 0 ||
        st.st_dev != dev || st.st_ino != ino)
        return false;
    fl = FAULT_OR("fd/fcntl", EBADF, -1, fcntl(fd, F_GETFL));
    if (fl < 0)
        return false;
    /* A shared mapping needs a readable fd, and a writable one for
     * PROT_WRITE; the kernel would refuse the others with EACCES, after
     * having cost us the slot. */
    if ((fl & O_ACCMODE) == O_WRONLY)
        return false;
    if ((prot & PROT_WRITE) && (fl & O_ACCMODE) != O_RDWR)
        return false;
    return true;
}

/* Open fds of this process that fit, in /proc/self/fd order, skipping
 * @skip (already tried). */
static int find_candidates(uint64_t dev, uint64_t ino, int prot, int skip,
                           int *fds, int max)
{
    struct dirent *de;
    int n = 0, dfd;
    DIR *dir;

    dfd = FAULT_OR("fd/open", EMFILE, -1,
                   open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd < 0)
        return -errno;
    dir = FAULT_OR("fd/fdopendir", ENOMEM, NULL, fdopendir(dfd));
    if (!dir) {
        int err = errno;
        close(dfd);
        return -err;
    }
    while (n < max &&
           (de = FAULT_OR("fd/readdir", EIO, NULL, readdir(dir)))) {
        char *end;
        long fd = strtol(de->d_name, &end, 10);
        if (end == de->d_name || *end || fd < 0 || fd > INT32_MAX ||
            fd == dfd || fd == skip)
            continue;
        if (fd_fits((int)fd, dev, ino, prot))
            fds[n++] = (int)fd;
    }
    closedir(dir);
    return n;
}

/* Does the VMA span exactly the whole object behind @fd? */
static bool whole_file_mapped(int fd, const struct plat_vma *vma)
{
    struct stat st;

    return FAULT_OR("fd/fstat", EBADF, -1, fstat(fd, &st)) == 0 &&
           st.st_size > 0 &&
           (uint64_t)st.st_size == vma->end - vma->start;
}

/* 0 when the slot now maps the file through @fd; -errno otherwise, with the
 * slot a placeholder again, or -EEXIST when it was lost. */
static int try_fd(int fd, const struct plat_vma *vma, size_t len,
                  uintptr_t dst, int prot)
{
    struct stat st;
    void *p;
    int err;

    p = FAULT_SLOT_OR("mm/mmap", ENOMEM, dst, len, MAP_FAILED,
                      mmap((void *)dst, len, prot, MAP_SHARED | MAP_FIXED,
                           fd, (off_t)vma->offset));
    if (p == MAP_FAILED && errno == EINVAL && vma->offset &&
        whole_file_mapped(fd, vma)) {
        /* Some exporters rewrite a VMA's page offset into their own space:
         * a dma-buf mapped by a GEM driver shows the BO's fake offset.  A
         * VMA covering the whole object can only have started at 0. */
        p = FAULT_SLOT_OR("mm/mmap", ENOMEM, dst, len, MAP_FAILED,
                          mmap((void *)dst, len, prot,
                               MAP_SHARED | MAP_FIXED, fd, 0));
    }
    if (p == MAP_FAILED) {
        err = -errno;
        return plat_slot_restore(dst, len) < 0 ? -EEXIST : err;
    }
    /* The fd was checked before the mmap; a concurrent close and reopen of
     * the same number could have swapped the file in between. */
    if (FAULT_OR("fd/fstat", EBADF, -1, fstat(fd, &st)) < 0 ||
        st.st_dev != vma->dev || st.st_ino != vma->ino) {
        plat_placeholder(dst, len);
        return -ESTALE;
    }
    return 0;
}

int plat_fd_remap(const struct plat_vma *vma, size_t len, uintptr_t dst,
                  unsigned prot)
{
    size_t page = plat_page_size();
    int fds[MAX_CANDIDATES];
    int hint, n, r = -ENOENT;

    pthread_once(&hint_once, hint_init);
    if (!vma || !len || (dst & (page - 1)) || (vma->offset & (page - 1)) ||
        len > vma->end - vma->start ||
        (prot & ~(unsigned)(PLAT_PROT_READ | PLAT_PROT_WRITE)))
        return -EINVAL;
    len = (len + page - 1) & ~(page - 1);
    if (!vma->ino || dst + len < dst)
        return -ENOENT;

    hint = hint_get(vma->dev, vma->ino);
    if (hint >= 0 && fd_fits(hint, vma->dev, vma->ino, (int)prot)) {
        r = try_fd(hint, vma, len, dst, (int)prot);
        /* A lost slot must not be mapped over with the next candidate. */
        if (r == 0 || r == -EEXIST)
            return r;
    }
    n = find_candidates(vma->dev, vma->ino, (int)prot, hint, fds,
                        MAX_CANDIDATES);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++) {
        r = try_fd(fds[i], vma, len, dst, (int)prot);
        if (r == 0) {
            hint_set(vma->dev, vma->ino, fds[i]);
            return 0;
        }
        if (r == -EEXIST)
            return r;
    }
    return r;
}
