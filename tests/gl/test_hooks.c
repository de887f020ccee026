/*
 * Every hooked name reaches the app and does lowmap's part: the
 * respecification, deletion and query aliases each keep the mapping state
 * right (a hook that did not run would leave a stale view behind, which
 * aliases_live shows).
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>

#include "gl_util.h"

TestSuite(hooks, .init = gt_setup, .fini = gt_teardown);

#define SIZE (4096 + 99)

/* Every name in glvnd-vendor/gl/hooks.h that a desktop context offers. */
static const char *const hooked[] = {
    "glMapBuffer", "glMapBufferARB", "glMapBufferRange",
    "glMapBufferRangeEXT", "glMapNamedBuffer", "glMapNamedBufferEXT",
    "glMapNamedBufferRange", "glMapNamedBufferRangeEXT", "glUnmapBuffer",
    "glUnmapBufferARB", "glUnmapNamedBuffer", "glUnmapNamedBufferEXT",
    "glFlushMappedBufferRange", "glFlushMappedBufferRangeEXT",
    "glFlushMappedNamedBufferRange", "glFlushMappedNamedBufferRangeEXT",
    "glGetBufferPointerv", "glGetBufferPointervARB",
    "glGetNamedBufferPointerv", "glGetNamedBufferPointervEXT",
    "glBufferData", "glBufferDataARB", "glNamedBufferData",
    "glNamedBufferDataEXT", "glBufferStorage", "glNamedBufferStorage",
    "glNamedBufferStorageEXT", "glDeleteBuffers", "glDeleteBuffersARB",
    "glGetString", "glGetStringi", "glGetIntegerv",
    "glGetBufferParameteriv", "glGetBufferParameterivARB",
    "glGetBufferParameteri64v", "glGetNamedBufferParameteriv",
    "glGetNamedBufferParameterivEXT", "glGetNamedBufferParameteri64v",
    "glGetError", "glAddClientPointerRangeMESA",
    "glReleaseClientPointerRangeMESA",
};

Test(hooks, every_name_resolves)
{
    for (size_t i = 0; i < sizeof(hooked) / sizeof(hooked[0]); i++)
        cr_expect_not_null((void *)eglGetProcAddress(hooked[i]), "%s",
                           hooked[i]);
}

/* Implicit unmap through each respecification and deletion alias. */
enum how { DATA, DATA_ARB, NAMED_DATA, NAMED_DATA_EXT, STORAGE,
           NAMED_STORAGE, NAMED_STORAGE_EXT, DELETE, DELETE_ARB, HOW_COUNT };
static const char *const how_names[] = {
    "glBufferData", "glBufferDataARB", "glNamedBufferData",
    "glNamedBufferDataEXT", "glBufferStorage", "glNamedBufferStorage",
    "glNamedBufferStorageEXT", "glDeleteBuffers", "glDeleteBuffersARB",
};

ParameterizedTestParameters(hooks, implicit_unmap)
{
    static enum how hows[HOW_COUNT];
    for (int i = 0; i < HOW_COUNT; i++)
        hows[i] = (enum how)i;
    return cr_make_param_array(enum how, hows, HOW_COUNT);
}

typedef void(APIENTRY *data_fn)(GLenum, GLsizeiptr, const void *, GLenum);
typedef void(APIENTRY *named_data_fn)(GLuint, GLsizeiptr, const void *,
                                      GLenum);
typedef void(APIENTRY *storage_fn)(GLenum, GLsizeiptr, const void *,
                                   GLbitfield);
typedef void(APIENTRY *named_storage_fn)(GLuint, GLsizeiptr, const void *,
                                         GLbitfield);
typedef void(APIENTRY *delete_fn)(GLsizei, const GLuint *);

