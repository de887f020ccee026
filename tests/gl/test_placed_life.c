/*
 * Placed storage for every buffer (LOWMAP_PLACED=all):
 * a deleted buffer the GL still reaches keeps its contents, and orphaning
 * recycles placed blocks instead of mapping new ones.
 *
 * A deleted buffer lives on in GL while a VAO, a texture buffer or another
 * context refers to it.  What it holds is read back through the GL itself:
 * a vertex shader fetches the data (as an attribute, or from the texture
 * buffer) and transform feedback writes it to a fresh buffer.  Meanwhile
 * new buffers of the same size are specified and filled, so placed memory
 * handed out again would show up as their contents.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gl_util.h"

#define N 256 /* vec4 records */
#define BYTES (N * 16)

static void setup(void)
{
    setenv("LOWMAP_PLACED", "all", 1);
    gt_setup();
    if (!gt_has_ext("GL_AMD_pinned_memory"))
        cr_skip_test("host lacks GL_AMD_pinned_memory");
    gt_framebuffer();
}

TestSuite(placed_life, .init = setup, .fini = gt_teardown);

static uint64_t placed_count(void)
{
    return gt_stats().aliases_created[LOWMAP_STRATEGY_PLACED];
}

/* A buffer specified with glBufferData holding pattern @seed, checked to
 * be placed: its map is counted as placed. */
static GLuint placed_buffer(unsigned seed)
{
    GLuint buf = gt_buffer(BYTES, seed);
    uint64_t before = placed_count();
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, BYTES, GL_MAP_READ_BIT);

    cr_assert(p && gt_check(p, BYTES, seed, 0));
    cr_assert_eq(placed_count(), before + 1,
                 "glBufferData storage is not placed");
    glUnmapBuffer(GL_ARRAY_BUFFER);
    return buf;
}

static GLuint program(const char *vs_src)
{
    static const char *const varyings[] = {"o"};
    GLuint vs = glCreateShader(GL_VERTEX_SHADER), prog = glCreateProgram();
    GLint ok = 0;

    glShaderSource(vs, 1, &vs_src, NULL);
    glCompileShader(vs);
    glGetShaderiv(vs, GL_COMPILE_STATUS, &ok);
    cr_assert(ok, "vertex shader does not compile");
    glAttachShader(prog, vs);
    glTransformFeedbackVaryings(prog, 1, varyings, GL_INTERLEAVED_ATTRIBS);
    glLinkProgram(prog);
    glGetProgramiv(prog, GL_LINK_STATUS, &ok);
    cr_assert(ok, "program does not link");
    glDeleteShader(vs);
    return prog;
}

static GLuint attribute_program(void)
{
    return program("#version 330\n"
                   "layout(location = 0) in uvec4 v;\n"
                   "flat out uvec4 o;\n"
                   "void main() { o = v; gl_Position = vec4(0); }\n");
}

static GLuint texture_program(void)
{
    return program("#version 330\n"
                   "uniform usamplerBuffer t;\n"
                   "flat out uvec4 o;\n"
                   "void main() { o = texelFetch(t, gl_VertexID); "
                   "gl_Position = vec4(0); }\n");
}

/* Runs @prog over N points with the current VAO; true when transform
 * feedback captured pattern @seed. */
static bool captured(GLuint prog, unsigned seed)
{
    GLuint out;
    bool ok;

    glCreateBuffers(1, &out);
    glNamedBufferData(out, BYTES, NULL, GL_STREAM_READ);
    cr_assert_eq(glGetError(), GL_NO_ERROR, "set-up");
    glUseProgram(prog);
    cr_assert_eq(glGetError(), GL_NO_ERROR, "program");
    glEnable(GL_RASTERIZER_DISCARD);
    glBindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, 0, out);
    glBeginTransformFeedback(GL_POINTS);
    glDrawArrays(GL_POINTS, 0, N);
    glEndTransformFeedback();
    glDisable(GL_RASTERIZER_DISCARD);
    glUseProgram(0);
    GLenum err = glGetError();
    cr_assert_eq(err, GL_NO_ERROR, "GL error %#x", err);
    ok = gt_buffer_holds(out, 0, BYTES, seed, 0);
    glDeleteBuffers(1, &out);
    return ok;
}

/* New placed buffers of the same size filled with other bytes, with the
 * graveyard swept (deletes and re-specifications sweep it): reused
 * memory of the deleted buffer would now hold their pattern. */
