/*
 * Views kept across unmap/map: a repeat map of the same range reuses the
 * low view (same pointer, no new alias) and still follows GL semantics —
 * GL updates between maps show, bytes the app leaves alone keep the
 * buffer's values, and an invalidating map copies nothing in and only the
 * written pages out.
 *
 * Kept shadows serve hosts and contexts without placed storage (GLES on
 * llvmpipe, NVIDIA): these tests run with placed storage for persistent
 * buffers only (setup()).
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gl_util.h"

/* What these tests check of write-backs (only the pages written go out)
 * is the compare method's promise: force it, as the choice by measured
 * cost may copy the whole range where that is cheaper (tests/core covers
 * the choice).  And keep shadows shadows: by default llvmpipe moves a
 * buffer whose map was a shadow into placed storage. */
static void setup(void)
{
    setenv("LOWMAP_DIRTY", "compare", 1);
    setenv("LOWMAP_PLACED", "persistent", 1);
    gt_setup();
}

TestSuite(kept, .init = setup, .fini = gt_teardown);

#define SIZE (5 * 4096 + 77)

static void update(GLuint buf, unsigned seed)
{
    uint8_t *data = malloc(SIZE);
    gt_fill(data, SIZE, seed, 0);
    glNamedBufferSubData(buf, 0, SIZE, data);
    free(data);
}

/* Write-only maps without invalidation: the app writes one byte, every
 * other byte keeps what the GL put there since the last map. */
Test(kept, write_only_keeps_gl_updates)
{
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *first = NULL;

    for (unsigned i = 0; i < 6; i++) {
        update(buf, 10 + i);
        uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_WRITE_BIT);
        gt_assert_low(p, SIZE);
        if (!first)
            first = p;
        cr_assert_eq(p, first, "map %u got a new view", i);
        p[5000] = (uint8_t)(0xa0 + i);
        cr_assert(glUnmapNamedBuffer(buf));
        cr_assert(gt_buffer_holds(buf, 0, 5000, 10 + i, 0), "map %u", i);
        cr_assert(gt_buffer_holds(buf, 5001, SIZE - 5001, 10 + i, 5001));
        uint8_t b = 0;
        glGetNamedBufferSubData(buf, 5000, 1, &b);
        cr_assert_eq(b, 0xa0 + i);
    }
}

/* Read maps see each GL update through the same view. */
Test(kept, read_maps_follow_updates)
{
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *first = NULL;
    struct lowmap_stats before = gt_stats();

    for (unsigned i = 0; i < 6; i++) {
        update(buf, 20 + i);
        uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT);
        gt_assert_low(p, SIZE);
        if (!first)
            first = p;
        cr_assert_eq(p, first);
        cr_assert(gt_check(p, SIZE, 20 + i, 0), "map %u", i);
        cr_assert(glUnmapNamedBuffer(buf));
    }
    struct lowmap_stats after = gt_stats();
    uint64_t made = 0;
    for (int s = 0; s < LOWMAP_STRATEGY_SLOTS; s++)
        made += after.aliases_created[s] - before.aliases_created[s];
    cr_assert_eq(made, 1, "%llu views for one buffer",
                 (unsigned long long)made);
    cr_assert_eq(after.bytes_copied_out, before.bytes_copied_out,
                 "read maps copied back");
}

/* Invalidating write maps: nothing copied in on reuse, only the written
 * page copied out (where the kernel tracks writes). */
Test(kept, invalidating_maps_copy_only_what_is_written)
{
    enum { BIG = 1 << 20 };
    GLuint buf;
    struct lowmap_caps caps = { .size = sizeof(caps) };

    lowmap_probe(&caps);
    glCreateBuffers(1, &buf);
    glNamedBufferData(buf, BIG, NULL, GL_STREAM_DRAW);
    for (unsigned i = 0; i < 5; i++) {
        struct lowmap_stats before = gt_stats();
        uint8_t *p = glMapNamedBufferRange(
            buf, 0, BIG, GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_RANGE_BIT);
        gt_assert_low(p, BIG);
        p[300000] = (uint8_t)(7 + i);
        cr_assert(glUnmapNamedBuffer(buf));
        struct lowmap_stats after = gt_stats();
        uint8_t b = 0;
        glGetNamedBufferSubData(buf, 300000, 1, &b);
        cr_assert_eq(b, 7 + i);
        cr_assert_eq(after.bytes_copied_in, before.bytes_copied_in);
        if (caps.dirty_tracking == LOWMAP_YES &&
            after.aliases_created[LOWMAP_STRATEGY_SHADOW] > 0)
            cr_assert_leq(after.bytes_copied_out - before.bytes_copied_out,
                          2 * 4096, "map %u", i);
    }
}

/* Changing the access shape, the range or the storage gives a correct
 * view every time. */
