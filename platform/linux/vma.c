/*
 * VMA queries: plat_vma_query(), plat_find_hole() and the backend switch.
 *
 * Two backends answer the same questions.  PROCMAP_QUERY (6.11+) is one
 * ioctl on a long-lived fd of /proc/self/maps, about a microsecond; the
 * fallback reads /proc/self/maps line by line.  Neither takes a lock: the
 * ioctl keeps its state on the kernel stack, so threads share the fd, and
 * each text read opens its own fd.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fault.h"
#include "maps.h"
#include "platform.h"
#include "procfile.h"
#include "uapi.h"

/* enum plat_vma_backend as chosen; AUTO is resolved on each read. */
static _Atomic int chosen_backend = PLAT_VMA_AUTO;

/*
 * The PROCMAP_QUERY fd, packed with the pid that opened it into one word so
 * that readers see both at once: pid << 32 | fd, 0 when none.  An fd of
 * /proc/self/maps describes the mm of the process that opened it, so a
 * forked child must not use its inherited copy (it would answer about the
 * parent); it opens its own when it sees a different pid.
 */
static _Atomic uint64_t maps_fd_state;
/* Identity of the fd we opened, to recognise it before closing an
 * inherited copy (a child may have closed it and reused the number). */
static _Atomic uint64_t maps_fd_dev, maps_fd_ino;

static uint64_t pack(pid_t pid, int fd)
{
    return (uint64_t)(uint32_t)pid << 32 | (uint32_t)fd;
}

static int maps_fd(void)
{
    pid_t self = getpid();
    struct stat st;
    uint64_t old;
    int fd;

    for (;;) {
        old = atomic_load_explicit(&maps_fd_state, memory_order_acquire);
        if (old && (pid_t)(old >> 32) == self)
            return (int)(uint32_t)old;

        fd = FAULT_OR("fd/open", EMFILE, -1,
                      open("/proc/self/maps", O_RDONLY | O_CLOEXEC));
        if (fd < 0)
            return -errno;
        if (atomic_compare_exchange_strong(&maps_fd_state, &old,
                                           pack(self, fd)))
            break;
        close(fd); /* another thread got there first: use its fd */
    }
    if (old) {
        /* Inherited from the parent; close our copy if it is still the
         * file we opened there. */
        int inherited = (int)(uint32_t)old;
        if (fstat(inherited, &st) == 0 &&
            st.st_dev == atomic_load(&maps_fd_dev) &&
            st.st_ino == atomic_load(&maps_fd_ino))
            close(inherited);
    }
    if (fstat(fd, &st) == 0) {
        atomic_store(&maps_fd_dev, st.st_dev);
        atomic_store(&maps_fd_ino, st.st_ino);
    }
    return fd;
}

/* Forget an fd that stopped working (closed behind our back); the number
 * is no longer ours, so it is not closed. */
static void maps_fd_drop(int fd)
{
    uint64_t cur = pack(getpid(), fd);
    atomic_compare_exchange_strong(&maps_fd_state, &cur, 0);
}

/*
 * Is the filesystem with device @dev a tmpfs mount?  Looked up in
 * /proc/self/mountinfo and cached, lock-free, per device: mounts come and
 * go far more rarely than queries.  The kernel's internal shmem mount (shared
 * anonymous memory, memfd) is in no mountinfo; those VMAs are recognised by
 * name before this is asked.
 */
#define FS_CACHE_SIZE 16
static _Atomic uint64_t fs_cache[FS_CACHE_SIZE]; /* dev << 2 | tmpfs << 1 | 1 */
static _Atomic unsigned fs_cache_next;

