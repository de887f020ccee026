/*
 * Arena exhaustion, recovery and fragmentation through GL.  Before the
 * first map the test donates a 1 MiB range (lowmap_add_range(); the test
 * shares liblowmap.so.1 with the vendor), so lowmap's whole arena is that
 * range: a few 64 KiB maps fill it.  Shadows only, placed storage off:
 * every map takes arena space at map time, even where the host's storage
 * happens to be low already (under valgrind it is).
 *
 * Default policy: a map that finds no room returns the host pointer (high
 * on llvmpipe), counted in high_pointers.  LOWMAP_STRICT=1: NULL and
 * GL_OUT_OF_MEMORY, the host map undone.  Either way, unmapping others
 * makes room again.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "gl_util.h"

#define ARENA (1u << 20)
#define SLOT (64u << 10)
#define MAX_MAPS 64

static void donate_and_setup(void)
{
    setenv("LOWMAP_PLACED", "off", 1);
    setenv("LOWMAP_STRATEGIES", "shadow", 1);
    void *range = mmap(NULL, ARENA, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    cr_assert_neq(range, MAP_FAILED);
    cr_assert_eq(lowmap_add_range(range, ARENA), 0);
    gt_allow_high = true;
    gt_setup();
}

static void strict_setup(void)
{
    setenv("LOWMAP_STRICT", "1", 1);
    donate_and_setup();
}

TestSuite(exhaust, .init = donate_and_setup, .fini = gt_teardown,
          .timeout = 30);
TestSuite(exhaust_strict, .init = strict_setup, .fini = gt_teardown,
          .timeout = 30);

static bool is_low(const void *p, size_t len)
{
    return p && (uintptr_t)p + len <= lowmap_limit();
}

static GLboolean is_mapped(GLuint buf)
{
    GLint mapped = -1;
    glGetNamedBufferParameteriv(buf, GL_BUFFER_MAPPED, &mapped);
    return mapped == GL_TRUE;
}

static uint8_t *map_rw(GLuint buf, size_t size)
{
    return glMapNamedBufferRange(buf, 0, (GLsizeiptr)size,
                                 GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
}

/* Default policy: maps beyond the arena get the host pointer, counted;
 * contents stay right both ways; once those are unmapped, other buffers
 * map low again (views kept for the unmapped ones give their room back). */
Test(exhaust, default_policy_falls_back_and_recovers)
{
    enum { N = 24 };
    GLuint bufs[N], fresh[N];
    uint8_t *ptrs[N];
    unsigned low = 0, high = 0;
    for (unsigned i = 0; i < N; i++) {
        bufs[i] = gt_buffer(SLOT, i);
        ptrs[i] = map_rw(bufs[i], SLOT);
        cr_assert_not_null(ptrs[i], "map %u", i);
        cr_assert_eq(glGetError(), GL_NO_ERROR);
        cr_assert(gt_check(ptrs[i], SLOT, i, 0), "map %u contents", i);
        gt_fill(ptrs[i], SLOT, 100 + i, 0);
        if (is_low(ptrs[i], SLOT))
            low++;
        else
            high++;
    }
    if (high == 0)
        cr_skip_test("llvmpipe's storage is low here");
    cr_assert_geq(low, 4, "the arena took only %u maps", low);
    cr_assert_lt(low, N, "a 1 MiB arena held %u maps of 64 KiB", low);
    cr_assert_eq(gt_stats().high_pointers, high);
    cr_assert_eq(gt_stats().aliases_live, low);

    for (unsigned i = 0; i < N; i++) {
        cr_assert(glUnmapNamedBuffer(bufs[i]));
        cr_assert(gt_buffer_holds(bufs[i], 0, SLOT, 100 + i, 0),
                  "buffer %u after unmap", i);
    }
    /* Room again, for buffers that never had a view: as many low maps as
     * before. */
    for (unsigned i = 0; i < low; i++) {
        fresh[i] = gt_buffer(SLOT, 50 + i);
        ptrs[i] = map_rw(fresh[i], SLOT);
        cr_assert(is_low(ptrs[i], SLOT), "map %u after recovery: %p", i,
                  (void *)ptrs[i]);
        cr_assert(gt_check(ptrs[i], SLOT, 50 + i, 0));
    }
    cr_assert_eq(gt_stats().high_pointers, high);
    for (unsigned i = 0; i < low; i++)
        cr_assert(glUnmapNamedBuffer(fresh[i]));
    glDeleteBuffers(N, bufs);
    glDeleteBuffers((GLsizei)low, fresh);
    cr_assert_eq(gt_stats().aliases_live, 0, "views outlive buffers");
}

/* Maps SLOT-sized buffers until the strict policy refuses one; returns
 * how many are mapped. */
static unsigned fill_arena(GLuint *bufs, uint8_t **ptrs, GLuint *refused)
{
    for (unsigned i = 0; i < MAX_MAPS; i++) {
        bufs[i] = gt_buffer(SLOT, i);
        ptrs[i] = map_rw(bufs[i], SLOT);
        if (!ptrs[i]) {
            *refused = bufs[i];
            return i;
        }
        cr_assert(is_low(ptrs[i], SLOT), "strict map %u went high", i);
        gt_fill(ptrs[i], SLOT, 200 + i, 0);
    }
    cr_assert_fail("a 1 MiB arena held %d maps of 64 KiB", MAX_MAPS);
    return 0;
}

