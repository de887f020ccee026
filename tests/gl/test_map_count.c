/*
 * A shadow registered for write-protect tracking never merges with its
 * neighbours, so each costs the process a memory mapping.  With tracking
 * forced and more kept shadows than the kernel allows a process mappings
 * (vm.max_map_count), lowmap must stop registering before the process
 * runs out: the host then fails in its own allocations (llvmpipe crashes
 * in glBufferData).  Every buffer's bytes must still round trip.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_util.h"

static void setup(void)
{
    setenv("LOWMAP_DIRTY", "track", 1);
    setenv("LOWMAP_STRATEGIES", "shadow", 1);
    setenv("LOWMAP_PLACED", "off", 1);
    gt_setup();
}

TestSuite(map_count, .init = setup, .fini = gt_teardown, .timeout = 240);

static long map_limit(void)
{
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    long v = 0;

    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v;
}

Test(map_count, more_kept_shadows_than_mappings)
{
    struct lowmap_caps caps = {.size = sizeof(caps)};
    long limit = map_limit();

    cr_assert(lowmap_probe(&caps) == 0);
    if (caps.dirty_tracking != LOWMAP_YES)
        cr_skip_test("this kernel cannot track written pages");
    if (limit <= 0 || limit > 100000)
        cr_skip_test("vm.max_map_count is %ld: more buffers than this test "
                     "makes", limit);

    long n = limit + 1000;
    GLuint *bufs = calloc((size_t)n, sizeof(*bufs));
    cr_assert_not_null(bufs);
    glGenBuffers((GLsizei)n, bufs);
    for (long i = 0; i < n; i++) {
        glBindBuffer(GL_ARRAY_BUFFER, bufs[i]);
        glBufferData(GL_ARRAY_BUFFER, 4096, NULL, GL_DYNAMIC_DRAW);
        long *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, 4096,
                                   GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
        cr_assert_not_null(p, "map %ld of %ld failed", i, n);
        gt_assert_low(p, 4096);
        p[0] = i;
        p[511] = ~i;
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    }
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    cr_assert_gt(gt_stats().writebacks_tracked, 0, "nothing was tracked");
    for (long i = 0; i < n; i += 997) {
        long got[2];
        glBindBuffer(GL_ARRAY_BUFFER, bufs[i]);
        glGetBufferSubData(GL_ARRAY_BUFFER, 0, sizeof(long), &got[0]);
        glGetBufferSubData(GL_ARRAY_BUFFER, 4096 - sizeof(long),
                           sizeof(long), &got[1]);
        cr_assert(got[0] == i && got[1] == ~i, "buffer %ld lost its bytes",
                  i);
    }
    glDeleteBuffers((GLsizei)n, bufs);
    free(bufs);
}
