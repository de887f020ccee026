/*
 * The public C API under injected system-call failures.
 *
 *   fault_core SEED ITERATIONS PROBABILITY [posix]
 *
 * Host buffers of every kind lowmap serves (private anonymous memory,
 * memfd and shared anonymous mappings, a tmpfs file) are aliased, written,
 * flushed and released in a seeded random order while lowmap's fault
 * points ("lowmap/...", or with "posix" libfiu's POSIX preload under
 * fiu-run) fail at random.  Faults fire only inside lowmap's calls.
 * Checked after every step:
 * - a create that succeeds gives a pointer below the limit whose bytes
 *   equal the host's, and every byte written through it reaches the host
 *   by release (or flush) — nothing is lost, nothing outside is touched;
 * - a create that fails returns a negative code and changes nothing;
 * - the arena holds exactly what is mapped below the limit, and every slot
 *   taken by foreign memory still holds its mark.
 * Then the faults stop and the same process must map again normally.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "faultlib.h"
#include "lowmap.h"

enum kind { PRIVATE, MEMFD, SHARED_ANON, TMPFS_FILE, KINDS };
static const char *const kind_name[] = {"private", "memfd", "shared-anon",
                                        "tmpfs-file"};

#define BUFS 12
#define LIVE 6

struct buf {
    enum kind kind;
    unsigned char *host;
    size_t len;
    int fd;
    uint32_t tag; /* the host's contents: fl_fill(host, len, tag, 0) */
};

struct live {
    lowmap_alias *a;
    struct buf *b;
    size_t off, len;
    unsigned access;
    uint32_t tag; /* written through the alias over [off, off+len) */
    bool wrote;
};

static struct buf bufs[BUFS];
static struct live live[LIVE];
static size_t page;
static uint64_t attempted, served, failed, bytes_checked;
static uint64_t by_strategy[LOWMAP_STRATEGY_SLOTS];

static void buf_make(struct buf *b, enum kind kind)
{
    size_t len = (1 + fl_below(32)) * page;
    int fd = -1;
    void *p;

    b->kind = kind;
    b->len = len;
    switch (kind) {
    case PRIVATE:
        p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        break;
    case MEMFD:
        fd = memfd_create("fault-host", MFD_CLOEXEC);
        FL_CHECK(fd >= 0 && ftruncate(fd, (off_t)len) == 0, "memfd");
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        break;
    case SHARED_ANON:
        p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        break;
    default: {
        char path[] = "/dev/shm/lowmap-fault-XXXXXX";
        fd = mkostemp(path, O_CLOEXEC);
        FL_CHECK(fd >= 0 && ftruncate(fd, (off_t)len) == 0, "tmpfs file");
        unlink(path);
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        break;
    }
    }
    FL_CHECK(p != MAP_FAILED, "host buffer of kind %d", kind);
    b->host = p;
    b->fd = fd;
    b->tag = (uint32_t)fl_rand();
    fl_fill(b->host, len, b->tag, 0);
}

static void buf_drop(struct buf *b)
{
    munmap(b->host, b->len);
    if (b->fd >= 0)
        close(b->fd);
    b->host = NULL;
}

/*
 * The host must hold its own contents everywhere except where @l wrote
 * and the write was due to arrive (@arrived), which holds @l's tag.
 */
static void check_host(const struct buf *b, const struct live *l,
                       bool arrived, const char *when)
{
    size_t lo = l ? l->off : 0, hi = l ? l->off + l->len : 0;

    if (!arrived)
        lo = hi = 0;
    FL_CHECK(fl_same(b->host, lo, b->tag, 0) &&
                 fl_same(b->host + hi, b->len - hi, b->tag, hi),
             "%s: %s host bytes outside the written range changed", when,
             kind_name[b->kind]);
    if (lo < hi)
        FL_CHECK(fl_same(b->host + lo, hi - lo, l->tag, lo),
                 "%s: %s host lost bytes written through the alias", when,
                 kind_name[b->kind]);
    bytes_checked += b->len;
}

static bool zero_copy(int strategy)
{
    return strategy == LOWMAP_STRATEGY_MREMAP ||
           strategy == LOWMAP_STRATEGY_FD_REMAP ||
           strategy == LOWMAP_STRATEGY_PASSTHROUGH;
}

/* Does any live alias cover part of @b? */
static bool buf_busy(const struct buf *b)
{
    for (int i = 0; i < LIVE; i++)
        if (live[i].a && live[i].b == b)
            return true;
    return false;
}

