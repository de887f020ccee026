/*
 * The fake's driver-like heap: one big mapping above 4 GiB that every
 * buffer and texture is carved out of, so lowmap sees what it sees with
 * real drivers: shared (or private) pages holding several objects, objects
 * starting in the middle of a page.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake.h"

#define HEAP_DEFAULT_SIZE (64u << 20)
#define HEAP_HINT ((uintptr_t)0x600000000000ull) /* far above 4 GiB */
#define HEAP_ALIGN 64     /* like a driver's sub-allocator */
#define HEAP_LEAD_IN 192  /* first object starts mid-page */

struct block {
    size_t off, len;
    bool used;
};

/*
 * heap_lock guards everything below after heap_init; heap_once makes the
 * mapping.  Never held while calling anything outside this file.
 */
static pthread_once_t heap_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
static char *heap_base;
static size_t heap_size;
static int heap_fd = -1;
static struct block *blocks; /* sorted by offset, covering the heap */
static size_t nblocks, cap_blocks;

static size_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);

    switch (*end) {
    case 'G': case 'g': v <<= 10; /* fall through */
    case 'M': case 'm': v <<= 10; /* fall through */
    case 'K': case 'k': v <<= 10; break;
    default: break;
    }
    return (size_t)v;
}

static void *map_high(size_t size, int prot, int flags, int fd)
{
    void *p = mmap((void *)HEAP_HINT, size, prot, flags | MAP_FIXED_NOREPLACE,
                   fd, 0);
    if (p == MAP_FAILED)
        p = mmap(NULL, size, prot, flags, fd, 0); /* top-down: still high */
    return p;
}

static void heap_init(void)
{
    const char *kind = getenv("LOWMAPFAKE_HEAP");
    const char *size = getenv("LOWMAPFAKE_HEAP_SIZE");
    int flags = MAP_SHARED | MAP_NORESERVE;
    void *p;

    heap_size = size ? parse_size(size) : HEAP_DEFAULT_SIZE;
    heap_size = (heap_size + 0xfffff) & ~(size_t)0xfffff;
    if (kind == NULL || strcmp(kind, "memfd") == 0) {
        heap_fd = memfd_create("lowmapfake-heap", MFD_CLOEXEC);
        if (heap_fd < 0 || ftruncate(heap_fd, (off_t)heap_size) != 0)
            abort();
    } else if (strcmp(kind, "shared") == 0) {
        flags |= MAP_ANONYMOUS;
    } else if (strcmp(kind, "private") == 0) {
        flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    } else {
        fprintf(stderr, "lowmapfake: unknown LOWMAPFAKE_HEAP=%s\n", kind);
        abort();
    }
    p = map_high(heap_size, PROT_READ | PROT_WRITE, flags, heap_fd);
    if (p == MAP_FAILED || (uintptr_t)p < ((uintptr_t)1 << 32)) {
        fprintf(stderr, "lowmapfake: cannot map a heap above 4 GiB\n");
        abort();
    }
    heap_base = p;
    cap_blocks = 64;
    blocks = calloc(cap_blocks, sizeof(*blocks));
    if (blocks == NULL)
        abort();
    /* A never-used lead-in keeps every object off page boundaries. */
    blocks[0] = (struct block){0, HEAP_LEAD_IN, true};
    blocks[1] = (struct block){HEAP_LEAD_IN, heap_size - HEAP_LEAD_IN, false};
    nblocks = 2;
}

static bool split(size_t i, size_t len)
{
    if (blocks[i].len == len)
        return true;
    if (nblocks == cap_blocks) {
        struct block *b = realloc(blocks, 2 * cap_blocks * sizeof(*b));
        if (b == NULL)
            return false;
        blocks = b;
        cap_blocks *= 2;
    }
    memmove(&blocks[i + 2], &blocks[i + 1],
            (nblocks - i - 1) * sizeof(*blocks));
    blocks[i + 1] = (struct block){blocks[i].off + len, blocks[i].len - len,
                                   false};
    blocks[i].len = len;
    nblocks++;
    return true;
}

void *fake_heap_alloc(size_t size)
{
    size_t len = (size + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1);
    void *p = NULL;

    pthread_once(&heap_once, heap_init);
    if (len == 0)
        len = HEAP_ALIGN;
    pthread_mutex_lock(&heap_lock);
    for (size_t i = 0; i < nblocks; i++) {
        if (!blocks[i].used && blocks[i].len >= len && split(i, len)) {
            blocks[i].used = true;
            p = heap_base + blocks[i].off;
            break;
        }
    }
    pthread_mutex_unlock(&heap_lock);
    /* Fresh storage reads as zero, like a driver's new buffer. */
    if (p != NULL)
        memset(p, 0, len);
    return p;
}

void fake_heap_free(void *p)
{
    size_t off;

    if (p == NULL)
        return;
    off = (size_t)((char *)p - heap_base);
    pthread_mutex_lock(&heap_lock);
    for (size_t i = 0; i < nblocks; i++) {
        if (blocks[i].off != off || !blocks[i].used)
            continue;
        blocks[i].used = false;
        /* Coalesce with free neighbours, next first. */
        if (i + 1 < nblocks && !blocks[i + 1].used) {
            blocks[i].len += blocks[i + 1].len;
            memmove(&blocks[i + 1], &blocks[i + 2],
                    (nblocks - i - 2) * sizeof(*blocks));
            nblocks--;
        }
        if (i > 0 && !blocks[i - 1].used) {
            blocks[i - 1].len += blocks[i].len;
            memmove(&blocks[i], &blocks[i + 1],
                    (nblocks - i - 1) * sizeof(*blocks));
            nblocks--;
        }
        break;
    }
    pthread_mutex_unlock(&heap_lock);
}

void fake_heap_range(void **base, size_t *size, int *fd)
{
    pthread_once(&heap_once, heap_init);
    *base = heap_base;
    *size = heap_size;
    *fd = heap_fd;
}
