/*
 * The operating-system boundary of the core.  core/ reaches the kernel only
 * through these functions; platform/linux/ implements them.  None of them
 * takes a lock or logs on the fast path; all return 0 or a negative errno.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_PLATFORM_H
#define LOWMAP_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Protection bits, same values as PROT_* on every platform we target. */
enum {
    PLAT_PROT_NONE = 0,
    PLAT_PROT_READ = 1,
    PLAT_PROT_WRITE = 2,
};

/* What backs a mapping. */
enum plat_backing {
    PLAT_BACKING_ANON_PRIVATE = 0, /* heap, private anonymous, private file */
    PLAT_BACKING_SHMEM,            /* shared anonymous, memfd, tmpfs, SysV */
    PLAT_BACKING_FILE,             /* MAP_SHARED regular file */
    PLAT_BACKING_DEVICE,           /* character device (DRM nodes), dma-buf */
};

/* One VMA as the kernel describes it. */
struct plat_vma {
    uintptr_t start, end; /* [start, end), page aligned */
    uint64_t offset;      /* byte offset of start in the backing file */
    uint64_t dev;         /* device of the backing inode (makedev) */
    uint64_t ino;         /* backing inode, 0 when anonymous private */
    unsigned prot;        /* PLAT_PROT_* */
    bool shared;          /* MAP_SHARED */
    enum plat_backing backing;
};

/* How VMAs are queried. */
enum plat_vma_backend {
    PLAT_VMA_AUTO = 0,         /* PROCMAP_QUERY when the kernel has it */
    PLAT_VMA_PROCMAP_QUERY,    /* ioctl on /proc/self/maps (6.11+) */
    PLAT_VMA_MAPS,             /* parse /proc/self/maps */
};

size_t plat_page_size(void);
/* How many memory mappings the kernel allows this process
 * (vm.max_map_count), or its usual default where that cannot be read. */
size_t plat_map_limit(void);

/* Choose the VMA backend; returns -ENOTSUP if the kernel lacks it. */
int plat_vma_set_backend(enum plat_vma_backend backend);
enum plat_vma_backend plat_vma_backend(void);
/* True when the running kernel answers PROCMAP_QUERY. */
bool plat_have_procmap_query(void);

/* The VMA containing @addr; -ENOENT when @addr is not mapped, another
 * error when mappings cannot be inspected here (-ENOSYS: no /proc). */
int plat_vma_query(uintptr_t addr, struct plat_vma *out);

/*
 * 0 when every page of [addr, addr+len) is mapped, -ENOMEM when one is
 * not; works where /proc does not.  Says nothing of protections.
 */
int plat_range_mapped(uintptr_t addr, size_t len);

/*
 * Find a hole of @size bytes aligned to @align lying wholly inside
 * [lo, hi), searching from @hi downwards.  -ENOMEM when there is none.
 */
int plat_find_hole(size_t size, size_t align, uintptr_t lo, uintptr_t hi,
                   uintptr_t *out);

/* Reserve [addr, addr+len) PROT_NONE without replacing anything:
 * -EEXIST when something is mapped there already. */
int plat_reserve(uintptr_t addr, size_t len);
/* Replace whatever is at [addr, addr+len) with a PROT_NONE placeholder. */
int plat_placeholder(uintptr_t addr, size_t len);
/*
 * After a failed MAP_FIXED-style call on a slot of ours: make sure the slot
 * holds a PROT_NONE placeholder again without replacing anything.  Kernels
 * before 6.12 may unmap the slot before the call fails; another thread may
 * then map there.  0: the placeholder is in place; -EEXIST: the slot holds
 * someone else's mapping now and is lost to us.
 */
int plat_slot_restore(uintptr_t addr, size_t len);
/* Replace [addr, addr+len) with zeroed private anonymous memory. */
int plat_map_anon(uintptr_t addr, size_t len, unsigned prot);
/* Unmap [addr, addr+len) entirely (used when the range is not ours). */
int plat_unmap(uintptr_t addr, size_t len);
/* Change the protection (PLAT_PROT_*) of mapped pages. */
int plat_protect(uintptr_t addr, size_t len, unsigned prot);

/*
 * Duplicate the mapping at [src, src+len) onto dst with mremap(old_len 0),
 * replacing what is at dst.  On failure the slot may be left unmapped:
 * callers restore it with plat_slot_restore().  -EINVAL: the kernel
 * refuses this kind of mapping (private); -EFAULT: it refuses special
 * (PFNMAP / DONTEXPAND) mappings.
 */
int plat_mremap_dup(uintptr_t src, size_t len, uintptr_t dst);

/*
 * Map the file behind @vma again at dst, from the VMA's own offset, for
 * @len bytes (len <= vma size), MAP_SHARED|MAP_FIXED with @prot.  Tries
 * every open fd of this process on the same inode (for DRM nodes only the
 * open file description the driver used works) and remembers the one that
 * worked.  -ENOENT when no fd refers to the file.  On failure the slot
 * holds a placeholder again, or -EEXIST says it was lost (see
 * plat_slot_restore()).
 */
int plat_fd_remap(const struct plat_vma *vma, size_t len, uintptr_t dst,
                  unsigned prot);

/* Fault in [addr, addr+len) in one call; best effort. */
void plat_populate(uintptr_t addr, size_t len, bool write);

/* Kernel features reported by lowmap_probe(). */
bool plat_have_pagemap_scan(void);
bool plat_have_uffd_wp_async(void);
bool plat_have_populate(void);

/* A shared memory object for probes: an fd of @size bytes. */
int plat_shm_create(size_t size);
/* Map @fd shared at any (high) address. */
int plat_map_shared(int fd, size_t size, uintptr_t *out);
void plat_close(int fd);

/*
 * Dirty-page tracking for private anonymous memory (shadow copies):
 * userfaultfd write-protect in async mode plus PAGEMAP_SCAN (Linux 6.7+).
 * plat_dirty_track() write-protects [addr, addr+len); afterwards
 * plat_dirty_scan() calls @fn for each run of pages written since then, and
 * with @reset protects them again in the same step.  A range stops being
 * tracked when it is unmapped or mapped over.
 */
bool plat_have_dirty_tracking(void);
int plat_dirty_track(uintptr_t addr, size_t len);
/* Write-protect a tracked range again (clean), or lift the protection
 * (the pages then read as written).  Page aligned. */
int plat_dirty_protect(uintptr_t addr, size_t len, bool protect);
int plat_dirty_scan(uintptr_t addr, size_t len, bool reset,
                    void (*fn)(void *ctx, uintptr_t start, uintptr_t end),
                    void *ctx);

/*
 * The costs that decide how a shadow is written back, measured once on
 * scratch memory: nanoseconds per page to copy, to compare, to scan for
 * written pages (plus a cost per scan call), and per written page for the
 * write-protect fault and its re-protection.  The copy and compare costs are always filled in; the
 * return value is the tracking's (0, or -ENOTSUP where the kernel cannot
 * track writes), with the tracking costs 0 when it failed.
 */
struct plat_dirty_costs {
    uint64_t copy_ns_page, compare_ns_page, scan_ns_page, scan_ns_call;
    uint64_t fault_ns;
};
int plat_dirty_calibrate(struct plat_dirty_costs *costs);

/* A monotonic clock in nanoseconds, for costs measured as work runs. */
uint64_t plat_now_ns(void);

/* Registered at init: keeps the core's lock sane across fork(). */
int plat_atfork(void (*prepare)(void), void (*parent)(void),
                void (*child)(void));

#endif /* LOWMAP_PLATFORM_H */
