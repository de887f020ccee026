/*
 * Arena exhaustion and recovery, fragmentation and quarantine under a small
 * limit.  LOWMAP_LIMIT=0x10000000 (256 MiB) leaves room for at most four
 * self-reserved 64 MiB chunks, so the arena runs out after a few hundred
 * aliases instead of after 2 GiB.
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>

#include "helpers.h"
#include "stress.h"

#define LIMIT "0x10000000"

static void small_limit(void)
{
    env_reset();
    setenv("LOWMAP_LIMIT", LIMIT, 1);
}

TestSuite(arena_stress, .init = small_limit, .timeout = 60);

/* Arena space without touching memory: READ|INVALIDATE copies nothing. */
static int take(void *host, size_t size, lowmap_alias **out)
{
    return lowmap_alias_create(host, size, LOWMAP_READ | LOWMAP_INVALIDATE,
                               out);
}

static void *host_of(size_t size)
{
    return map_anon(size, MAP_PRIVATE | MAP_NORESERVE);
}

/* Fill until ENOMEM, free a random half, fill again: every round must get
 * back at least the room it freed, and nothing may leak across rounds. */
Test(arena_stress, exhaustion_and_recovery)
{
    enum { MAX = 4096 };
    static lowmap_alias *a[MAX];
    size_t sizes[] = {PAGE, 3 * PAGE, 16 * PAGE, MiB, 4 * MiB};
    void *host = host_of(4 * MiB);
    struct rng r = {42};
    size_t n = 0, first = 0;

    for (int round = 0; round < 20; round++) {
        size_t before = n;
        int err = 0;
        while (n < MAX &&
               (err = take(host, sizes[rnd(&r) % 5], &a[n])) == 0)
            n++;
        cr_assert(n < MAX, "the arena never ran out below " LIMIT);
        cr_assert(err == LOWMAP_ENOMEM, "%s", lowmap_strerror(err));
        cr_assert(n > before || round == 0, "round %d: no room came back",
                  round);
        if (round == 0)
            first = n;
        for (size_t i = 0; i < n; i++)
            cr_assert_low(lowmap_alias_ptr(a[i]), lowmap_alias_size(a[i]));
        /* Free a random half (swap-remove). */
        for (size_t k = n / 2; k; k--) {
            size_t i = rnd(&r) % n;
            cr_assert(lowmap_alias_release(a[i]) == 0);
            a[i] = a[--n];
        }
    }
    while (n)
        cr_assert(lowmap_alias_release(a[--n]) == 0);
    cr_assert(first > 0);
    cr_assert(stats_now().aliases_live == 0);
    /* Everything back: one alias nearly as big as a 64 MiB chunk fits. */
    lowmap_alias *big;
    cr_assert(take(host_of(60 * MiB), 60 * MiB, &big) == 0,
              "no room after every alias was released");
}

/*
 * Interleaved sizes, every other one released: the holes are small and
 * scattered, yet once the rest goes too the quarantine must drain into
 * free space that coalesces, so a large alias fits again.
 */
Test(arena_stress, fragmentation)
{
    enum { MAX = 8192 };
    static lowmap_alias *a[MAX];
    void *host = host_of(28 * PAGE);
    size_t n = 0, biggest_hole = 0;
    int err;

    while (n < MAX && (err = take(host, (1 + n % 7) * 4 * PAGE, &a[n])) == 0)
        n++;
    cr_assert(err == LOWMAP_ENOMEM && n < MAX);
    for (size_t i = 1; i < n; i += 2) {
        cr_assert(lowmap_alias_release(a[i]) == 0);
        a[i] = NULL;
        if ((1 + i % 7) * 4 * PAGE > biggest_hole)
            biggest_hole = (1 + i % 7) * 4 * PAGE;
    }
    /* Full arena: this fits only in a quarantined hole. */
    lowmap_alias *b;
    cr_assert(take(host, biggest_hole, &b) == 0,
              "a hole of %#zx bytes was not reused", biggest_hole);
    cr_assert(lowmap_alias_release(b) == 0);
    /* Twice the biggest hole fits nowhere while its neighbours live... */
    void *big_host = host_of(48 * MiB);
    cr_assert(take(big_host, 48 * MiB, &b) == LOWMAP_ENOMEM);
    for (size_t i = 0; i < n; i += 2)
        cr_assert(lowmap_alias_release(a[i]) == 0);
    /* ...and fits once they are gone. */
    cr_assert(take(big_host, 48 * MiB, &b) == 0,
              "freed slots did not coalesce");
    cr_assert(lowmap_alias_release(b) == 0);
}

/* A released slot sits in quarantine: many creates later, of the same
 * size, its stale pointer still faults. */
Test(arena_stress, quarantine_keeps_stale_pointers_faulting,
     .signal = SIGSEGV)
{
    void *host = host_of(2 * PAGE);
    lowmap_alias *a = NULL;
    volatile char *stale;

    cr_assert(lowmap_alias_create(host, 2 * PAGE, LOWMAP_READ | LOWMAP_WRITE,
                                  &a) == 0);
    stale = lowmap_alias_ptr(a);
    stale[0] = 1;
    cr_assert(lowmap_alias_release(a) == 0);
    for (int i = 0; i < 48; i++) {
        cr_assert(lowmap_alias_create(host, 2 * PAGE,
                                      LOWMAP_READ | LOWMAP_WRITE, &a) == 0);
        cr_assert((volatile char *)lowmap_alias_ptr(a) != stale,
                  "slot reused after %d creates", i);
        cr_assert(lowmap_alias_release(a) == 0);
    }
    stale[0] = 2;
}

/* A slot larger than the quarantine's whole byte budget (256 MiB) must
 * not make the arena pop from an empty quarantine. */
Test(arena_stress, slot_larger_than_quarantine, .init = env_reset)
{
    void *p;

    for (int i = 0; i < 3; i++) {
        cr_assert(lowmap_mem_alloc((size_t)300 << 20, &p) == 0);
        cr_assert(lowmap_mem_free(p) == 0);
    }
    cr_assert(lowmap_mem_alloc(PAGE, &p) == 0);
    ((char *)p)[0] = 1;
}