static bool mountinfo_is_tmpfs(uint64_t dev)
{
    struct procfile f;
    bool tmpfs = false;
    char *line;

    if (plat_procfile_open(&f, "/proc/self/mountinfo") < 0)
        return false;
    while (plat_procfile_next(&f, &line) > 0) {
        /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE ..." */
        unsigned maj, min;
        const char *sep;
        if (sscanf(line, "%*u %*u %u:%u", &maj, &min) != 2 ||
            makedev(maj, min) != dev)
            continue;
        sep = strstr(line, " - ");
        if (sep && strncmp(sep + 3, "tmpfs ", 6) == 0) {
            tmpfs = true;
            break;
        }
    }
    plat_procfile_close(&f);
    return tmpfs;
}

static bool dev_is_tmpfs(uint64_t dev)
{
    uint64_t entry;
    bool tmpfs;

    if (dev >= UINT64_C(1) << 61)
        return mountinfo_is_tmpfs(dev);
    for (unsigned i = 0; i < FS_CACHE_SIZE; i++) {
        entry = atomic_load_explicit(&fs_cache[i], memory_order_relaxed);
        if ((entry & 1) && entry >> 2 == dev)
            return entry & 2;
    }
    tmpfs = mountinfo_is_tmpfs(dev);
    entry = dev << 2 | (uint64_t)tmpfs << 1 | 1;
    atomic_store_explicit(
        &fs_cache[atomic_fetch_add(&fs_cache_next, 1) % FS_CACHE_SIZE],
        entry, memory_order_relaxed);
    return tmpfs;
}

static void refine_backing(struct plat_vma *vma, const char *name)
{
    vma->backing = plat_classify_backing(vma->shared, name, false);
    if (vma->backing == PLAT_BACKING_FILE && dev_is_tmpfs(vma->dev))
        vma->backing = PLAT_BACKING_SHMEM;
}

/*
 * One PROCMAP_QUERY.  @flags adds PROCMAP_QUERY_COVERING_OR_NEXT_VMA for
 * walks; @name may be NULL when the caller needs no name (the kernel then
 * skips d_path, the costly part).
 */
static int pq_query(uintptr_t addr, uint64_t flags, struct plat_vma *out,
                    char *name, size_t name_size)
{
    struct procmap_query q;
    int fd, retried = 0;

again:
    fd = maps_fd();
    if (fd < 0)
        return fd;
    memset(&q, 0, sizeof(q));
    q.size = sizeof(q);
    q.query_flags = flags;
    q.query_addr = addr;
    if (name) {
        /* The kernel writes the name, but checkers that do not know this
         * ioctl (valgrind) would call the bytes classify reads
         * uninitialised; clearing its prefixes costs nothing. */
        memset(name, 0, name_size < 32 ? name_size : 32);
        q.vma_name_addr = (uintptr_t)name;
        q.vma_name_size = (uint32_t)name_size;
    }
    if (FAULT_OR("ioctl/procmap_query", EPERM, -1,
                 ioctl(fd, PROCMAP_QUERY, &q)) < 0) {
        int err = errno;
        if ((err == EBADF || err == ENOTTY) && !retried++) {
            maps_fd_drop(fd);
            goto again;
        }
        return -err;
    }
    memset(out, 0, sizeof(*out));
    out->start = (uintptr_t)q.vma_start;
    out->end = (uintptr_t)q.vma_end;
    out->offset = q.vma_offset;
    out->dev = makedev(q.dev_major, q.dev_minor);
    out->ino = q.inode;
    out->prot = (q.vma_flags & PROCMAP_QUERY_VMA_READABLE ? PLAT_PROT_READ : 0) |
                (q.vma_flags & PROCMAP_QUERY_VMA_WRITABLE ? PLAT_PROT_WRITE : 0);
    out->shared = q.vma_flags & PROCMAP_QUERY_VMA_SHARED;
    return 0;
}

