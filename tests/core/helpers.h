/*
 * Memory the core tests alias: shared, file-backed, private and low
 * mappings, plus small checks every test repeats.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_TEST_HELPERS_H
#define LOWMAP_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lowmap.h"

#define PAGE ((size_t)sysconf(_SC_PAGESIZE))
#define MiB ((size_t)1 << 20)

/* Every byte of [p, p+size) lies below the limit: the end, not just the
 * start. */
#define cr_assert_low(p, size)                                               \
    cr_assert((uintptr_t)(p) != 0 &&                                         \
                  (uintptr_t)(p) + (size) >= (uintptr_t)(p) &&               \
                  (uintptr_t)(p) + (size) <= lowmap_limit(),                 \
              "%p+%#zx does not lie below the limit %#lx", (void *)(p),      \
              (size_t)(size), (unsigned long)lowmap_limit())

/* A memfd of @size bytes mapped shared at an address of the kernel's
 * choosing (high); the fd stays open for fd_remap to find. */
static inline void *map_memfd(size_t size, int *fd_out)
{
    int fd = memfd_create("lowmap-test", MFD_CLOEXEC);
    void *p;

    cr_assert(fd >= 0, "memfd_create");
    cr_assert(ftruncate(fd, (off_t)size) == 0, "ftruncate");
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    cr_assert(p != MAP_FAILED, "mmap memfd");
    if (fd_out)
        *fd_out = fd;
    return p;
}

/* A MAP_SHARED mapping of an unlinked regular file in the build tree's
 * working directory (a real disk file system, unlike tmpfs). */
static inline void *map_file(size_t size, int *fd_out)
{
    char name[] = "lowmap-test-XXXXXX";
    int fd = mkstemp(name);
    void *p;

    cr_assert(fd >= 0, "mkstemp");
    unlink(name);
    cr_assert(ftruncate(fd, (off_t)size) == 0, "ftruncate");
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    cr_assert(p != MAP_FAILED, "mmap file");
    if (fd_out)
        *fd_out = fd;
    return p;
}

static inline void *map_anon(size_t size, int flags)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS,
                   -1, 0);

    cr_assert(p != MAP_FAILED, "mmap anonymous");
    return p;
}

/* Maps @size bytes with @prot below @below without replacing anything,
 * first fitting address from 256 MiB up. */
static inline void *map_low_prot(size_t size, int prot, uintptr_t below)
{
    for (uintptr_t a = (uintptr_t)256 * MiB; a + size <= below;
         a += 16 * MiB) {
        void *p = mmap((void *)a, size, prot,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                           MAP_FIXED_NOREPLACE,
                       -1, 0);
        if (p == (void *)a)
            return p;
        if (p != MAP_FAILED)
            munmap(p, size);
    }
    cr_assert_fail("no free low address for %#zx bytes", size);
    return NULL;
}

/* Readable, writable memory below 2 GiB. */
static inline void *map_low(size_t size)
{
    return map_low_prot(size, PROT_READ | PROT_WRITE, LOWMAP_LIMIT_2G);
}

/* Fills with a pattern that differs per @seed and per byte, never 0. */
static inline void fill(void *p, size_t n, unsigned seed)
{
    unsigned char *c = p;

    for (size_t i = 0; i < n; i++)
        c[i] = (unsigned char)(((i * 131u + seed * 17u) % 251u) + 1u);
}

/* True when [p, p+n) holds fill(.., seed), the pattern as laid at @p. */
static inline int holds(const void *p, size_t n, unsigned seed)
{
    const unsigned char *c = p;

    for (size_t i = 0; i < n; i++)
        if (c[i] != (unsigned char)(((i * 131u + seed * 17u) % 251u) + 1u))
            return 0;
    return 1;
}

static inline int all_bytes(const void *p, size_t n, unsigned char v)
{
    const unsigned char *c = p;

    for (size_t i = 0; i < n; i++)
        if (c[i] != v)
            return 0;
    return 1;
}

