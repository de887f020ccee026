/*
 * Donated ranges (AddClientPointerRangeMESA / ReleaseClientPointerRangeMESA
 * semantics).
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>

#include "translator.h"

TestSuite(arena_ranges, .init = env_reset);

#define RANGE_PAGES 64

static void *donate(size_t pages)
{
    void *r = map_low(pages * PAGE);

    fill(r, pages * PAGE, 1);
    cr_assert(lowmap_add_range(r, pages * PAGE) == 0);
    return r;
}

Test(arena_ranges, aliases_land_inside)
{
    struct vma_list before, after;
    void *shared = map_memfd(2 * PAGE, NULL);
    void *priv = map_anon(2 * PAGE, MAP_PRIVATE);
    size_t size = RANGE_PAGES * PAGE;
    void *placed;

    low_vmas(&before, LOWMAP_LIMIT_4G);
    void *r = donate(RANGE_PAGES);
    lowmap_alias *m = alias_ok(shared, 2 * PAGE, LOWMAP_READ | LOWMAP_WRITE);
    lowmap_alias *s = alias_ok((char *)priv + 1, PAGE, LOWMAP_READ);
    lowmap_alias *c = alias_ok((char *)priv + 2, PAGE,
                               LOWMAP_READ | LOWMAP_CLIENT_RANGE);
    cr_assert(lowmap_mem_alloc(PAGE, &placed) == 0);
    cr_assert(lowmap_alias_strategy(m) == LOWMAP_STRATEGY_MREMAP);
    cr_assert(inside(lowmap_alias_ptr(m), 2 * PAGE, r, size));
    cr_assert(inside(lowmap_alias_ptr(s), PAGE, r, size));
    cr_assert(inside(lowmap_alias_ptr(c), PAGE, r, size));
    cr_assert(inside(placed, PAGE, r, size));
    low_vmas(&after, LOWMAP_LIMIT_4G);
    assert_no_low_memory_of_its_own(&before, &after, (uintptr_t)r,
                                    (uintptr_t)r + size);
}

/* Self-reserved chunks that are idle when a range is donated go away. */
Test(arena_ranges, donation_gives_back_own_memory)
{
    struct vma_list before, after;
    void *priv = map_anon(PAGE, MAP_PRIVATE);

    low_vmas(&before, LOWMAP_LIMIT_4G);
    cr_assert(lowmap_alias_release(alias_ok(priv, PAGE, LOWMAP_READ)) == 0);
    /* Drain the quarantine, so the self-reserved chunk is idle. */
    cr_assert(lowmap_release_range(LOWMAP_RELEASE_ALL, NULL) == NULL);
    void *r = donate(4);
    low_vmas(&after, LOWMAP_LIMIT_4G);
    assert_no_low_memory_of_its_own(&before, &after, (uintptr_t)r,
                                    (uintptr_t)r + 4 * PAGE);
}

Test(arena_ranges, client_range_needs_a_donated_range)
{
    void *priv = map_anon(PAGE, MAP_PRIVATE);
    lowmap_alias *a = (void *)1;

    cr_assert(lowmap_alias_create(priv, PAGE,
                                  LOWMAP_READ | LOWMAP_CLIENT_RANGE,
                                  &a) == LOWMAP_ENOMEM);
    cr_assert(a == NULL);
}

/* With callbacks and a donated range, LOWMAP_CLIENT_RANGE picks the
 * donated one; the rest may use either. */
Test(arena_ranges, client_range_honoured_beside_callbacks)
{
    void *shared = map_memfd(2 * PAGE, NULL);
    void *priv = map_anon(2 * PAGE, MAP_PRIVATE);

    t_pool(256 * MiB);
    t_install(0);
    void *r = donate(RANGE_PAGES);
    for (int i = 0; i < 4; i++) {
        lowmap_alias *c = alias_ok(priv, 2 * PAGE,
                                   LOWMAP_READ | LOWMAP_CLIENT_RANGE);
        cr_assert(inside(lowmap_alias_ptr(c), 2 * PAGE, r, RANGE_PAGES * PAGE));
        lowmap_alias *m = alias_ok(shared, 2 * PAGE,
                                   LOWMAP_WRITE | LOWMAP_CLIENT_RANGE);
        cr_assert(inside(lowmap_alias_ptr(m), 2 * PAGE, r, RANGE_PAGES * PAGE));
        lowmap_alias *o = alias_ok(priv, 2 * PAGE, LOWMAP_READ);
        cr_assert(inside(lowmap_alias_ptr(o), 2 * PAGE, r,
                         RANGE_PAGES * PAGE) ||
                  inside(lowmap_alias_ptr(o), 2 * PAGE, tr.pool,
                         tr.pool_size));
    }
}