static int maps_query(uintptr_t addr, struct plat_vma *out)
{
    struct procfile f;
    char name[PATH_MAX];
    char *line;
    int r;

    r = plat_procfile_open(&f, "/proc/self/maps");
    if (r < 0)
        return r == -ENOENT ? -ENOSYS : r; /* no /proc is not "unmapped" */
    while ((r = plat_procfile_next(&f, &line)) > 0) {
        struct plat_vma v;
        if (plat_maps_parse_line(line, &v, name, sizeof(name)) < 0)
            continue;
        /* The vsyscall page is a gate area outside the mm's VMA tree:
         * maps lists it, PROCMAP_QUERY (like mmap) does not see it. */
        if (strcmp(name, "[vsyscall]") == 0)
            continue;
        if (addr < v.start) /* lines are sorted: we passed it */
            break;
        if (addr < v.end) {
            *out = v;
            refine_backing(out, name);
            plat_procfile_close(&f);
            return 0;
        }
    }
    plat_procfile_close(&f);
    return r < 0 ? r : -ENOENT;
}

/* The backend in use: AUTO comes back as the one it stands for. */
enum plat_vma_backend plat_vma_backend(void)
{
    int b = atomic_load_explicit(&chosen_backend, memory_order_relaxed);

    if (b == PLAT_VMA_AUTO)
        b = plat_have_procmap_query() ? PLAT_VMA_PROCMAP_QUERY : PLAT_VMA_MAPS;
    return (enum plat_vma_backend)b;
}

int plat_vma_set_backend(enum plat_vma_backend backend)
{
    switch (backend) {
    case PLAT_VMA_PROCMAP_QUERY:
        if (!plat_have_procmap_query())
            return -ENOTSUP;
        break;
    case PLAT_VMA_AUTO:
    case PLAT_VMA_MAPS:
        break;
    default:
        return -EINVAL;
    }
    atomic_store(&chosen_backend, backend);
    return 0;
}

int plat_vma_query(uintptr_t addr, struct plat_vma *out)
{
    char name[PATH_MAX];
    int r;

    if (!out)
        return -EINVAL;
    if (plat_vma_backend() == PLAT_VMA_MAPS)
        return maps_query(addr, out);
    r = pq_query(addr, 0, out, name, sizeof(name));
    if (r == 0)
        refine_backing(out, name);
    return r;
}

/* ---- holes ------------------------------------------------------------ */

static uintptr_t mmap_min_addr(void)
{
    static _Atomic uintptr_t cached;
    uintptr_t v = atomic_load_explicit(&cached, memory_order_relaxed);
    struct procfile f;
    char *line;

    if (v)
        return v;
    v = 65536; /* the usual default, if the sysctl cannot be read */
    if (plat_procfile_open(&f, "/proc/sys/vm/mmap_min_addr") == 0) {
        if (plat_procfile_next(&f, &line) > 0) {
            char *end;
            unsigned long long n = strtoull(line, &end, 10);
            if (end != line)
                v = (uintptr_t)n;
        }
        plat_procfile_close(&f);
    }
    if (v < plat_page_size())
        v = plat_page_size(); /* never hand out page 0 */
    atomic_store_explicit(&cached, v, memory_order_relaxed);
    return v;
}

struct hole_search {
    size_t size, align;
    uintptr_t lo, hi;
    uintptr_t cursor; /* everything below is known to be mapped or < lo */
    uintptr_t best;   /* highest fitting start so far, 0 for none */
};

/* Consider the free range [hs->cursor, next_start). */
static void hole_gap(struct hole_search *hs, uintptr_t next_start)
{
    uintptr_t gap_end = next_start < hs->hi ? next_start : hs->hi;
    uintptr_t cand;

    if (gap_end <= hs->cursor || gap_end - hs->cursor < hs->size)
        return;
    cand = (gap_end - hs->size) & ~(uintptr_t)(hs->align - 1);
    if (cand >= hs->cursor && cand > hs->best)
        hs->best = cand;
}

/* A mapped range [start, end) seen in address order. */
static void hole_vma(struct hole_search *hs, uintptr_t start, uintptr_t end)
{
    hole_gap(hs, start);
    if (end > hs->cursor)
        hs->cursor = end;
}

