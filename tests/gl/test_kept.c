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