Test(arena_ranges, release_waits_for_live_aliases)
{
    void *priv = map_anon(PAGE, MAP_PRIVATE);
    size_t n = 1234;

    void *r = donate(RANGE_PAGES);
    lowmap_alias *a = alias_ok(priv, PAGE, LOWMAP_READ | LOWMAP_WRITE);
    cr_assert(lowmap_release_range(0, &n) == NULL);
    cr_assert(n == 0);
    cr_assert(lowmap_release_range(LOWMAP_RELEASE_ALL, &n) == NULL);
    cr_assert(n == 0);

    cr_assert(lowmap_alias_release(a) == 0);
    /* Without RELEASE_ALL the quarantined slot may keep the range. */
    void *back = lowmap_release_range(0, &n);
    if (!back)
        back = lowmap_release_range(LOWMAP_RELEASE_ALL, &n);
    cr_assert(back == r, "got %p back, donated %p", back, r);
    cr_assert(n == RANGE_PAGES * PAGE);
    /* Readable and writable again, old contents gone. */
    cr_assert(all_bytes(r, n, 0));
    fill(r, n, 7);
    cr_assert(holds(r, n, 7));
    cr_assert(lowmap_release_range(LOWMAP_RELEASE_ALL, &n) == NULL);
    cr_assert(n == 0);
}

Test(arena_ranges, placed_memory_keeps_its_range)
{
    void *p;
    size_t n;

    void *r = donate(4);
    cr_assert(lowmap_mem_alloc(PAGE, &p) == 0);
    cr_assert(inside(p, PAGE, r, 4 * PAGE));
    cr_assert(lowmap_release_range(LOWMAP_RELEASE_ALL, &n) == NULL);
    cr_assert(lowmap_mem_free(p) == 0);
    cr_assert(lowmap_release_range(LOWMAP_RELEASE_ALL, &n) == r);
    cr_assert(n == 4 * PAGE);
}

/* Only the range without live contents comes back. */
Test(arena_ranges, release_returns_the_free_range)
{
    void *priv = map_anon(PAGE, MAP_PRIVATE);
    void *r1 = donate(4), *r2 = donate(4);
    size_t n;

    lowmap_alias *a = alias_ok(priv, PAGE, LOWMAP_READ | LOWMAP_CLIENT_RANGE);
    void *busy = inside(lowmap_alias_ptr(a), PAGE, r1, 4 * PAGE) ? r1 : r2;
    void *idle = busy == r1 ? r2 : r1;
    cr_assert(inside(lowmap_alias_ptr(a), PAGE, busy, 4 * PAGE));
    cr_assert(lowmap_release_range(LOWMAP_RELEASE_ALL, &n) == idle);
    cr_assert(n == 4 * PAGE);
    cr_assert(lowmap_release_range(LOWMAP_RELEASE_ALL, &n) == NULL);
    /* The alias still works. */
    ((volatile char *)lowmap_alias_ptr(a))[0] = 1;
}

/* Four pages donated: four one-page shadows fit, a fifth does not; once
 * all four are released their slots coalesce into one four-page slot. */
Test(arena_ranges, exhaustion_and_coalescing)
{
    char *priv = map_anon(4 * PAGE, MAP_PRIVATE);
    lowmap_alias *a[5];

    void *r = donate(4);
    for (int i = 0; i < 4; i++) {
        a[i] = alias_ok(priv + i * PAGE, PAGE, LOWMAP_READ);
        cr_assert(inside(lowmap_alias_ptr(a[i]), PAGE, r, 4 * PAGE));
    }
    cr_assert(lowmap_alias_create(priv, PAGE, LOWMAP_READ, &a[4]) ==
              LOWMAP_ENOMEM);
    for (int i = 0; i < 4; i++)
        cr_assert(lowmap_alias_release(a[i]) == 0);
    fill(priv, 4 * PAGE, 5);
    a[4] = alias_ok(priv, 4 * PAGE, LOWMAP_READ);
    cr_assert(lowmap_alias_ptr(a[4]) == r);
    cr_assert(holds(lowmap_alias_ptr(a[4]), 4 * PAGE, 5));
}

