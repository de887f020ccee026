/*
 * GLES contexts reach the same hooks through the OES/EXT names:
 * OES_mapbuffer, EXT_map_buffer_range, EXT_buffer_storage.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "gl_util.h"

TestSuite(gles, .init = gt_setup_gles, .fini = gt_teardown);

#define SIZE (2 * 4096 + 300)

typedef void *(APIENTRY *map_oes_fn)(GLenum, GLenum);
typedef GLboolean(APIENTRY *unmap_fn)(GLenum);
typedef void(APIENTRY *pointer_fn)(GLenum, GLenum, void **);
typedef void *(APIENTRY *map_range_fn)(GLenum, GLintptr, GLsizeiptr,
                                       GLbitfield);
typedef void(APIENTRY *flush_fn)(GLenum, GLintptr, GLsizeiptr);
typedef void(APIENTRY *storage_fn)(GLenum, GLsizeiptr, const void *,
                                   GLbitfield);

/* GLES has no glGetBufferSubData: read back through a read map. */
static bool holds(GLenum target, size_t off, size_t len, unsigned seed)
{
    void *p = glMapBufferRange(target, (GLintptr)off, (GLsizeiptr)len,
                               GL_MAP_READ_BIT);
    bool ok = p && gt_check(p, len, seed, off);
    glUnmapBuffer(target);
    return ok;
}

Test(gles, oes_mapbuffer)
{
    if (!gt_has_ext("GL_OES_mapbuffer"))
        cr_skip_test("no GL_OES_mapbuffer");
    gt_buffer(SIZE, 1);
    uint8_t *p = ((map_oes_fn)gt_proc("glMapBufferOES"))(GL_ARRAY_BUFFER,
                                                          GL_WRITE_ONLY_OES);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    gt_assert_low(p, SIZE);
    void *q = NULL;
    ((pointer_fn)gt_proc("glGetBufferPointervOES"))(
        GL_ARRAY_BUFFER, GL_BUFFER_MAP_POINTER_OES, &q);
    cr_assert_eq(q, (void *)p);
    gt_fill(p, SIZE, 2, 0);
    cr_assert(((unmap_fn)gt_proc("glUnmapBufferOES"))(GL_ARRAY_BUFFER));
    cr_assert(holds(GL_ARRAY_BUFFER, 0, SIZE, 2));
}

Test(gles, ext_map_buffer_range_and_flush)
{
    if (!gt_has_ext("GL_EXT_map_buffer_range"))
        cr_skip_test("no GL_EXT_map_buffer_range");
    gt_buffer(SIZE, 1);
    uint8_t *p = ((map_range_fn)gt_proc("glMapBufferRangeEXT"))(
        GL_ARRAY_BUFFER, 10, SIZE - 20,
        GL_MAP_WRITE_BIT | GL_MAP_FLUSH_EXPLICIT_BIT);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    gt_assert_low(p, SIZE - 20);
    gt_fill(p, SIZE - 20, 3, 10);
    ((flush_fn)gt_proc("glFlushMappedBufferRangeEXT"))(GL_ARRAY_BUFFER, 0,
                                                       SIZE - 20);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    cr_assert(((unmap_fn)gt_proc("glUnmapBufferOES"))(GL_ARRAY_BUFFER));
    cr_assert(holds(GL_ARRAY_BUFFER, 10, SIZE - 20, 3));
    cr_assert(holds(GL_ARRAY_BUFFER, 0, 10, 1));
}

Test(gles, ext_buffer_storage_persistent)
{
    if (!gt_has_ext("GL_EXT_buffer_storage"))
        cr_skip_test("no GL_EXT_buffer_storage");
    const GLbitfield flags = GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                             GL_MAP_PERSISTENT_BIT_EXT |
                             GL_MAP_COHERENT_BIT_EXT;
    GLuint buf;
    uint8_t *data = malloc(SIZE);
    gt_fill(data, SIZE, 4, 0);
    glGenBuffers(1, &buf);
    glBindBuffer(GL_COPY_READ_BUFFER, buf);
    ((storage_fn)gt_proc("glBufferStorageEXT"))(GL_COPY_READ_BUFFER, SIZE,
                                                data, flags);
    free(data);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    uint8_t *p = glMapBufferRange(GL_COPY_READ_BUFFER, 0, SIZE, flags);
    gt_assert_low(p, SIZE);
    cr_assert(gt_check(p, SIZE, 4, 0));
    cr_assert(glUnmapBuffer(GL_COPY_READ_BUFFER));
}
