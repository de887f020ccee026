/*
 * Which strategy serves which kind of host memory, and that zero-copy
 * views are coherent both ways.  ctest runs this binary once per VMA
 * backend (LOWMAP_VMA_QUERY=maps, =procmap_query): the answers must match.
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h"

TestSuite(strategies, .init = env_reset);

#define RW (LOWMAP_READ | LOWMAP_WRITE)
#define ODD_OFFSET (3 * PAGE + 123)
#define ODD_SIZE (5 * PAGE + 77)

static void only(const char *list)
{
    setenv("LOWMAP_STRATEGIES", list, 1);
}

/* Host writes show in the low view and low writes on the host, right
 * away, over the whole range. */
static void assert_coherent(char *host, char *low, size_t size)
{
    fill(host, size, 11);
    cr_assert(holds(low, size, 11), "host writes do not show low");
    fill(low, size, 12);
    cr_assert(holds(host, size, 12), "low writes do not show on the host");
}

/* Aliases [host, host+size), checks the strategy and its counter, and
 * returns the handle. */
static lowmap_alias *expect(void *host, size_t size, unsigned access,
                            int strategy)
{
    struct lowmap_stats before = stats_now();
    lowmap_alias *a = alias_ok(host, size, access);
    struct lowmap_stats after = stats_now();

    cr_assert(lowmap_alias_strategy(a) == strategy, "%s, want %s",
              lowmap_strategy_name(lowmap_alias_strategy(a)),
              lowmap_strategy_name(strategy));
    for (int s = 0; s < LOWMAP_STRATEGY_COUNT; s++)
        cr_assert(after.aliases_created[s] ==
                      before.aliases_created[s] + (s == strategy),
                  "counter of %s", lowmap_strategy_name(s));
    cr_assert(after.aliases_live == before.aliases_live + 1);
    return a;
}

static void zero_copy(void *map, int strategy)
{
    char *host = (char *)map + ODD_OFFSET;
    lowmap_alias *a = expect(host, ODD_SIZE, RW, strategy);

    cr_assert(lowmap_alias_ptr(a) != host);
    assert_coherent(host, lowmap_alias_ptr(a), ODD_SIZE);
    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert(stats_now().aliases_live == 0);
}

Test(strategies, shared_anonymous_is_mremap)
{
    zero_copy(map_anon(16 * PAGE, MAP_SHARED), LOWMAP_STRATEGY_MREMAP);
}

Test(strategies, memfd_is_mremap)
{
    zero_copy(map_memfd(16 * PAGE, NULL), LOWMAP_STRATEGY_MREMAP);
}

Test(strategies, shared_file_is_mremap)
{
    zero_copy(map_file(16 * PAGE, NULL), LOWMAP_STRATEGY_MREMAP);
}

/* Without mremap, driver-like fd mappings are mapped again from their
 * file. */
Test(strategies, memfd_is_fd_remap_without_mremap)
{
    only("passthrough,fd_remap,shadow");
    zero_copy(map_memfd(16 * PAGE, NULL), LOWMAP_STRATEGY_FD_REMAP);
}

Test(strategies, shared_file_is_fd_remap_without_mremap)
{
    only("passthrough,fd_remap,shadow");
    zero_copy(map_file(16 * PAGE, NULL), LOWMAP_STRATEGY_FD_REMAP);
}

/* A mapping that starts inside its file: the view must show the same
 * file pages as the host, not the file's start. */
Test(strategies, fd_remap_keeps_the_file_offset)
{
    int fd;
    char page[64];

    only("fd_remap");
    map_memfd(16 * PAGE, &fd);
    char *map = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                     (off_t)(4 * PAGE));
    cr_assert(map != MAP_FAILED);
    lowmap_alias *a = expect(map + PAGE + 9, 2 * PAGE, RW,
                             LOWMAP_STRATEGY_FD_REMAP);
    char *low = lowmap_alias_ptr(a);
    memset(page, 0x77, sizeof(page));
    cr_assert(pwrite(fd, page, sizeof(page), (off_t)(5 * PAGE + 9)) ==
              (ssize_t)sizeof(page));
    cr_assert(all_bytes(low, sizeof(page), 0x77));
    low[100] = 0x31;
    cr_assert(pread(fd, page, 1, (off_t)(5 * PAGE + 109)) == 1);
    cr_assert(page[0] == 0x31);
}

