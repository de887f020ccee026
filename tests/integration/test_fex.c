/*
 * FEX-like: FEX reserves everything above 4 GiB while it runs a 32-bit
 * guest, so the host's libraries and heap live below 4 GiB, and it gives
 * lowmap nothing: no callbacks, no ranges.  lowmap's self-reserved arena
 * must still find room below the limit, between the host's mappings, and
 * every map must come back low.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <sys/mman.h>

#include "harness.h"

TestSuite(fex, .fini = gt_teardown);

static unsigned below_limit;

static void check_low(const void *p, size_t len)
{
    cr_assert((uintptr_t)p + len <= lowmap_limit(),
              "%p+%#zx lies above the limit", p, len);
    below_limit++;
}

Test(fex, self_reserved_arena_below_host_libraries)
{
    cr_assert_gt(it_reserve_high(), (size_t)1 << 40);
    gt_setup();

    /* The host itself now lives below 4 GiB. */
    const char *renderer = (const char *)glGetString(GL_RENDERER);
    cr_assert_not_null(renderer);
    cr_assert_lt((uintptr_t)renderer, IT_4G, "GL strings at %p",
                 (void *)renderer);

    unsigned n = it_gl_workload(check_low);
    cr_assert_eq(n, below_limit);
    cr_assert_gt(n, 0);

    struct lowmap_caps caps = {.size = sizeof(caps)};
    cr_assert_eq(lowmap_probe(&caps), 0);
    cr_assert_eq(caps.arena_source, 0);
    struct lowmap_stats st = gt_stats();
    cr_assert_gt(st.arena_bytes, 0);
    cr_assert_eq(st.high_pointers, 0);
    cr_assert_eq(st.failures, 0);

    /* The reservation still holds after all that. */
    void *probe = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    cr_assert_lt((uintptr_t)probe, IT_4G);
    munmap(probe, 4096);
}
