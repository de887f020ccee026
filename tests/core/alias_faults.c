/*
 * A stale low pointer faults: once released, a slot holds a PROT_NONE
 * placeholder and sits in quarantine before reuse.
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>

#include "helpers.h"

TestSuite(stale, .init = env_reset);

static volatile char *released(void *host, size_t size)
{
    lowmap_alias *a = alias_ok(host, size, LOWMAP_READ | LOWMAP_WRITE);
    volatile char *low = lowmap_alias_ptr(a);

    low[0] = 1; /* works while live */
    cr_assert(lowmap_alias_release(a) == 0);
    return low;
}

Test(stale, zero_copy_write_faults, .signal = SIGSEGV)
{
    volatile char *low = released(map_memfd(4 * PAGE, NULL), 4 * PAGE);

    low[0] = 2;
}

Test(stale, fd_remap_write_faults, .signal = SIGSEGV)
{
    setenv("LOWMAP_STRATEGIES", "fd_remap", 1);
    volatile char *low = released(map_memfd(4 * PAGE, NULL), 4 * PAGE);

    low[PAGE] = 2;
}

Test(stale, shadow_write_faults, .signal = SIGSEGV)
{
    volatile char *low = released(map_anon(4 * PAGE, MAP_PRIVATE), 4 * PAGE);

    low[3 * PAGE] = 2;
}

Test(stale, shadow_read_faults, .signal = SIGSEGV)
{
    volatile char *low = released(map_anon(PAGE, MAP_PRIVATE), PAGE);

    cr_log_info("read %d", low[0]);
}

/* The next alias of the same size does not take the stale slot. */
Test(stale, still_faults_after_another_alias, .signal = SIGSEGV)
{
    void *host = map_anon(2 * PAGE, MAP_PRIVATE);
    volatile char *low = released(host, 2 * PAGE);
    lowmap_alias *next = alias_ok(host, 2 * PAGE, LOWMAP_READ | LOWMAP_WRITE);

    cr_assert((volatile char *)lowmap_alias_ptr(next) != low);
    low[0] = 2;
}

Test(stale, freed_placed_memory_faults, .signal = SIGSEGV)
{
    volatile char *p;

    cr_assert(lowmap_mem_alloc(PAGE, (void **)&p) == 0);
    p[0] = 1;
    cr_assert(lowmap_mem_free((void *)p) == 0);
    p[0] = 2;
}

/* A view shared by two handles stays until the last one goes. */
Test(stale, shared_view_lives_until_last_handle)
{
    char *map = map_memfd(2 * PAGE, NULL);
    lowmap_alias *a1 = alias_ok(map, PAGE, LOWMAP_READ | LOWMAP_WRITE);
    lowmap_alias *a2 = alias_ok(map, PAGE, LOWMAP_READ | LOWMAP_WRITE);
    volatile char *low = lowmap_alias_ptr(a1);

    cr_assert(lowmap_alias_release(a1) == 0);
    low[0] = 3;
    cr_assert(map[0] == 3);
    cr_assert(lowmap_alias_release(a2) == 0);
}

/* Passthrough hands out the host memory itself: release leaves it be. */
Test(stale, passthrough_release_keeps_host_memory)
{
    char *low = map_low(PAGE);
    lowmap_alias *a = alias_ok(low, PAGE, LOWMAP_READ | LOWMAP_WRITE);

    cr_assert(lowmap_alias_strategy(a) == LOWMAP_STRATEGY_PASSTHROUGH);
    cr_assert(lowmap_alias_release(a) == 0);
    low[0] = 4;
    cr_assert(low[0] == 4);
}