/* fd_remap needs an open fd on the file; without one, a shadow serves. */
Test(strategies, fd_remap_without_an_fd_falls_back_to_shadow)
{
    int fd;

    only("fd_remap,shadow");
    void *map = map_memfd(4 * PAGE, &fd);
    close(fd);
    lowmap_alias *a = expect(map, 4 * PAGE, RW, LOWMAP_STRATEGY_SHADOW);
    cr_assert(lowmap_alias_release(a) == 0);
    /* Shared anonymous memory has no fd at all. */
    expect(map_anon(PAGE, MAP_SHARED), PAGE, RW, LOWMAP_STRATEGY_SHADOW);
}

Test(strategies, private_anonymous_is_shadow)
{
    char *heap = malloc(MiB);

    cr_assert(heap);
    lowmap_alias *a = expect(heap + 123, ODD_SIZE, RW, LOWMAP_STRATEGY_SHADOW);
    cr_assert(lowmap_alias_release(a) == 0);
    expect((char *)map_anon(16 * PAGE, MAP_PRIVATE) + ODD_OFFSET, ODD_SIZE,
           RW, LOWMAP_STRATEGY_SHADOW);
    free(heap);
}

Test(strategies, private_file_mapping_is_shadow)
{
    int fd;

    map_memfd(4 * PAGE, &fd);
    void *priv = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE,
                      fd, 0);
    cr_assert(priv != MAP_FAILED);
    expect(priv, 4 * PAGE, RW, LOWMAP_STRATEGY_SHADOW);
}

Test(strategies, zero_copy_disabled_is_shadow)
{
    only("shadow");
    expect(map_memfd(4 * PAGE, NULL), 4 * PAGE, RW, LOWMAP_STRATEGY_SHADOW);
}

Test(strategies, lowmap_memory_is_placed)
{
    char *p;

    cr_assert(lowmap_mem_alloc(8 * PAGE, (void **)&p) == 0);
    cr_assert_low(p, 8 * PAGE);
    cr_assert(all_bytes(p, 8 * PAGE, 0));
    lowmap_alias *a = expect(p + ODD_OFFSET, 2 * PAGE, RW,
                             LOWMAP_STRATEGY_PLACED);
    cr_assert(lowmap_alias_ptr(a) == p + ODD_OFFSET);
}

/* Placed memory is served without a look at the process's mappings, but
 * never beyond what lowmap_mem_protect() left it allowing. */
Test(strategies, placed_memory_keeps_its_protection)
{
    lowmap_alias *a = NULL;
    char *p;

    cr_assert(lowmap_mem_alloc(4 * PAGE, (void **)&p) == 0);
    cr_assert(lowmap_mem_protect(p, 4 * PAGE, LOWMAP_READ) == 0);
    cr_assert_eq(lowmap_alias_create(p, 4 * PAGE, RW, &a), LOWMAP_EFAULT);
    a = expect(p + PAGE, PAGE, LOWMAP_READ, LOWMAP_STRATEGY_PLACED);
    cr_assert(lowmap_alias_release(a) == 0);

    /* One page writable again: that page takes a write alias, the block
     * does not. */
    cr_assert(lowmap_mem_protect(p + PAGE, PAGE, LOWMAP_READ | LOWMAP_WRITE)
              == 0);
    a = expect(p + PAGE + 9, 100, RW, LOWMAP_STRATEGY_PLACED);
    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert_eq(lowmap_alias_create(p, 4 * PAGE, RW, &a), LOWMAP_EFAULT);

    cr_assert(lowmap_mem_protect(p, 4 * PAGE, 0) == 0);
    cr_assert_eq(lowmap_alias_create(p, PAGE, LOWMAP_READ, &a),
                 LOWMAP_EFAULT);
    cr_assert(lowmap_mem_protect(p, 4 * PAGE, LOWMAP_READ | LOWMAP_WRITE)
              == 0);
    a = expect(p, 4 * PAGE, RW, LOWMAP_STRATEGY_PLACED);
    p[4 * PAGE - 1] = 1;
    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert(lowmap_mem_free(p) == 0);
}

/* Without the placed strategy, lowmap's own low memory is still low. */
Test(strategies, lowmap_memory_without_placed_is_passthrough)
{
    void *p;

    only("passthrough,shadow");
    cr_assert(lowmap_mem_alloc(PAGE, &p) == 0);
    lowmap_alias *a = expect(p, PAGE, RW, LOWMAP_STRATEGY_PASSTHROUGH);
    cr_assert(lowmap_alias_ptr(a) == p);
}

Test(strategies, low_memory_is_passthrough)
{
    char *low = map_low(4 * PAGE);
    lowmap_alias *a = expect(low + 5, 2 * PAGE, RW,
                             LOWMAP_STRATEGY_PASSTHROUGH);

    cr_assert(lowmap_alias_ptr(a) == low + 5);
    cr_assert(lowmap_alias_release(a) == 0);
    low[5] = 1; /* still the caller's memory */
}