/* True when reading @p kills a child process with SIGSEGV. */
static inline int child_faults(const void *p)
{
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        (void)*(const volatile char *)p;
        _exit(0);
    }
    return pid > 0 && waitpid(pid, &status, 0) == pid &&
           WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

/* Suite .init: the test alone decides the configuration (LOWMAP_VMA_QUERY
 * is left to ctest, which runs some binaries once per backend). */
static inline void env_reset(void)
{
    unsetenv("LOWMAP_LIMIT");
    unsetenv("LOWMAP_STRATEGIES");
    unsetenv("LOWMAP_STATS");
    unsetenv("LOWMAP_DIRTY");
}

static inline struct lowmap_stats stats_now(void)
{
    struct lowmap_stats s = {.size = sizeof(s)};

    cr_assert(lowmap_stats(&s) == 0);
    return s;
}

/* Creates an alias and checks the essentials every alias must meet. */
static inline lowmap_alias *alias_ok(const void *host, size_t size,
                                     unsigned access)
{
    lowmap_alias *a = NULL;
    int err = lowmap_alias_create(host, size, access, &a);

    cr_assert(err == 0, "alias_create(%p, %#zx, %#x): %s", host, size,
              access, lowmap_strerror(err));
    cr_assert(a != NULL);
    cr_assert_low(lowmap_alias_ptr(a), size);
    /* Views keep the page offset; a shadow starts half a page away
     * unless that would span a page more. */
    uintptr_t apart = ((uintptr_t)lowmap_alias_ptr(a) ^ (uintptr_t)host) &
                      (PAGE - 1);
    uintptr_t same = (uintptr_t)host & (PAGE - 1);
    bool shifts = lowmap_alias_strategy(a) == LOWMAP_STRATEGY_SHADOW &&
                  ((same ^ PAGE / 2) + size + PAGE - 1) / PAGE <=
                      (same + size + PAGE - 1) / PAGE;
    cr_assert(apart == (shifts ? PAGE / 2 : 0),
              "low pointer %p (%s) is %#lx from the page offset of %p",
              lowmap_alias_ptr(a),
              lowmap_strategy_name(lowmap_alias_strategy(a)),
              (unsigned long)apart, host);
    cr_assert(lowmap_alias_size(a) == size);
    return a;
}

/* The mappings that lie (at least partly) below @limit, from
 * /proc/self/maps. */
struct vma_list {
    size_t n;
    uintptr_t start[1024], end[1024];
};

static inline void low_vmas(struct vma_list *l, uintptr_t limit)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];

    cr_assert(f != NULL);
    l->n = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx", &s, &e) != 2 || s >= limit)
            continue;
        cr_assert(l->n < 1024);
        l->start[l->n] = s;
        l->end[l->n] = e;
        l->n++;
    }
    fclose(f);
}

/* Every low mapping in @after either lies inside [lo, hi) (memory the
 * translator gave lowmap) or was there, unchanged, in @before. */
static inline void assert_no_low_memory_of_its_own(
    const struct vma_list *before, const struct vma_list *after,
    uintptr_t lo, uintptr_t hi)
{
    for (size_t i = 0; i < after->n; i++) {
        int known = after->start[i] >= lo && after->end[i] <= hi;
        for (size_t j = 0; !known && j < before->n; j++)
            known = before->start[j] == after->start[i] &&
                    before->end[j] == after->end[i];
        cr_assert(known, "lowmap mapped %#lx-%#lx, outside %#lx-%#lx",
                  (unsigned long)after->start[i],
                  (unsigned long)after->end[i], (unsigned long)lo,
                  (unsigned long)hi);
    }
}

static inline int inside(const void *p, size_t size, const void *lo,
                         size_t len)
{
    return (uintptr_t)p >= (uintptr_t)lo &&
           (uintptr_t)p + size <= (uintptr_t)lo + len;
}

#endif /* LOWMAP_TEST_HELPERS_H */
