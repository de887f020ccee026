/*
 * Arena limits, growth and exhaustion of self-reserved memory.
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h"

TestSuite(arena_limits, .init = env_reset);

/* A shadow of fresh private memory: the cheapest way to take arena space
 * (READ|INVALIDATE copies nothing and touches no page). */
static lowmap_alias *take(size_t size)
{
    void *host = map_anon(size, MAP_PRIVATE | MAP_NORESERVE);

    return alias_ok(host, size, LOWMAP_READ | LOWMAP_INVALIDATE);
}

Test(arena_limits, default_is_2g)
{
    cr_assert(lowmap_limit() == LOWMAP_LIMIT_2G);
    lowmap_alias *a = take(PAGE);
    cr_assert(lowmap_alias_strategy(a) == LOWMAP_STRATEGY_SHADOW);
    cr_assert((uintptr_t)lowmap_alias_ptr(a) + PAGE <= LOWMAP_LIMIT_2G);
}

Test(arena_limits, env_4g)
{
    setenv("LOWMAP_LIMIT", "4G", 1);
    cr_assert(lowmap_limit() == LOWMAP_LIMIT_4G);
    take(3 * PAGE);
}

Test(arena_limits, env_hex)
{
    setenv("LOWMAP_LIMIT", "0x40000000", 1);
    cr_assert(lowmap_limit() == 0x40000000);
    for (int i = 0; i < 8; i++) {
        lowmap_alias *a = take(MiB);
        cr_assert((uintptr_t)lowmap_alias_ptr(a) + MiB <= 0x40000000);
    }
}

Test(arena_limits, env_invalid_falls_back_to_2g)
{
    setenv("LOWMAP_LIMIT", "0x1234", 1);
    cr_assert(lowmap_limit() == LOWMAP_LIMIT_2G);
}

Test(arena_limits, set_limit_before_first_use)
{
    cr_assert(lowmap_limit() == LOWMAP_LIMIT_2G); /* init alone is no use */
    cr_assert(lowmap_set_limit(0x30000000) == 0);
    cr_assert(lowmap_limit() == 0x30000000);
    lowmap_alias *a = take(5 * PAGE);
    cr_assert((uintptr_t)lowmap_alias_ptr(a) + 5 * PAGE <= 0x30000000);
}

Test(arena_limits, set_limit_after_use_is_busy)
{
    take(PAGE);
    cr_assert(lowmap_set_limit(LOWMAP_LIMIT_4G) == LOWMAP_EBUSY);
    cr_assert(lowmap_limit() == LOWMAP_LIMIT_2G);
}

Test(arena_limits, set_limit_after_mem_alloc_is_busy)
{
    void *p;

    cr_assert(lowmap_mem_alloc(PAGE, &p) == 0);
    cr_assert(lowmap_set_limit(0x40000000) == LOWMAP_EBUSY);
    cr_assert(lowmap_limit() == LOWMAP_LIMIT_2G);
}

Test(arena_limits, set_limit_invalid)
{
    static const uintptr_t bad[] = {
        0, 4096, (16 << 20) - 4096, 0x40000001, 0x40000800,
        LOWMAP_LIMIT_4G + 4096, UINTPTR_MAX,
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert(lowmap_set_limit(bad[i]) == LOWMAP_EINVAL, "%#lx accepted",
                  (unsigned long)bad[i]);
    cr_assert(lowmap_limit() == LOWMAP_LIMIT_2G);
    cr_assert(lowmap_set_limit(16 << 20) == 0);
    cr_assert(lowmap_set_limit(LOWMAP_LIMIT_4G) == 0);
    cr_assert(lowmap_limit() == LOWMAP_LIMIT_4G);
}

/* A host range that starts below the limit and ends above it is not low:
 * it must get a view, not be handed back as is. */
Test(arena_limits, range_straddling_the_limit_is_not_passed_through)
{
    uintptr_t limit = 0x40000000;
    char *host = mmap((void *)(limit - PAGE), 2 * PAGE,
                      PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

    cr_assert(host == (char *)(limit - PAGE), "cannot map at %#lx",
              (unsigned long)(limit - PAGE));
    setenv("LOWMAP_LIMIT", "0x40000000", 1);
    fill(host, 2 * PAGE, 3);
    lowmap_alias *a = alias_ok(host + 100, PAGE, LOWMAP_READ);
    cr_assert(lowmap_alias_strategy(a) != LOWMAP_STRATEGY_PASSTHROUGH);
    cr_assert(lowmap_alias_ptr(a) != host + 100);
    cr_assert(memcmp(lowmap_alias_ptr(a), host + 100, PAGE) == 0);
}

/* More than one 64 MiB growth step of aliases, all below the limit and
 * none overlapping another. */
Test(arena_limits, grows_past_one_chunk)
{
    enum { N = 40 };
    const size_t size = 3 * MiB;
    lowmap_alias *a[N];

    for (int i = 0; i < N; i++) {
        a[i] = take(size);
        uintptr_t p = (uintptr_t)lowmap_alias_ptr(a[i]);
        for (int j = 0; j < i; j++) {
            uintptr_t q = (uintptr_t)lowmap_alias_ptr(a[j]);
            cr_assert(p + size <= q || q + size <= p,
                      "aliases %d and %d overlap", i, j);
        }
    }
    struct lowmap_stats s = stats_now();
    cr_assert(s.arena_bytes > 64 * MiB, "arena holds %#lx bytes",
              (unsigned long)s.arena_bytes);
    cr_assert(s.arena_used >= N * size);
    cr_assert(s.aliases_live == N);
    /* The slots are usable memory. */
    for (int i = 0; i < N; i++) {
        char *p = lowmap_alias_ptr(a[i]);
        p[0] = 1;
        p[size - 1] = 2;
    }
}

/* With a 16 MiB limit only the space between 1 MiB and 16 MiB is left:
 * the arena runs out, says so, and recovers once a slot is released. */
Test(arena_limits, exhaustion_and_recovery)
{
    enum { MAX = 64 };
    lowmap_alias *a[MAX];
    void *host = map_anon(MiB, MAP_PRIVATE);
    lowmap_alias *extra = NULL;
    int n = 0, err = 0;

    setenv("LOWMAP_LIMIT", "0x1000000", 1);
    while (n < MAX) {
        err = lowmap_alias_create(host, MiB, LOWMAP_READ | LOWMAP_WRITE,
                                  &a[n]);
        if (err)
            break;
        cr_assert_low(lowmap_alias_ptr(a[n]), MiB);
        n++;
    }
    cr_assert(err == LOWMAP_ENOMEM, "after %d aliases: %s", n,
              lowmap_strerror(err));
    /* 1 MiB to 16 MiB is free in a fresh process. */
    cr_assert(n >= 8 && n < 16, "%d aliases of 1 MiB below 16 MiB", n);
    cr_assert(stats_now().failures >= 1);

    cr_assert(lowmap_alias_release(a[n / 2]) == 0);
    cr_assert(lowmap_alias_create(host, MiB, LOWMAP_READ, &extra) == 0);
    cr_assert_low(lowmap_alias_ptr(extra), MiB);
}