static void churn(GLuint *keep, int n)
{
    glFinish();
    for (int i = 0; i < n; i++)
        keep[i] = placed_buffer(100 + (unsigned)i);
    GLuint tmp = gt_buffer(BYTES, 99);
    glDeleteBuffers(1, &tmp);
    glFinish();
    for (int i = 0; i < n; i++) {
        glBindBuffer(GL_ARRAY_BUFFER, keep[i]);
        glBufferData(GL_ARRAY_BUFFER, BYTES, NULL, GL_DYNAMIC_DRAW);
        void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, BYTES,
                                   GL_MAP_WRITE_BIT);
        gt_fill(p, BYTES, 200 + (unsigned)i, 0);
        glUnmapBuffer(GL_ARRAY_BUFFER);
    }
}

Test(placed_life, deleted_buffer_in_a_vao_keeps_its_contents)
{
    GLuint vao, prog = attribute_program(), others[8];
    GLuint buf = placed_buffer(7);

    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glVertexAttribIPointer(0, 4, GL_UNSIGNED_INT, 0, NULL);
    glEnableVertexAttribArray(0);
    glBindBuffer(GL_ARRAY_BUFFER, 0);
    cr_assert(captured(prog, 7), "the VAO does not read the buffer");

    /* Deleting detaches the buffer from the bound VAO only. */
    glBindVertexArray(0);
    glDeleteBuffers(1, &buf);
    churn(others, 8);
    glBindVertexArray(vao);
    cr_assert(captured(prog, 7), "the deleted buffer's contents changed");
    glDeleteBuffers(8, others);
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(prog);
}

Test(placed_life, deleted_texture_buffer_keeps_its_contents)
{
    GLuint vao, tex, prog = texture_program(), others[8];
    GLuint buf = placed_buffer(8);

    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_BUFFER, tex);
    glTexBuffer(GL_TEXTURE_BUFFER, GL_RGBA32UI, buf);
    cr_assert(captured(prog, 8), "the texture does not read the buffer");

    glDeleteBuffers(1, &buf);
    churn(others, 8);
    glBindVertexArray(vao);
    glBindTexture(GL_TEXTURE_BUFFER, tex);
    cr_assert(captured(prog, 8), "the deleted buffer's contents changed");
    glDeleteBuffers(8, others);
    glDeleteTextures(1, &tex);
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(prog);
}

/* Deleted in one context while another context's VAO still uses it. */
Test(placed_life, deleted_in_another_context_keeps_its_contents)
{
    EGLContext first = gt_ctx, second = gt_context(gt_ctx);
    GLuint vao, prog, others[8];
    GLuint buf = placed_buffer(9);

    cr_assert_neq(second, EGL_NO_CONTEXT);
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                             second));
    gt_framebuffer();
    prog = attribute_program();
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    glVertexAttribIPointer(0, 4, GL_UNSIGNED_INT, 0, NULL);
    glEnableVertexAttribArray(0);
    glBindBuffer(GL_ARRAY_BUFFER, 0);
    cr_assert(captured(prog, 9));

    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, first));
    glDeleteBuffers(1, &buf);
    churn(others, 8);

    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                             second));
    cr_assert(captured(prog, 9), "the deleted buffer's contents changed");
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(prog);
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, first));
    eglDestroyContext(gt_dpy, second);
    glDeleteBuffers(8, others);
}

/*
 * Orphaning every frame, as streaming vertex data does: each frame's
 * storage is placed, holds what that frame wrote, and the arena does not
 * grow with the number of frames, because blocks the GL is done with are
 * reused.
 */
Test(placed_life, orphaning_loop_reuses_placed_blocks)
{
    GLuint buf = placed_buffer(1), vao, prog = attribute_program();
    uint64_t placed0 = placed_count(), used_after_warmup = 0;

    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    for (unsigned frame = 0; frame < 200; frame++) {
        glBindBuffer(GL_ARRAY_BUFFER, buf);
        glBufferData(GL_ARRAY_BUFFER, BYTES, NULL, GL_STREAM_DRAW);
        void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, BYTES,
                                   GL_MAP_WRITE_BIT |
                                       GL_MAP_INVALIDATE_BUFFER_BIT);
        gt_assert_low(p, BYTES);
        gt_fill(p, BYTES, frame, 0);
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
        glVertexAttribIPointer(0, 4, GL_UNSIGNED_INT, 0, NULL);
        glEnableVertexAttribArray(0);
        if (frame % 50 == 49)
            cr_assert(captured(prog, frame), "frame %u", frame);
        if (frame == 50)
            used_after_warmup = gt_stats().arena_used;
    }
    cr_assert_eq(placed_count(), placed0 + 200, "a frame was not placed");
    cr_assert(gt_stats().arena_used <= used_after_warmup + 64 * 4096,
              "the arena grew from %llu to %llu bytes over 150 frames",
              (unsigned long long)used_after_warmup,
              (unsigned long long)gt_stats().arena_used);
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(prog);
    glDeleteBuffers(1, &buf);
}
