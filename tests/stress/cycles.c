/*
 * 10^6 create/release cycles in all, of random sizes (1 B to 1 MiB, at
 * any byte offset) and random valid access flags, with content checks:
 *
 *   mremap    250 000   memfd mappings, default strategies
 *   fd_remap  200 000   memfd mappings, LOWMAP_STRATEGIES without mremap
 *   shadow    250 000   private anonymous memory
 *   placed    100 000   lowmap_mem_alloc() blocks (and low passthrough)
 *   threads   200 000   4 threads at once, memfd and private memory
 *
 * Eight aliases are live at a time, each over a host region of its own,
 * so that one alias's write-back never disturbs another's checks.  Every
 * cycle checks three bytes (first, last, one at random) both ways; every
 * 64th compares the whole range.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>

#include "helpers.h"
#include "stress.h"

#define SLOTS 8
#define MAX_SIZE MiB
#define REGION (MAX_SIZE + 2 * PAGE)

/* Generous: short-lived shadows pay a compare, and persistent ones a twin,
 * per cycle, and CI runs this beside a QEMU guest. */
TestSuite(cycles, .init = env_reset, .timeout = 150);

enum host_kind { MEMFD, PRIVATE, PLACED, LOW };

struct slot {
    unsigned char *region; /* this slot's host memory, REGION bytes */
    lowmap_alias *a;
    unsigned char *host, *low;
    size_t size, pt[3];
    unsigned access;
    unsigned char old[3], neu[3]; /* host before, and what low wrote */
};

struct worker {
    enum host_kind kind;
    int want; /* strategy every alias must get */
    size_t cycles;
    uint64_t seed;
    struct slot s[SLOTS];
    struct failure f;
};

static bool copies_in(unsigned access)
{
    return !(access & LOWMAP_INVALIDATE) &&
           !(!(access & LOWMAP_READ) && (access & LOWMAP_FLUSH_EXPLICIT));
}

