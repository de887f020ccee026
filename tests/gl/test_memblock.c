/*
 * Small memory-object buffers sharing blocks (memblock.c), run on two
 * hosts by ctest, both through the Vulkan loader double (vk_double.c),
 * which counts allocations:
 *
 *   - the fake vendor with GL_EXT_memory_object_fd, which honours offsets
 *     into a memory object: small buffers share blocks
 *     (LOWMAP_TEST_BLOCKS=1);
 *   - llvmpipe, which reads every buffer of a memory object from its start:
 *     lowmap must find that out and give each buffer its own allocation
 *     (LOWMAP_TEST_BLOCKS=0), or buffers would read each other's bytes.
 *
 * On both, each buffer keeps its own bytes both ways, a deleted buffer's
 * pointer faults while its neighbours live on, and the memory goes with
 * the last buffer.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gl_util.h"

#define SMALL 1000
#define FLAGS                                                                \
    (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |            \
     GL_MAP_COHERENT_BIT)

static bool blocks; /* this host is expected to share blocks */

static void setup(void)
{
    const char *want = getenv("LOWMAP_TEST_BLOCKS");

    cr_assert_not_null(want, "ctest sets LOWMAP_TEST_BLOCKS");
    blocks = strcmp(want, "1") == 0;
    setenv("LOWMAP_VULKAN_LIBRARY", LOWMAP_VK_DOUBLE, 1);
    if (!gt_have_lavapipe())
        cr_skip_test("no lavapipe (Debian: mesa-vulkan-drivers)");
    gt_setup();
    if (!gt_has_ext("GL_EXT_memory_object_fd"))
        cr_skip_test("host lacks GL_EXT_memory_object_fd");
}

TestSuite(memblock, .init = setup, .fini = gt_teardown);

/* Vulkan allocations made so far, and live now, through the double. */
static void allocations(unsigned *made, unsigned *live)
{
    void *lib = dlopen(LOWMAP_VK_DOUBLE, RTLD_NOW | RTLD_NOLOAD);
    *made = *live = 0;
    if (!lib)
        return; /* not loaded yet: lowmap loads it at its first use */
    void (*count)(unsigned *, unsigned *) =
        (void (*)(unsigned *, unsigned *))dlsym(lib,
                                                "lmvk_double_allocations");
    cr_assert_not_null(count);
    count(made, live);
    dlclose(lib);
}

static GLuint small_buffer(unsigned seed, uint8_t **map)
{
    uint8_t data[SMALL];
    GLuint buf = 0;

    gt_fill(data, SMALL, seed, 0);
    glCreateBuffers(1, &buf);
    glNamedBufferStorage(buf, SMALL, data, FLAGS);
    *map = glMapNamedBufferRange(buf, 0, SMALL, FLAGS);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    gt_assert_low(*map, SMALL);
    return buf;
}

/* Frees what the fences of deleted buffers release. */
static void sweep(void)
{
    GLuint b = 0;

    glFinish();
    glCreateBuffers(1, &b);
    glDeleteBuffers(1, &b);
}

Test(memblock, small_buffers_keep_their_own_bytes)
{
    enum { N = 40 };
    GLuint bufs[N];
    uint8_t *p[N];
    unsigned made0, live0, made1, live1;

    allocations(&made0, &live0);
    for (unsigned i = 0; i < N; i++)
        bufs[i] = small_buffer(i + 1, &p[i]);
    allocations(&made1, &live1);

    for (unsigned i = 0; i < N; i++) {
        cr_assert(gt_check(p[i], SMALL, i + 1, 0), "map of buffer %u", i);
        cr_assert(gt_buffer_holds(bufs[i], 0, SMALL, i + 1, 0),
                  "the GL's read of buffer %u", i);
    }
    /* A GL write reaches its own buffer's map only; a write through a map
     * reaches its own buffer only. */
    uint8_t mark[64];
    memset(mark, 0xee, sizeof(mark));
    glNamedBufferSubData(bufs[7], 0, sizeof(mark), mark);
    glFinish();
    cr_assert(memcmp(p[7], mark, sizeof(mark)) == 0);
    cr_assert(gt_check(p[6], SMALL, 7, 0) && gt_check(p[8], SMALL, 9, 0));
    gt_fill(p[20], SMALL, 99, 0);
    cr_assert(gt_buffer_holds(bufs[20], 0, SMALL, 99, 0));
    cr_assert(gt_buffer_holds(bufs[21], 0, SMALL, 22, 0));
    cr_assert(gt_buffer_holds(bufs[19], 0, SMALL, 20, 0));
    if (blocks)
        cr_assert_leq(made1 - made0, 2, "%u allocations for %d small buffers",
                      made1 - made0, N);
    else
        cr_assert_geq(live1 - live0, N, "%u allocations for %d buffers on a "
                      "host that ignores offsets", live1 - live0, N);
    glDeleteBuffers(N, bufs);
}

/* After its deletion (and the GL's last use) a buffer's pages fault, its
 * neighbours' work on. */
Test(memblock, deleted_part_faults_neighbours_live_on, .signal = SIGSEGV)
{
    uint8_t *a, *b, *c;
    GLuint ba = small_buffer(1, &a), bb = small_buffer(2, &b),
           bc = small_buffer(3, &c);

    glDeleteBuffers(1, &bb);
    sweep();
    cr_assert(gt_check(a, SMALL, 1, 0) && gt_check(c, SMALL, 3, 0));
    gt_fill(a, SMALL, 11, 0);
    gt_fill(c, SMALL, 13, 0);
    cr_assert(gt_buffer_holds(ba, 0, SMALL, 11, 0));
    cr_assert(gt_buffer_holds(bc, 0, SMALL, 13, 0));
    (void)*(volatile uint8_t *)b;
    cr_assert_fail("the deleted buffer's pointer still reads");
}

/* The memory goes with the last buffer in it; large buffers never share. */
Test(memblock, memory_goes_with_the_last_buffer)
{
    enum { N = 5 };
    GLuint bufs[N + 1];
    uint8_t *p[N];
    unsigned made0, live0, made1, live1;

    allocations(&made0, &live0);
    for (unsigned i = 0; i < N; i++)
        bufs[i] = small_buffer(i + 1, &p[i]);
    glCreateBuffers(1, &bufs[N]);
    glNamedBufferStorage(bufs[N], 256 << 10, NULL, FLAGS);
    allocations(&made1, &live1);
    cr_assert_eq(live1 - live0, blocks ? 2 : N + 1,
                 "%u allocations live for %d small buffers and a large one",
                 live1 - live0, N);
    glDeleteBuffers(N - 1, bufs);
    sweep();
    allocations(&made1, &live1);
    cr_assert_eq(live1 - live0, 2,
                 "%u allocations live for one small and one large buffer",
                 live1 - live0);
    cr_assert(gt_check(p[N - 1], SMALL, N, 0));
    glDeleteBuffers(2, &bufs[N - 1]);
    sweep();
    allocations(&made1, &live1);
    cr_assert_eq(live1, live0, "%u allocations left", live1 - live0);
}