Test(strategies, low_memory_without_passthrough_gets_a_view)
{
    char *low = map_low(4 * PAGE);

    only("mremap,shadow");
    fill(low, 4 * PAGE, 4);
    lowmap_alias *a = expect(low + 5, 2 * PAGE, LOWMAP_READ,
                             LOWMAP_STRATEGY_SHADOW);
    cr_assert(lowmap_alias_ptr(a) != low + 5);
    cr_assert(memcmp(lowmap_alias_ptr(a), low + 5, 2 * PAGE) == 0);
}

Test(strategies, no_usable_strategy)
{
    lowmap_alias *a = (void *)1;
    void *priv = map_anon(PAGE, MAP_PRIVATE);

    only("passthrough,mremap,fd_remap");
    cr_assert(lowmap_alias_create(priv, PAGE, RW, &a) == LOWMAP_ENOTSUP);
    cr_assert(a == NULL);
    cr_assert(stats_now().failures == 1);
    cr_assert(stats_now().aliases_live == 0);
}

/* The host mapping is read-only: a write alias must not come back as a
 * view that faults on the first write. */
Test(strategies, write_alias_of_read_only_mapping_is_refused)
{
    int fd;
    lowmap_alias *a = NULL;

    map_memfd(2 * PAGE, &fd);
    void *ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    cr_assert(ro != MAP_FAILED);
    cr_assert(lowmap_alias_create(ro, 2 * PAGE, RW, &a) == LOWMAP_EFAULT,
              "got a %s alias",
              lowmap_strategy_name(lowmap_alias_strategy(a)));
    /* Read-only access is fine, and zero-copy. */
    expect(ro, 2 * PAGE, LOWMAP_READ, LOWMAP_STRATEGY_MREMAP);
}

/* Views of large mappings start at the VMA and stop after the request. */
Test(strategies, far_into_a_large_mapping)
{
    size_t big = 96 * MiB;
    char *map = map_memfd(big, NULL);
    char *h1 = map + 80 * MiB + 17, *h2 = map + 90 * MiB + 33;

    lowmap_alias *a1 = expect(h1, PAGE, RW, LOWMAP_STRATEGY_MREMAP);
    assert_coherent(h1, lowmap_alias_ptr(a1), PAGE);
    lowmap_alias *a2 = expect(h2, PAGE, RW, LOWMAP_STRATEGY_MREMAP);
    assert_coherent(h2, lowmap_alias_ptr(a2), PAGE);
    assert_coherent(h1, lowmap_alias_ptr(a1), PAGE);
}

Test(strategies, translate)
{
    char *map = map_memfd(8 * PAGE, NULL);
    char *host = map + PAGE + 50;
    char *other = map_anon(PAGE, MAP_PRIVATE);

    cr_assert(lowmap_translate(host) == NULL);
    lowmap_alias *a = alias_ok(host, 2 * PAGE, RW);
    char *low = lowmap_alias_ptr(a);
    cr_assert(lowmap_translate(host) == low);
    cr_assert(lowmap_translate(host + 2 * PAGE - 1) == low + 2 * PAGE - 1);
    cr_assert(lowmap_translate(host + 2 * PAGE) == NULL);
    cr_assert(lowmap_translate(host - 1) == NULL);
    cr_assert(lowmap_translate(other) == NULL);
    cr_assert(lowmap_translate(NULL) == NULL);
    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert(lowmap_translate(host) == NULL);
    cr_assert(lowmap_translate(host + 5) == NULL);
}

Test(strategies, translate_shadow_and_placed)
{
    char *priv = map_anon(4 * PAGE, MAP_PRIVATE);
    char *p;

    lowmap_alias *s = alias_ok(priv + 7, PAGE, LOWMAP_READ);
    cr_assert(lowmap_translate(priv + 8) == (char *)lowmap_alias_ptr(s) + 1);
    cr_assert(lowmap_mem_alloc(PAGE, (void **)&p) == 0);
    lowmap_alias *pl = alias_ok(p, PAGE, LOWMAP_READ);
    cr_assert(lowmap_translate(p + 3) == p + 3);
    cr_assert(lowmap_alias_release(s) == 0);
    cr_assert(lowmap_alias_release(pl) == 0);
    cr_assert(lowmap_translate(priv + 8) == NULL);
    cr_assert(lowmap_translate(p + 3) == NULL);
}