static void do_create(struct live *l)
{
    static const unsigned accesses[] = {
        LOWMAP_READ, LOWMAP_WRITE, LOWMAP_READ | LOWMAP_WRITE,
        LOWMAP_WRITE | LOWMAP_FLUSH_EXPLICIT,
        LOWMAP_READ | LOWMAP_WRITE | LOWMAP_FLUSH_EXPLICIT,
        LOWMAP_WRITE | LOWMAP_INVALIDATE,
        LOWMAP_READ | LOWMAP_WRITE | LOWMAP_PERSISTENT | LOWMAP_COHERENT,
    };
    struct buf *b = &bufs[fl_below(BUFS)];
    uintptr_t limit = lowmap_limit();
    int r;

    /* One writer per host buffer keeps "what the host must hold" exact. */
    if (buf_busy(b))
        return;
    l->b = b;
    l->off = fl_below(b->len - 1);
    l->len = 1 + fl_below(b->len - l->off);
    l->access = accesses[fl_below(sizeof(accesses) / sizeof(accesses[0]))];
    attempted++;
    fl_arm(true);
    r = lowmap_alias_create(b->host + l->off, l->len, l->access, &l->a);
    fl_arm(false);
    if (r < 0) {
        FL_CHECK(l->a == NULL, "a failed create left a handle");
        FL_CHECK(*lowmap_strerror(r), "no text for %d", r);
        check_host(b, NULL, false, "after a failed create");
        l->a = NULL;
        failed++;
        return;
    }
    FL_CHECK(r == 0 && l->a, "create returned %d", r);
    unsigned char *lo = lowmap_alias_ptr(l->a);
    int s = lowmap_alias_strategy(l->a);
    FL_CHECK((uintptr_t)lo + l->len <= limit, "pointer %p above the limit",
             (void *)lo);
    served++;
    by_strategy[s]++;
    /* Reading: a view shows the host, a shadow was copied in unless the
     * caller asked for nothing. */
    if (zero_copy(s) || (l->access & LOWMAP_READ)) {
        FL_CHECK(fl_same(lo, l->len, b->tag, l->off),
                 "%s view (%s) does not show the host's bytes",
                 kind_name[b->kind], lowmap_strategy_name(s));
        bytes_checked += l->len;
    }
    l->wrote = false;
    if (l->access & LOWMAP_WRITE) {
        l->tag = (uint32_t)fl_rand();
        fl_fill(lo, l->len, l->tag, l->off);
        l->wrote = true;
        if (zero_copy(s))
            check_host(b, l, true, "a zero-copy write");
    }
}

/* Release (or flush, then release) one live alias and check the host. */
static void do_release(struct live *l)
{
    bool explicit_ = l->access & LOWMAP_FLUSH_EXPLICIT;
    int s = lowmap_alias_strategy(l->a), r;

    if (l->wrote && explicit_) {
        fl_arm(true);
        r = lowmap_alias_flush(l->a, 0, l->len);
        fl_arm(false);
        FL_CHECK(r == 0, "flush: %d", r);
    } else if (l->wrote && (l->access & LOWMAP_PERSISTENT) &&
               fl_below(2)) {
        fl_arm(true);
        r = lowmap_alias_sync(l->a);
        fl_arm(false);
        FL_CHECK(r == 0, "sync: %d", r);
        check_host(l->b, l, true, "after a sync");
    }
    fl_arm(true);
    r = lowmap_alias_release(l->a);
    fl_arm(false);
    FL_CHECK(r == 0, "release (%s): %d", lowmap_strategy_name(s), r);
    check_host(l->b, l, l->wrote, "after release");
    if (l->wrote)
        l->b->tag = l->tag, fl_fill(l->b->host, l->b->len, l->tag, 0);
    l->a = NULL;
}

static void do_placed(void)
{
    size_t len = (1 + fl_below(16)) * page;
    void *p = NULL;
    int r;

    attempted++;
    fl_arm(true);
    r = lowmap_mem_alloc(len, &p);
    fl_arm(false);
    if (r < 0) {
        FL_CHECK(p == NULL, "failed alloc left a pointer");
        failed++;
        return;
    }
    served++;
    by_strategy[LOWMAP_STRATEGY_PLACED]++;
    FL_CHECK((uintptr_t)p + len <= lowmap_limit(), "placed above the limit");
    for (size_t i = 0; i < len; i += 64)
        FL_CHECK(((unsigned char *)p)[i] == 0, "placed memory not zeroed");
    fl_fill(p, len, 7, 0);
    FL_CHECK(fl_same(p, len, 7, 0), "placed memory lost bytes");
    bytes_checked += len;
    fl_arm(true);
    r = lowmap_mem_free(p);
    fl_arm(false);
    FL_CHECK(r == 0, "free: %d", r);
}

