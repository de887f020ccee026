/*
 * The view cache: handles on one host mapping share a view; a view is
 * never reused for a different mapping at the same address.
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h"

TestSuite(cache, .init = env_reset);

#define RW (LOWMAP_READ | LOWMAP_WRITE)

Test(cache, sub_ranges_share_one_view)
{
    char *map = map_memfd(8 * PAGE, NULL);
    char *h1 = map + PAGE + 5, *h2 = map + 3 * PAGE + 7;

    lowmap_alias *a1 = alias_ok(h1, PAGE, RW);
    uint64_t hits = stats_now().cache_hits;
    lowmap_alias *a2 = alias_ok(h2, 2 * PAGE, RW);
    cr_assert(stats_now().cache_hits == hits + 1);
    cr_assert(lowmap_alias_strategy(a2) == lowmap_alias_strategy(a1));
    cr_assert((char *)lowmap_alias_ptr(a2) - (char *)lowmap_alias_ptr(a1) ==
              h2 - h1, "the two handles see different views");
    cr_assert(stats_now().aliases_live == 2);

    /* The view outlives the first handle. */
    cr_assert(lowmap_alias_release(a1) == 0);
    fill(h2, 2 * PAGE, 3);
    cr_assert(holds(lowmap_alias_ptr(a2), 2 * PAGE, 3));
    cr_assert(lowmap_alias_release(a2) == 0);
}

Test(cache, same_range_twice)
{
    char *map = map_memfd(4 * PAGE, NULL);

    lowmap_alias *a1 = alias_ok(map + 9, PAGE, RW);
    lowmap_alias *a2 = alias_ok(map + 9, PAGE, LOWMAP_READ);
    cr_assert(a1 != a2);
    cr_assert(lowmap_alias_ptr(a1) == lowmap_alias_ptr(a2));
    cr_assert(stats_now().cache_hits == 1);
    cr_assert(lowmap_alias_release(a2) == 0);
    cr_assert(lowmap_alias_release(a2) == LOWMAP_EALREADY);
    ((volatile char *)lowmap_alias_ptr(a1))[0] = 5;
    cr_assert(map[9] == 5);
}

Test(cache, fd_remap_views_are_shared_too)
{
    char *map = map_memfd(4 * PAGE, NULL);

    setenv("LOWMAP_STRATEGIES", "fd_remap", 1);
    lowmap_alias *a1 = alias_ok(map, PAGE, RW);
    lowmap_alias *a2 = alias_ok(map + 2 * PAGE, PAGE, RW);
    cr_assert(lowmap_alias_strategy(a1) == LOWMAP_STRATEGY_FD_REMAP);
    cr_assert(stats_now().cache_hits == 1);
    cr_assert((char *)lowmap_alias_ptr(a2) ==
              (char *)lowmap_alias_ptr(a1) + 2 * PAGE);
}

/* Drivers free a mapping and map another object at the same address: a
 * create must show the new object, not the cached view of the old. */
Test(cache, replaced_mapping_gets_a_new_view)
{
    int fd2;
    char *map = map_memfd(4 * PAGE, NULL);
    char *other = map_memfd(4 * PAGE, &fd2);

    fill(map, 4 * PAGE, 1);
    fill(other, 4 * PAGE, 2);
    lowmap_alias *old = alias_ok(map + 10, PAGE, RW); /* stays live */
    cr_assert(holds(lowmap_alias_ptr(old), PAGE, 1) == 0 &&
              memcmp(lowmap_alias_ptr(old), map + 10, PAGE) == 0);

    cr_assert(mmap(map, 4 * PAGE, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, fd2, 0) == map);
    uint64_t hits = stats_now().cache_hits;
    lowmap_alias *a = alias_ok(map + 10, PAGE, RW);
    cr_assert(stats_now().cache_hits == hits);
    cr_assert(memcmp(lowmap_alias_ptr(a), other + 10, PAGE) == 0,
              "the new alias shows the old object");
    ((volatile char *)lowmap_alias_ptr(a))[0] = 0x55;
    cr_assert(other[10] == 0x55);
    /* The old handle still shows the old object. */
    cr_assert(((char *)lowmap_alias_ptr(old))[0] != 0x55);
    cr_assert(lowmap_alias_release(old) == 0);
    cr_assert(lowmap_alias_release(a) == 0);
}

/* Same file, same address, another offset: still another mapping. */
Test(cache, remapped_at_another_offset_gets_a_new_view)
{
    int fd;
    char *map = map_memfd(8 * PAGE, &fd);

    fill(map, 8 * PAGE, 6);
    lowmap_alias *old = alias_ok(map, PAGE, LOWMAP_READ);
    cr_assert(mmap(map, 4 * PAGE, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, fd, (off_t)(4 * PAGE)) == map);
    lowmap_alias *a = alias_ok(map, PAGE, LOWMAP_READ);
    cr_assert(memcmp(lowmap_alias_ptr(a), map, PAGE) == 0,
              "the new alias shows the old file offset");
    cr_assert(lowmap_alias_ptr(a) != lowmap_alias_ptr(old));
}

/* Shared memory replaced by private memory at the same address. */
Test(cache, replaced_by_private_memory_becomes_shadow)
{
    char *map = map_memfd(4 * PAGE, NULL);

    lowmap_alias *old = alias_ok(map, PAGE, RW);
    cr_assert(lowmap_alias_strategy(old) == LOWMAP_STRATEGY_MREMAP);
    cr_assert(mmap(map, 4 * PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == map);
    fill(map, PAGE, 8);
    lowmap_alias *a = alias_ok(map, PAGE, RW);
    cr_assert(lowmap_alias_strategy(a) == LOWMAP_STRATEGY_SHADOW);
    cr_assert(holds(lowmap_alias_ptr(a), PAGE, 8));
}

/* A longer request than the cached view covers gets a view that covers
 * it (views of small mappings are whole, so grow the mapping). */
Test(cache, longer_mapping_at_same_address)
{
    int fd;
    char *map = map_memfd(16 * PAGE, &fd);

    cr_assert(munmap(map + 4 * PAGE, 12 * PAGE) == 0);
    lowmap_alias *small = alias_ok(map, PAGE, RW);
    cr_assert(mmap(map, 16 * PAGE, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, fd, 0) == map);
    lowmap_alias *a = alias_ok(map + 10 * PAGE, 2 * PAGE, RW);
    fill(map + 10 * PAGE, 2 * PAGE, 9);
    cr_assert(holds(lowmap_alias_ptr(a), 2 * PAGE, 9));
    cr_assert(lowmap_alias_release(small) == 0);
}