ParameterizedTest(enum how *how, hooks, implicit_unmap)
{
    const char *name = how_names[*how];
    GLuint buf = 0;
    /* Storage calls need a buffer without storage yet: a fresh name that
     * is bound (so it exists) and mapped... which needs storage.  For
     * those, map a second buffer and check that nothing goes stale. */
    bool storage = *how == STORAGE || *how == NAMED_STORAGE ||
                   *how == NAMED_STORAGE_EXT;
    buf = gt_buffer(SIZE, 1);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                               GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(p, SIZE);
    cr_assert_eq(gt_stats().aliases_live, 1);

    uint8_t *data = malloc(SIZE);
    gt_fill(data, SIZE, 7, 0);
    GLuint target_buf = buf;
    if (storage) {
        glCreateBuffers(1, &target_buf);
        glBindBuffer(GL_ARRAY_BUFFER, target_buf);
    }
    const GLbitfield sflags = GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                              GL_DYNAMIC_STORAGE_BIT;
    switch (*how) {
    case DATA: case DATA_ARB:
        ((data_fn)gt_proc(name))(GL_ARRAY_BUFFER, SIZE, data, GL_STATIC_DRAW);
        break;
    case NAMED_DATA: case NAMED_DATA_EXT:
        ((named_data_fn)gt_proc(name))(buf, SIZE, data, GL_STATIC_DRAW);
        break;
    case STORAGE:
        ((storage_fn)gt_proc(name))(GL_ARRAY_BUFFER, SIZE, data, sflags);
        break;
    case NAMED_STORAGE: case NAMED_STORAGE_EXT:
        ((named_storage_fn)gt_proc(name))(target_buf, SIZE, data, sflags);
        break;
    case DELETE: case DELETE_ARB:
        ((delete_fn)gt_proc(name))(1, &buf);
        break;
    default:
        break;
    }
    free(data);
    cr_assert_eq(glGetError(), GL_NO_ERROR, "%s", name);

    if (storage) {
        /* The first buffer stays mapped; the new one has its data. */
        cr_assert_eq(gt_stats().aliases_live, 1);
        cr_assert(gt_buffer_holds(target_buf, 0, SIZE, 7, 0));
        void *q = glMapNamedBufferRange(target_buf, 0, SIZE,
                                        GL_MAP_READ_BIT);
        gt_assert_low(q, SIZE);
        cr_assert(gt_check(q, SIZE, 7, 0));
        cr_assert(glUnmapNamedBuffer(target_buf));
        cr_assert(glUnmapNamedBuffer(buf));
        /* Unmapped buffers may keep their views for the next map; deleting
         * them gives every view back. */
        GLuint both[2] = { buf, target_buf };
        glDeleteBuffers(2, both);
    } else {
        cr_assert_eq(gt_stats().aliases_live, 0, "%s left a stale view",
                     name);
        if (*how != DELETE && *how != DELETE_ARB)
            cr_assert(gt_buffer_holds(buf, 0, SIZE, 7, 0));
    }
    cr_assert_eq(gt_stats().aliases_live, 0);
}

/* The size query answers through every parameter alias. */
Test(hooks, parameter_aliases)
{
    typedef void(APIENTRY * iv_fn)(GLenum, GLenum, GLint *);
    typedef void(APIENTRY * i64v_fn)(GLenum, GLenum, GLint64 *);
    typedef void(APIENTRY * niv_fn)(GLuint, GLenum, GLint *);
    typedef void(APIENTRY * ni64v_fn)(GLuint, GLenum, GLint64 *);
    GLuint buf = gt_buffer(SIZE, 1);
    GLint v = -1;
    GLint64 v64 = -1;
    ((iv_fn)gt_proc("glGetBufferParameterivARB"))(
        GL_ARRAY_BUFFER, GL_BUFFER_CLIENT_POINTER_SIZE_MESA, &v);
    cr_assert_eq(v, 0);
    ((i64v_fn)gt_proc("glGetBufferParameteri64v"))(
        GL_ARRAY_BUFFER, GL_BUFFER_CLIENT_POINTER_SIZE_MESA, &v64);
    cr_assert_eq(v64, 0);
    v = -1;
    ((niv_fn)gt_proc("glGetNamedBufferParameterivEXT"))(
        buf, GL_BUFFER_CLIENT_POINTER_SIZE_MESA, &v);
    cr_assert_eq(v, 0);
    v64 = -1;
    ((ni64v_fn)gt_proc("glGetNamedBufferParameteri64v"))(
        buf, GL_BUFFER_CLIENT_POINTER_SIZE_MESA, &v64);
    cr_assert_eq(v64, 0);
    /* Other parameters are the host's. */
    ((niv_fn)gt_proc("glGetNamedBufferParameterivEXT"))(buf, GL_BUFFER_SIZE,
                                                        &v);
    cr_assert_eq(v, SIZE);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}