Test(exhaust_strict, out_of_memory_then_room_again)
{
    GLuint bufs[MAX_MAPS], refused = 0;
    uint8_t *ptrs[MAX_MAPS];
    unsigned n = fill_arena(bufs, ptrs, &refused);
    cr_assert_geq(n, 4);
    cr_assert_eq(glGetError(), GL_OUT_OF_MEMORY);
    cr_assert_eq(glGetError(), GL_NO_ERROR, "one error per failed map");
    cr_assert(!is_mapped(refused), "the host map was not undone");
    cr_assert_null(glMapBuffer(GL_ARRAY_BUFFER, GL_READ_ONLY));
    cr_assert_eq(glGetError(), GL_OUT_OF_MEMORY);
    cr_assert_eq(gt_stats().high_pointers, 0);
    cr_assert_eq(gt_stats().aliases_live, n);

    /* One unmap makes room for the refused buffer. */
    cr_assert(glUnmapNamedBuffer(bufs[0]));
    uint8_t *p = map_rw(refused, SLOT);
    cr_assert(is_low(p, SLOT), "after an unmap: %p", (void *)p);
    cr_assert(gt_check(p, SLOT, n, 0));
    cr_assert(glUnmapNamedBuffer(refused));
    for (unsigned i = 1; i < n; i++) {
        cr_assert(glUnmapNamedBuffer(bufs[i]));
        cr_assert(gt_buffer_holds(bufs[i], 0, SLOT, 200 + i, 0));
    }
    cr_assert(gt_buffer_holds(bufs[0], 0, SLOT, 200, 0));
    glDeleteBuffers((GLsizei)n + 1, bufs);
    cr_assert_eq(gt_stats().aliases_live, 0, "views outlive buffers");
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(uint8_t *const *)a;
    uintptr_t y = (uintptr_t)*(uint8_t *const *)b;
    return x < y ? -1 : x > y;
}

/*
 * Fill the arena, unmap every other view by address: free space is then
 * plentiful but in one-view holes.  A map of four views' size cannot fit
 * (the largest free run is under three views); new smaller maps do, each
 * in a hole.  Once the neighbours go too, the big map fits.
 */
Test(exhaust_strict, fragmentation)
{
    GLuint bufs[MAX_MAPS], fresh[MAX_MAPS], refused = 0;
    uint8_t *ptrs[MAX_MAPS];
    unsigned n = fill_arena(bufs, ptrs, &refused);
    cr_assert_geq(n, 8, "too few views to fragment: %u", n);
    glGetError();

    /* Buffer names in address order. */
    struct { uint8_t *p; GLuint buf; } order[MAX_MAPS];
    for (unsigned i = 0; i < n; i++)
        order[i].p = ptrs[i], order[i].buf = bufs[i];
    qsort(order, n, sizeof(order[0]), by_address);
    unsigned holes = 0;
    for (unsigned i = 0; i < n; i += 2, holes++)
        cr_assert(glUnmapNamedBuffer(order[i].buf));

    GLuint big = gt_buffer(4 * SLOT, 7);
    cr_assert_null(map_rw(big, 4 * SLOT),
                   "four views' size fitted in one-view holes");
    cr_assert_eq(glGetError(), GL_OUT_OF_MEMORY);
    /* A page under a view's size: a view of SLOT bytes spans 16 or 17
     * pages, by where in its page the host's storage starts, and a hole
     * may be the shorter. */
    for (unsigned i = 0; i < holes; i++) {
        fresh[i] = gt_buffer(SLOT - 4096, 60 + i);
        uint8_t *p = map_rw(fresh[i], SLOT - 4096);
        cr_assert(is_low(p, SLOT - 4096), "hole %u refused a small map", i);
        cr_assert(gt_check(p, SLOT - 4096, 60 + i, 0));
    }
    for (unsigned i = 0; i < holes; i++)
        cr_assert(glUnmapNamedBuffer(fresh[i]));
    /* Neighbours gone: the big map fits. */
    for (unsigned i = 1; i < n; i += 2)
        cr_assert(glUnmapNamedBuffer(order[i].buf));
    uint8_t *p = map_rw(big, 4 * SLOT);
    cr_assert(is_low(p, 4 * SLOT), "no room for 4 views in an empty arena");
    cr_assert(gt_check(p, 4 * SLOT, 7, 0));
    cr_assert(glUnmapNamedBuffer(big));
    for (unsigned i = 0; i < n; i++)
        cr_assert(gt_buffer_holds(bufs[i], 0, SLOT, 200 + i, 0),
                  "buffer %u", i);
    glDeleteBuffers((GLsizei)n + 1, bufs);
    glDeleteBuffers((GLsizei)holes, fresh);
    glDeleteBuffers(1, &big);
    cr_assert_eq(gt_stats().aliases_live, 0, "views outlive buffers");
    cr_assert_eq(gt_stats().high_pointers, 0);
}