static int walk_pq(struct hole_search *hs)
{
    uintptr_t addr = hs->lo;
    struct plat_vma v;
    int r;

    while (addr < hs->hi) {
        r = pq_query(addr, PROCMAP_QUERY_COVERING_OR_NEXT_VMA, &v, NULL, 0);
        if (r == -ENOENT)
            break;
        if (r < 0)
            return r;
        if (v.start >= hs->hi)
            break;
        hole_vma(hs, v.start, v.end);
        if (v.end <= addr) /* cannot happen; never loop forever */
            return -EIO;
        addr = v.end;
    }
    return 0;
}

static int walk_maps(struct hole_search *hs)
{
    struct procfile f;
    char *line;
    int r;

    r = plat_procfile_open(&f, "/proc/self/maps");
    if (r < 0)
        return r == -ENOENT ? -ENOSYS : r;
    while ((r = plat_procfile_next(&f, &line)) > 0) {
        struct plat_vma v;
        if (plat_maps_parse_line(line, &v, NULL, 0) < 0)
            continue;
        if (v.start >= hs->hi)
            break;
        if (v.end > hs->lo)
            hole_vma(hs, v.start, v.end);
    }
    plat_procfile_close(&f);
    return r < 0 ? r : 0;
}

/*
 * Without /proc (sandboxes that do not mount it, or deny it): ask the
 * kernel instead, trying reservations from the top down.  Slower, and a
 * hole found may be taken before the caller reserves it (callers retry).
 */
static int probe_hole(const struct hole_search *hs, uintptr_t *out)
{
    size_t step = hs->size > hs->align ? hs->size : hs->align;
    uintptr_t cand = (hs->hi - hs->size) & ~(uintptr_t)(hs->align - 1);

    for (; cand >= hs->lo && cand + hs->size <= hs->hi; cand -= step) {
        void *p = FAULT_OR("mm/mmap", ENOMEM, MAP_FAILED,
                           mmap((void *)cand, hs->size, PROT_NONE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                                    MAP_FIXED_NOREPLACE, -1, 0));
        if (p == (void *)cand) {
            munmap(p, hs->size);
            *out = cand;
            return 0;
        }
        if (p != MAP_FAILED) /* no MAP_FIXED_NOREPLACE: a hint, missed */
            munmap(p, hs->size);
        else if (errno != EEXIST)
            return -errno;
        if (cand < step)
            break;
    }
    return -ENOMEM;
}

int plat_find_hole(size_t size, size_t align, uintptr_t lo, uintptr_t hi,
                   uintptr_t *out)
{
    size_t page = plat_page_size();
    struct hole_search hs;
    int r;

    if (!out || size == 0 || (align & (align - 1)))
        return -EINVAL;
    if (align < page)
        align = page;
    if (size > SIZE_MAX - (page - 1))
        return -ENOMEM;
    size = (size + page - 1) & ~(page - 1);
    if (lo < mmap_min_addr())
        lo = mmap_min_addr();
    lo = (lo + page - 1) & ~(uintptr_t)(page - 1);
    if (lo == 0) /* wrapped */
        return -ENOMEM;
    hi &= ~(uintptr_t)(page - 1);
    if (lo >= hi || hi - lo < size)
        return -ENOMEM;

    hs = (struct hole_search){ .size = size, .align = align, .lo = lo,
                               .hi = hi, .cursor = lo, .best = 0 };
    r = plat_vma_backend() == PLAT_VMA_PROCMAP_QUERY ? walk_pq(&hs)
                                                     : walk_maps(&hs);
    if (r < 0)
        return probe_hole(&hs, out);
    hole_gap(&hs, hi); /* the space above the last VMA */
    if (!hs.best)
        return -ENOMEM;
    *out = hs.best;
    return 0;
}