Test(arena_ranges, bad_ranges_are_rejected_untouched)
{
    char *r = map_low(8 * PAGE);
    char *mine = donate(2);

    fill(r, 8 * PAGE, 9);
    cr_assert(lowmap_add_range(NULL, PAGE) == LOWMAP_EINVAL);
    cr_assert(lowmap_add_range(r, 0) == LOWMAP_EINVAL);
    cr_assert(lowmap_add_range(r + 16, PAGE) == LOWMAP_EINVAL);
    cr_assert(lowmap_add_range(r, PAGE + 16) == LOWMAP_EINVAL);
    cr_assert(lowmap_add_range(mine, 2 * PAGE) == LOWMAP_EEXIST);
    cr_assert(lowmap_add_range(mine + PAGE, 2 * PAGE) == LOWMAP_EEXIST);
    cr_assert(lowmap_add_range(mine - PAGE, 2 * PAGE) == LOWMAP_EEXIST);
    cr_assert(lowmap_add_range((void *)(uintptr_t)(-(intptr_t)PAGE),
                               2 * PAGE) == LOWMAP_EOVERFLOW);
    cr_assert(lowmap_add_range((void *)(LOWMAP_LIMIT_2G - PAGE), 2 * PAGE) ==
              LOWMAP_EINVAL);
    cr_assert(lowmap_add_range((void *)LOWMAP_LIMIT_2G, PAGE) ==
              LOWMAP_EINVAL);
    cr_assert(holds(r, 8 * PAGE, 9), "a rejected range was mapped over");
    /* ...and a good one next to it still goes in. */
    cr_assert(lowmap_add_range(r, 8 * PAGE) == 0);
}

/* A donor promises readable, writable memory: a hole or a read-only page
 * is refused, not mapped over. */
Test(arena_ranges, unmapped_or_read_only_range_is_refused)
{
    char *r = map_low(4 * PAGE);
    char *ro = map_low_prot(2 * PAGE, PROT_READ, LOWMAP_LIMIT_2G);

    cr_assert(munmap(r + PAGE, PAGE) == 0);
    cr_assert(lowmap_add_range(r, 4 * PAGE) == LOWMAP_EFAULT);
    cr_assert(lowmap_add_range(r + PAGE, PAGE) == LOWMAP_EFAULT);
    cr_assert(lowmap_add_range(ro, 2 * PAGE) == LOWMAP_EFAULT);
    /* The hole is still a hole. */
    cr_assert(mmap(r + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
                   MAP_FIXED_NOREPLACE, -1, 0) == r + PAGE);
}

/* A request for donated space that finds none must not cut the
 * quarantine of lowmap's own slots short: their stale pointers keep
 * faulting. */
Test(arena_ranges, failed_client_range_request_keeps_quarantine,
     .signal = SIGSEGV)
{
    void *priv = map_anon(PAGE, MAP_PRIVATE);
    lowmap_alias *a = alias_ok(priv, PAGE, LOWMAP_READ | LOWMAP_WRITE), *b;
    volatile char *stale = lowmap_alias_ptr(a);

    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert(lowmap_alias_create(priv, PAGE,
                                  LOWMAP_READ | LOWMAP_CLIENT_RANGE,
                                  &b) == LOWMAP_ENOMEM);
    /* Had the failed request drained the quarantine, this would reuse
     * the slot and the write below would land in the new shadow. */
    b = alias_ok(priv, PAGE, LOWMAP_READ);
    cr_assert((uintptr_t)lowmap_alias_ptr(b) / PAGE !=
              (uintptr_t)stale / PAGE, "quarantined slot reused");
    stale[0] = 1;
}

/* A range overlapping lowmap's own reservation is refused. */
Test(arena_ranges, overlapping_own_chunk_is_rejected)
{
    void *priv = map_anon(PAGE, MAP_PRIVATE);
    lowmap_alias *a = alias_ok(priv, PAGE, LOWMAP_READ);
    uintptr_t slot = (uintptr_t)lowmap_alias_ptr(a) & ~(uintptr_t)(PAGE - 1);

    cr_assert(lowmap_add_range((void *)slot, PAGE) == LOWMAP_EEXIST);
    cr_assert(lowmap_add_range((void *)(slot + PAGE), PAGE) == LOWMAP_EEXIST ||
              lowmap_add_range((void *)(slot - PAGE), PAGE) == LOWMAP_EEXIST);
}

Test(arena_ranges, release_range_bad_flags)
{
    size_t n = 99;

    donate(2);
    cr_assert(lowmap_release_range(0x80, &n) == NULL);
    cr_assert(n == 0);
}