Test(kept, shape_range_and_storage_changes)
{
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *p;

    p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT);
    cr_assert(gt_check(p, SIZE, 1, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    cr_assert(gt_check(p, SIZE, 1, 0));
    gt_fill(p, SIZE, 2, 0);
    cr_assert(glUnmapNamedBuffer(buf));
    p = glMapNamedBufferRange(buf, 100, 3000, GL_MAP_READ_BIT);
    cr_assert(gt_check(p, 3000, 2, 100));
    cr_assert(glUnmapNamedBuffer(buf));
    p = glMapNamedBufferRange(buf, 0, SIZE,
                              GL_MAP_WRITE_BIT | GL_MAP_FLUSH_EXPLICIT_BIT);
    gt_fill(p, SIZE, 3, 0);
    glFlushMappedNamedBufferRange(buf, 0, 10);
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert(gt_buffer_holds(buf, 0, 10, 3, 0));
    update(buf, 4);
    p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    cr_assert(gt_check(p, SIZE, 4, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    /* New storage: the old view must not come back. */
    uint8_t *data = malloc(SIZE);
    gt_fill(data, SIZE, 5, 0);
    glNamedBufferData(buf, SIZE, data, GL_DYNAMIC_DRAW);
    free(data);
    p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT);
    cr_assert(gt_check(p, SIZE, 5, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    glDeleteBuffers(1, &buf);
    cr_assert_eq(gt_stats().aliases_live, 0, "deleting left a view");
}

static bool shadows_only(void)
{
    const char *s = getenv("LOWMAP_STRATEGIES");
    return s && strcmp(s, "shadow") == 0;
}

/* Nothing wrote the buffer since the last unmap: a repeat map of a kept
 * shadow copies nothing in, and unmap copies back only what was written,
 * whatever way of finding it this machine's costs chose. */
Test(kept, repeat_map_copies_nothing_in)
{
    GLuint buf = gt_buffer(SIZE, 1);

    if (!shadows_only())
        cr_skip_test("maps here are not shadows");
    for (unsigned i = 0; i < 4; i++) {
        struct lowmap_stats s0 = gt_stats();
        uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE,
                                           GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
        struct lowmap_stats s1 = gt_stats();
        cr_assert(gt_check(p, 4096, 1, 0), "map %u", i);
        if (i > 0)
            cr_assert_eq(s1.bytes_copied_in, s0.bytes_copied_in,
                         "map %u copied %llu bytes in", i,
                         (unsigned long long)(s1.bytes_copied_in -
                                              s0.bytes_copied_in));
        p[4096 + i] = (uint8_t)(0x70 + i);
        cr_assert(glUnmapNamedBuffer(buf));
        struct lowmap_stats s2 = gt_stats();
        cr_assert_leq(s2.bytes_copied_out - s1.bytes_copied_out, 4096);
        cr_assert_eq(s2.writebacks_compared + s2.writebacks_tracked,
                     s1.writebacks_compared + s1.writebacks_tracked + 1);
        uint8_t b = 0;
        glGetNamedBufferSubData(buf, 4096 + i, 1, &b);
        cr_assert_eq(b, 0x70 + i);
    }
}

/* Draws write buffers once storage buffers are bound: a kept shadow must
 * then show what a draw wrote between two maps. */
Test(kept, draws_writing_storage_buffers_are_seen)
{
    static const char *src =
        "#version 430\n"
        "layout(std430, binding = 0) buffer B { uint v[]; };\n"
        "uniform uint value;\n"
        "void main() { v[gl_VertexID] = value; gl_Position = vec4(0); }\n";
    GLuint buf = gt_buffer(SIZE, 1), vs = glCreateShader(GL_VERTEX_SHADER);
    GLuint prog = glCreateProgram(), vao;
    GLint ok = 0;

    glShaderSource(vs, 1, &src, NULL);
    glCompileShader(vs);
    glAttachShader(prog, vs);
    glLinkProgram(prog);
    glGetProgramiv(prog, GL_LINK_STATUS, &ok);
    cr_assert(ok, "program does not link");
    gt_framebuffer();
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, buf);
    glEnable(GL_RASTERIZER_DISCARD);
    for (unsigned i = 0; i < 3; i++) {
        uint32_t *p = glMapNamedBufferRange(buf, 0, SIZE,
                                            GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
        if (i > 0)
            for (unsigned k = 0; k < 16; k++)
                cr_assert_eq(p[k], 1000 + i - 1, "map %u word %u", i, k);
        p[100] = 7; /* an app write, published at unmap */
        cr_assert(glUnmapNamedBuffer(buf));
        glUseProgram(prog);
        glUniform1ui(glGetUniformLocation(prog, "value"), 1000 + i);
        glDrawArrays(GL_POINTS, 0, 16);
        glUseProgram(0);
        glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
    }
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    glDisable(GL_RASTERIZER_DISCARD);
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(prog);
    glDeleteShader(vs);
}

/* ---- bindings ---------------------------------------------------------- */

/* Maps what @target has bound, read/write: it holds pattern @seed past its
 * first byte, and gets @mark there. */
static void target_map(GLenum target, unsigned seed, uint8_t mark)
{
    uint8_t *p = glMapBufferRange(target, 0, SIZE,
                                  GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(p, SIZE);
    cr_assert(gt_check(p + 1, SIZE - 1, seed, 1));
    p[0] = mark;
    cr_assert(glUnmapBuffer(target));
}

/* Byte 0 of @buf, through a read map of its own (a kept shadow of it
 * that claims to be in sync serves it as it is). */
static uint8_t first_byte(GLuint buf)
{
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT);
    cr_assert_not_null(p);
    uint8_t v = p[0];
    cr_assert(glUnmapNamedBuffer(buf));
    return v;
}

/*
 * lowmap asks the GL which buffer a target has bound once, until a call
 * changes bindings (binds.c).  Were one missed, a map through the target
 * would be booked on the buffer bound before: the one mapped would keep a
 * kept shadow that claims to be in sync, and its next read map would show
 * bytes from before the write.
 */
Test(kept, target_maps_follow_binding_changes)
{
    if (!shadows_only())
        cr_skip_test("maps here are not shadows");
    GLuint p = gt_buffer(SIZE, 1), q = gt_buffer(SIZE, 2);
    uint8_t mark = 0x40;

    /* glBindBuffer */
    glBindBuffer(GL_ARRAY_BUFFER, p);
    target_map(GL_ARRAY_BUFFER, 1, ++mark);
    cr_assert_eq(first_byte(q), gt_byte(2, 0));
    glBindBuffer(GL_ARRAY_BUFFER, q);
    target_map(GL_ARRAY_BUFFER, 2, ++mark);
    cr_assert_eq(first_byte(q), mark, "glBindBuffer was missed");

    /* glBindBufferBase, which sets the generic binding too */
    glBindBuffer(GL_UNIFORM_BUFFER, q);
    target_map(GL_UNIFORM_BUFFER, 2, ++mark);
    cr_assert_eq(first_byte(p), mark - 2);
    glBindBufferBase(GL_UNIFORM_BUFFER, 0, p);
    target_map(GL_UNIFORM_BUFFER, 1, ++mark);
    cr_assert_eq(first_byte(p), mark, "glBindBufferBase was missed");

    /* glPopClientAttrib, which restores the array buffer binding */
    glBindBuffer(GL_ARRAY_BUFFER, p);
    glPushClientAttrib(GL_CLIENT_VERTEX_ARRAY_BIT);
    glBindBuffer(GL_ARRAY_BUFFER, q);
    target_map(GL_ARRAY_BUFFER, 2, ++mark);
    cr_assert_eq(first_byte(p), mark - 1);
    glPopClientAttrib();
    target_map(GL_ARRAY_BUFFER, 1, ++mark);
    cr_assert_eq(first_byte(p), mark, "glPopClientAttrib was missed");
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    glDeleteBuffers(1, &p);
    glDeleteBuffers(1, &q);
}

/*
 * An unmap through a target with no buffer bound fails, and ends nothing:
 * the buffer mapped through it before the binding went stays mapped, its
 * later writes reach it at the real unmap.  glPushClientAttribDefaultEXT
 * unbinds the array buffer without naming it.
 */
Test(kept, unmap_with_nothing_bound_ends_no_map)
{
    if (!gt_has_ext("GL_EXT_direct_state_access"))
        cr_skip_test("no GL_EXT_direct_state_access");
    PFNGLPUSHCLIENTATTRIBDEFAULTEXTPROC push_default =
        gt_proc("glPushClientAttribDefaultEXT");
    GLuint p = gt_buffer(SIZE, 1);

    glBindBuffer(GL_ARRAY_BUFFER, p);
    uint8_t *m = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                                  GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(m, SIZE);
    m[0] = 0x61;
    push_default(GL_CLIENT_VERTEX_ARRAY_BIT);
    cr_assert_eq(glUnmapBuffer(GL_ARRAY_BUFFER), GL_FALSE);
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    m[4096 + 1] = 0x62;
    glPopClientAttrib();
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    uint8_t b[2] = {0, 0};
    glGetNamedBufferSubData(p, 0, 1, &b[0]);
    glGetNamedBufferSubData(p, 4096 + 1, 1, &b[1]);
    cr_assert(b[0] == 0x61 && b[1] == 0x62, "the map ended early: %#x %#x",
              b[0], b[1]);
    cr_assert(gt_copy_holds(p, 1, 4096, 1, 1));
    glDeleteBuffers(1, &p);
}
