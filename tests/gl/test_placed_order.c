/*
 * Placed storage for every buffer (LOWMAP_PLACED=all): the GL's own
 * updates of a storage buffer, and maps of it, stay ordered with draws
 * whose fragment shaders read or write it.
 *
 * Each case queues a draw that uses the buffer, then changes or reads the
 * buffer through the GL (glBufferSubData, glClearBufferSubData, a map) and
 * checks that the draw saw the bytes from before, or that the reader saw
 * every write of the draw.  The draws cover a large framebuffer so that
 * their fragments are still running when the next command comes.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gl_util.h"

#define SIDE 512
#define ROUNDS 8

static void setup(void)
{
    GLuint vao;

    setenv("LOWMAP_PLACED", "all", 1);
    gt_setup();
    if (!gt_has_ext("GL_AMD_pinned_memory"))
        cr_skip_test("host lacks GL_AMD_pinned_memory");
    gt_framebuffer_sized(SIDE);
    glViewport(0, 0, SIDE, SIDE);
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
}

TestSuite(placed_order, .init = setup, .fini = gt_teardown);

/* A full-screen triangle whose fragments run @fs. */
static GLuint program(const char *fs)
{
    static const char vs[] =
        "#version 430\n"
        "void main() {\n"
        "  vec2 p = vec2((gl_VertexID & 1) * 4 - 1, (gl_VertexID >> 1) * 4 - 1);\n"
        "  gl_Position = vec4(p, 0, 1);\n"
        "}\n";
    GLuint prog = glCreateProgram();
    GLint ok = 0;

    glAttachShader(prog, gt_shader(GL_VERTEX_SHADER, vs));
    glAttachShader(prog, gt_shader(GL_FRAGMENT_SHADER, fs));
    glLinkProgram(prog);
    glGetProgramiv(prog, GL_LINK_STATUS, &ok);
    cr_assert(ok, "program does not link");
    glUseProgram(prog);
    return prog;
}

/* Fragments show the storage buffer's first word as red. */
static const char reader_fs[] =
    "#version 430\n"
    "layout(std430, binding = 0) readonly buffer B { uint v[]; };\n"
    "out vec4 c;\n"
    "void main() { c = vec4(float(v[0] & 255u) / 255.0, 0, 0, 1); }\n";

/* Each fragment adds one to the buffer's first word. */
static const char counter_fs[] =
    "#version 430\n"
    "layout(std430, binding = 0) buffer B { uint v[]; };\n"
    "out vec4 c;\n"
    "void main() { atomicAdd(v[0], 1u); c = vec4(1); }\n";

static GLuint storage_buffer(uint32_t first)
{
    uint32_t words[64] = {first};
    GLuint buf;

    glGenBuffers(1, &buf);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, buf);
    glBufferData(GL_SHADER_STORAGE_BUFFER, sizeof(words), words,
                 GL_DYNAMIC_DRAW);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, buf);
    return buf;
}

/* Red of the pixel at @x, @y, 0..255. */
static unsigned red_at(int x, int y)
{
    uint8_t px[4];

    glReadPixels(x, y, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, px);
    return px[0];
}

/* Left half drawn with value @a, then @update, right half with @b. */
static void two_halves(void (*update)(uint32_t), uint32_t a, uint32_t b)
{
    glEnable(GL_SCISSOR_TEST);
    glScissor(0, 0, SIDE / 2, SIDE);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    update(b);
    glScissor(SIDE / 2, 0, SIDE / 2, SIDE);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glDisable(GL_SCISSOR_TEST);
    cr_assert_eq(red_at(SIDE / 4, SIDE / 2), a,
                 "a draw queued before the update saw %u, not %u",
                 red_at(SIDE / 4, SIDE / 2), a);
    cr_assert_eq(red_at(3 * SIDE / 4, SIDE / 2), b);
}

static void update_subdata(uint32_t v)
{
    glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, sizeof(v), &v);
}

static void update_clear(uint32_t v)
{
    glClearBufferSubData(GL_SHADER_STORAGE_BUFFER, GL_R32UI, 0, sizeof(v),
                         GL_RED_INTEGER, GL_UNSIGNED_INT, &v);
}

static void update_map(uint32_t v)
{
    uint32_t *p = glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, sizeof(v),
                                   GL_MAP_WRITE_BIT);

    cr_assert(p);
    gt_assert_low(p, sizeof(v));
    *p = v;
    cr_assert(glUnmapBuffer(GL_SHADER_STORAGE_BUFFER));
}

Test(placed_order, subdata_after_reading_draw)
{
    program(reader_fs);
    for (uint32_t i = 0; i < ROUNDS; i++) {
        storage_buffer(10 + i);
        two_halves(update_subdata, 10 + i, 100 + i);
    }
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

Test(placed_order, clear_after_reading_draw)
{
    program(reader_fs);
    for (uint32_t i = 0; i < ROUNDS; i++) {
        storage_buffer(20 + i);
        two_halves(update_clear, 20 + i, 120 + i);
    }
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

Test(placed_order, map_after_reading_draw)
{
    program(reader_fs);
    for (uint32_t i = 0; i < ROUNDS; i++) {
        storage_buffer(30 + i);
        two_halves(update_map, 30 + i, 130 + i);
    }
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

/* A map and glGetBufferSubData see every write of a draw queued before. */
Test(placed_order, reads_after_writing_draw)
{
    const uint32_t all = SIDE * SIDE;

    program(counter_fs);
    for (int i = 0; i < ROUNDS; i++) {
        uint32_t got = 0;

        storage_buffer(0);
        glDrawArrays(GL_TRIANGLES, 0, 3);
        if (i & 1) {
            glGetBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, sizeof(got), &got);
        } else {
            const uint32_t *p = glMapBufferRange(
                GL_SHADER_STORAGE_BUFFER, 0, sizeof(got), GL_MAP_READ_BIT);
            cr_assert(p);
            got = *p;
            glUnmapBuffer(GL_SHADER_STORAGE_BUFFER);
        }
        cr_assert_eq(got, all, "round %d read %u of %u writes", i, got, all);
    }
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}