static void *region_new(enum host_kind kind)
{
    void *p = NULL;

    switch (kind) {
    case MEMFD: {
        /* One memfd per slot: a view is cached per host mapping, and each
         * cycle should make and tear down a view of its own. */
        int fd = memfd_create("lowmap-stress", MFD_CLOEXEC);
        if (fd < 0 || ftruncate(fd, (off_t)REGION) < 0)
            return NULL;
        p = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    case PRIVATE:
        p = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    case PLACED:
        return lowmap_mem_alloc(REGION, &p) == 0 ? p : NULL;
    case LOW:
        return map_low(REGION);
    }
    return NULL;
}

static bool slot_create(struct worker *w, struct slot *s, struct rng *r,
                        bool full)
{
    int err;

    s->size = rnd_size(r, MAX_SIZE);
    s->host = s->region + rnd(r) % (REGION - s->size + 1);
    s->access = rnd_access(r);
    s->pt[0] = 0;
    s->pt[1] = s->size - 1;
    s->pt[2] = rnd(r) % s->size;
    for (int i = 0; i < 3; i++)
        s->host[s->pt[i]] = (unsigned char)(rnd(r) | 1);
    for (int i = 0; i < 3; i++)
        s->old[i] = s->host[s->pt[i]];

    err = lowmap_alias_create(s->host, s->size, s->access, &s->a);
    CHECK(&w->f, err == 0, "create(%p, %#zx, %#x): %s", (void *)s->host,
          s->size, s->access, lowmap_strerror(err));
    s->low = lowmap_alias_ptr(s->a);
    CHECK(&w->f, (uintptr_t)s->low + s->size <= lowmap_limit(),
          "%p+%#zx above the limit", (void *)s->low, s->size);
    CHECK(&w->f, lowmap_alias_strategy(s->a) == w->want,
          "strategy %d, expected %d", lowmap_alias_strategy(s->a), w->want);

    bool shadow = w->want == LOWMAP_STRATEGY_SHADOW;
    if (!shadow || copies_in(s->access)) {
        for (int i = 0; i < 3; i++)
            CHECK(&w->f, s->low[s->pt[i]] == s->old[i],
                  "host byte %#zx not seen through the low view", s->pt[i]);
        CHECK(&w->f, !full || memcmp(s->low, s->host, s->size) == 0,
              "low view differs from the host after create");
    }
    if (!(s->access & LOWMAP_WRITE))
        return true;
    for (int i = 0; i < 3; i++)
        s->low[s->pt[i]] = (unsigned char)(s->old[i] ^ 0xa5);
    for (int i = 0; i < 3; i++)
        s->neu[i] = s->low[s->pt[i]];
    if (!shadow) {
        for (int i = 0; i < 3; i++)
            CHECK(&w->f, s->host[s->pt[i]] == s->neu[i],
                  "zero-copy write at %#zx not seen by the host", s->pt[i]);
    } else if (s->access & LOWMAP_FLUSH_EXPLICIT) {
        CHECK(&w->f, lowmap_alias_flush(s->a, s->pt[2], 1) == 0, "flush");
        CHECK(&w->f, s->host[s->pt[2]] == s->neu[2], "flush copied nothing");
    }
    return true;
}

static bool slot_release(struct worker *w, struct slot *s)
{
    unsigned acc = s->access;

    CHECK(&w->f, lowmap_alias_release(s->a) == 0, "release");
    s->a = NULL;
    if (w->want != LOWMAP_STRATEGY_SHADOW)
        return true;
    for (int i = 0; i < 3; i++) {
        unsigned char want = s->old[i];
        if ((acc & LOWMAP_WRITE) && !(acc & LOWMAP_FLUSH_EXPLICIT))
            want = s->neu[i]; /* written pages go back */
        else if ((acc & LOWMAP_WRITE) && s->pt[i] == s->pt[2])
            want = s->neu[2]; /* flushed */
        CHECK(&w->f, s->host[s->pt[i]] == want,
              "after release of access %#x, host byte %#zx is %#x, not %#x",
              acc, s->pt[i], s->host[s->pt[i]], want);
    }
    return true;
}

static bool run(struct worker *w)
{
    struct rng r = {w->seed};

    for (int i = 0; i < SLOTS; i++)
        CHECK(&w->f, (w->s[i].region = region_new(w->kind)) != NULL,
              "no host memory");
    for (size_t c = 0; c < w->cycles; c++) {
        struct slot *s = &w->s[rnd(&r) % SLOTS];
        if (s->a && !slot_release(w, s))
            return false;
        if (!slot_create(w, s, &r, c % 64 == 0))
            return false;
    }
    for (int i = 0; i < SLOTS; i++)
        if (w->s[i].a && !slot_release(w, &w->s[i]))
            return false;
    return true;
}

static void run_one(enum host_kind kind, int want, size_t cycles)
{
    struct worker *w = calloc(1, sizeof(*w));

    cr_assert(w);
    *w = (struct worker){.kind = kind, .want = want, .cycles = cycles,
                         .seed = 0x9e3779b97f4a7c15ull ^ cycles};
    cr_assert(run(w), "%s", w->f.msg);
    cr_assert(stats_now().aliases_live == 0);
    free(w);
}

Test(cycles, mremap)
{
    run_one(MEMFD, LOWMAP_STRATEGY_MREMAP, SCALED(250000));
}

Test(cycles, fd_remap)
{
    setenv("LOWMAP_STRATEGIES", "passthrough,fd_remap,shadow", 1);
    run_one(MEMFD, LOWMAP_STRATEGY_FD_REMAP, SCALED(200000));
}

Test(cycles, shadow)
{
    run_one(PRIVATE, LOWMAP_STRATEGY_SHADOW, SCALED(250000));
}

Test(cycles, placed_and_passthrough)
{
    run_one(PLACED, LOWMAP_STRATEGY_PLACED, SCALED(50000));
    run_one(LOW, LOWMAP_STRATEGY_PASSTHROUGH, SCALED(50000));
}

static void *thread_main(void *arg)
{
    return run(arg) ? NULL : arg;
}

/* Four threads at once, two on shared and two on private memory: the
 * arena, the view cache and the live set are shared by all. */
Test(cycles, four_threads)
{
    struct worker *w = calloc(4, sizeof(*w));
    pthread_t t[4];

    cr_assert(w);
    for (int i = 0; i < 4; i++) {
        bool shared = i % 2 == 0;
        w[i] = (struct worker){
            .kind = shared ? MEMFD : PRIVATE,
            .want = shared ? LOWMAP_STRATEGY_MREMAP : LOWMAP_STRATEGY_SHADOW,
            .cycles = SCALED(50000), .seed = 0x5eedull * (uint64_t)(i + 1)};
        cr_assert(pthread_create(&t[i], NULL, thread_main, &w[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        void *ret;
        cr_assert(pthread_join(t[i], &ret) == 0);
        cr_assert(ret == NULL, "thread %d: %s", i, w[i].f.msg);
    }
    cr_assert(stats_now().aliases_live == 0);
    free(w);
}