/* After the faults: each kind maps again, zero-copy where it was before. */
static void check_recovered(void)
{
    for (int k = 0; k < KINDS; k++) {
        struct buf b;
        lowmap_alias *a;
        int r;

        buf_make(&b, (enum kind)k);
        r = lowmap_alias_create(b.host, b.len, LOWMAP_READ | LOWMAP_WRITE, &a);
        FL_CHECK(r == 0, "%s: no view once faults stopped: %d",
                 kind_name[k], r);
        unsigned char *lo = lowmap_alias_ptr(a);
        int s = lowmap_alias_strategy(a);
        FL_CHECK((uintptr_t)lo + b.len <= lowmap_limit(), "above the limit");
        const char *only = getenv("LOWMAP_STRATEGIES");
        bool mremap = !only || strstr(only, "mremap");
        FL_CHECK(k == PRIVATE ? s == LOWMAP_STRATEGY_SHADOW
                              : zero_copy(s) || !mremap,
                 "%s served by %s once faults stopped", kind_name[k],
                 lowmap_strategy_name(s));
        FL_CHECK(fl_same(lo, b.len, b.tag, 0), "%s: wrong bytes",
                 kind_name[k]);
        fl_fill(lo, b.len, 99, 0);
        FL_CHECK(lowmap_alias_release(a) == 0, "release");
        FL_CHECK(fl_same(b.host, b.len, 99, 0), "%s: write lost",
                 kind_name[k]);
        bytes_checked += 2 * b.len;
        printf("recovered: %s -> %s\n", kind_name[k],
               lowmap_strategy_name(s));
        buf_drop(&b);
    }
}

int main(int argc, char **argv)
{
    static const char *const lowmap_points[] = {"lowmap/*", NULL};
    /* What libfiu's POSIX preload covers of lowmap's calls; close is left
     * out: Linux releases the fd even when close fails, the preload would
     * not. */
    static const char *const posix_points[] = {
        "posix/mm/mmap", "posix/mm/munmap", "posix/mm/madvise",
        "posix/mm/mprotect", "posix/io/oc/open", "posix/io/rw/read",
        "posix/io/rw/ftruncate", "posix/io/dir/fdopendir",
        "posix/io/dir/readdir", NULL};
    const char *const *points;
    unsigned long iters, foreign = 0;
    double prob;
    bool posix;

    if (argc < 4) {
        fprintf(stderr, "usage: %s SEED ITERATIONS PROBABILITY [posix]\n",
                argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    fl_seed(strtoull(argv[1], NULL, 0));
    iters = strtoul(argv[2], NULL, 0);
    prob = strtod(argv[3], NULL);
    posix = argc > 4 && strcmp(argv[4], "posix") == 0;
    points = fl_points(posix ? posix_points : lowmap_points);
    page = (size_t)sysconf(_SC_PAGESIZE);

    for (int i = 0; i < BUFS; i++)
        buf_make(&bufs[i], (enum kind)(i % KINDS));
    fl_faults_enable(points, prob);
    /* The first call initialises lowmap and probes the kernel: under
     * faults too. */
    fl_arm(true);
    struct lowmap_caps caps = {.size = sizeof(caps)};
    int pr = lowmap_probe(&caps);
    fl_arm(false);
    FL_CHECK(pr == 0, "probe: %d", pr);

    fl_nofile_tight();
    for (unsigned long it = 0; it < iters; it++) {
        struct live *l = &live[fl_below(LIVE)];
        if (l->a)
            do_release(l);
        else if (fl_below(8) == 0)
            do_placed();
        else
            do_create(l);
        if (it % 64 == 63)
            foreign = fl_check_space("during the faults", 0);
    }
    for (int i = 0; i < LIVE; i++)
        if (live[i].a)
            do_release(&live[i]);
    fl_faults_disable(points);

    foreign = fl_check_space("after the faults", 0);
    fl_nofile_restore();
    check_recovered();
    /* Drain quarantine and hand idle chunks back: what stays in use is
     * what was lost to foreign mappings, nothing more. */
    size_t rsz;
    FL_CHECK(lowmap_release_range(LOWMAP_RELEASE_ALL, &rsz) == NULL, "range");
    foreign = fl_check_space("at the end", 0);
    struct lowmap_stats st = {.size = sizeof(st)};
    lowmap_stats(&st);
    FL_CHECK(st.aliases_live == 0, "%" PRIu64 " aliases still live",
             st.aliases_live);
    printf("figures: mode %s seed %s: faults %lu, maps attempted %" PRIu64
           ", served %" PRIu64 " (verified), failed cleanly %" PRIu64
           ", bytes checked %" PRIu64 ", foreign slots intact %lu"
           ", arena used at end %" PRIu64 "\n",
           posix ? "posix" : "lowmap", argv[1], fl_fired(), attempted,
           served, failed, bytes_checked, foreign, st.arena_used);
    for (int s = 0; s < LOWMAP_STRATEGY_SLOTS; s++)
        if (by_strategy[s])
            printf("served: %s %" PRIu64 "\n", lowmap_strategy_name(s),
                   by_strategy[s]);
    fl_print_fired(posix ? "posix" : "lowmap");
    for (int i = 0; i < BUFS; i++)
        buf_drop(&bufs[i]);
    return 0;
}
