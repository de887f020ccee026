/*
 * Kernel interfaces newer than Debian 12's headers (linux-libc-dev 6.1).
 * Each block is guarded so that newer headers win; the layouts are ABI and
 * never change, so carrying them is safe.  Whether the running kernel
 * implements them is found out at run time (features.c).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_PLATFORM_LINUX_UAPI_H
#define LOWMAP_PLATFORM_LINUX_UAPI_H

#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/userfaultfd.h>
#include <sys/mman.h>

/* mmap(2) / mremap(2) / madvise(2) flags (glibc 2.36 has them, but not all
 * libcs we may meet do). */
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000 /* 4.17 */
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4 /* 5.7 */
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* 5.14 */
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* 5.14 */
#endif

/*
 * PROCMAP_QUERY (6.11): ask an fd of /proc/<pid>/maps for the VMA covering
 * (or following) an address.  The kernel copies back min(size, its own
 * size) bytes, so this 104-byte version works on every kernel with the
 * ioctl.
 */
#ifndef PROCMAP_QUERY
enum procmap_query_flags {
    /* Returned in vma_flags, and usable as filters in query_flags. */
    PROCMAP_QUERY_VMA_READABLE = 0x01,
    PROCMAP_QUERY_VMA_WRITABLE = 0x02,
    PROCMAP_QUERY_VMA_EXECUTABLE = 0x04,
    PROCMAP_QUERY_VMA_SHARED = 0x08,
    /* Modifiers: the first VMA at or after query_addr; file VMAs only. */
    PROCMAP_QUERY_COVERING_OR_NEXT_VMA = 0x10,
    PROCMAP_QUERY_FILE_BACKED_VMA = 0x20,
};

struct procmap_query {
    __u64 size;          /* in: sizeof(struct procmap_query) */
    __u64 query_flags;   /* in */
    __u64 query_addr;    /* in */
    __u64 vma_start;     /* out */
    __u64 vma_end;       /* out */
    __u64 vma_flags;     /* out: PROCMAP_QUERY_VMA_* */
    __u64 vma_page_size; /* out */
    __u64 vma_offset;    /* out: file offset of vma_start, 0 if no file */
    __u64 inode;         /* out */
    __u32 dev_major;     /* out */
    __u32 dev_minor;     /* out */
    __u32 vma_name_size; /* in: buffer size (0: no name); out: length + 1 */
    __u32 build_id_size; /* in/out, 0 for none */
    __u64 vma_name_addr; /* in */
    __u64 build_id_addr; /* in */
};

#define PROCFS_IOCTL_MAGIC 'f'
#define PROCMAP_QUERY _IOWR(PROCFS_IOCTL_MAGIC, 17, struct procmap_query)
#endif

/* PAGEMAP_SCAN (6.7): walk page-table state of a range through an fd of
 * /proc/<pid>/pagemap, optionally write-protecting what it reports. */
#ifndef PAGEMAP_SCAN
#define PAGE_IS_WPALLOWED (1 << 0)
#define PAGE_IS_WRITTEN (1 << 1)
#define PAGE_IS_FILE (1 << 2)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_SWAPPED (1 << 4)
#define PAGE_IS_PFNZERO (1 << 5)
#define PAGE_IS_HUGE (1 << 6)
#define PAGE_IS_SOFT_DIRTY (1 << 7)

#define PM_SCAN_WP_MATCHING (1 << 0)   /* write-protect what matched */
#define PM_SCAN_CHECK_WPASYNC (1 << 1) /* fail on non-WP_ASYNC ranges */

struct page_region {
    __u64 start, end;  /* [start, end) */
    __u64 categories;  /* PAGE_IS_* masked by return_mask */
};

struct pm_scan_arg {
    __u64 size;  /* sizeof(struct pm_scan_arg) */
    __u64 flags; /* PM_SCAN_* */
    __u64 start, end;
    __u64 walk_end; /* out: where the walk stopped */
    __u64 vec;      /* struct page_region array */
    __u64 vec_len;
    __u64 max_pages; /* 0: no limit */
    __u64 category_inverted;
    __u64 category_mask;
    __u64 category_anyof_mask;
    __u64 return_mask;
};

#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif

/* userfaultfd(2) additions. */
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1 /* 5.11: no kernel-mode faults, no privilege */
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13) /* 6.4 */
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15) /* 6.7: WP faults resolved by kernel */
#endif

#endif /* LOWMAP_PLATFORM_LINUX_UAPI_H */
