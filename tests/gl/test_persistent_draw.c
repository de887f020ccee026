/*
 * Persistent coherent maps read by draws (direct, indexed, indirect), a
 * compute dispatch and pixel transfers from and into a PBO, with no unmap
 * in between: what the app wrote last is what the GL uses.  Run with the
 * default strategies and with LOWMAP_STRATEGIES=shadow (see
 * test_persistent.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gl_util.h"

#define PC (GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT)
#define W 4

static GLuint program(const char *vs, const char *fs, const char *cs)
{
    GLuint prog = glCreateProgram();
    GLint ok = 0;
    if (cs) {
        glAttachShader(prog, gt_shader(GL_COMPUTE_SHADER, cs));
    } else {
        glAttachShader(prog, gt_shader(GL_VERTEX_SHADER, vs));
        glAttachShader(prog, gt_shader(GL_FRAGMENT_SHADER, fs));
    }
    glLinkProgram(prog);
    glGetProgramiv(prog, GL_LINK_STATUS, &ok);
    cr_assert(ok, "program does not link");
    return prog;
}

struct vertex {
    float pos[2];
    float color[4];
};

/* A 4x4 target, a program drawing per-vertex colours, and a persistent
 * coherent vertex buffer at attribute 0/1 (mapped into *verts). */
static GLuint setup_draw(struct vertex **verts)
{
    static const char *vs =
        "#version 330 core\n"
        "layout(location = 0) in vec2 pos;\n"
        "layout(location = 1) in vec4 color;\n"
        "out vec4 c;\n"
        "void main() { c = color; gl_Position = vec4(pos, 0.0, 1.0); }\n";
    static const char *fs = "#version 330 core\n"
                            "in vec4 c; out vec4 o;\n"
                            "void main() { o = c; }\n";
    GLuint tex, fbo, vao, vbo;

    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, W, W);
    glGenFramebuffers(1, &fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                           GL_TEXTURE_2D, tex, 0);
    glViewport(0, 0, W, W);
    glUseProgram(program(vs, fs, NULL));

    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glGenBuffers(1, &vbo);
    glBindBuffer(GL_ARRAY_BUFFER, vbo);
    glBufferStorage(GL_ARRAY_BUFFER, 3 * sizeof(struct vertex), NULL,
                    GL_MAP_WRITE_BIT | PC);
    *verts = glMapBufferRange(GL_ARRAY_BUFFER, 0, 3 * sizeof(struct vertex),
                              GL_MAP_WRITE_BIT | PC);
    gt_assert_low(*verts, 3 * sizeof(struct vertex));
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, sizeof(struct vertex),
                          (void *)0);
    glVertexAttribPointer(1, 4, GL_FLOAT, GL_FALSE, sizeof(struct vertex),
                          (void *)(2 * sizeof(float)));
    glEnableVertexAttribArray(0);
    glEnableVertexAttribArray(1);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    return vbo;
}

/* A triangle covering the target, in colour @rgb. */
static void write_triangle(struct vertex *v, const float rgb[3])
{
    static const float pos[3][2] = { { -1, -1 }, { 3, -1 }, { -1, 3 } };
    for (int i = 0; i < 3; i++) {
        memcpy(v[i].pos, pos[i], sizeof(pos[i]));
        memcpy(v[i].color, rgb, 3 * sizeof(float));
        v[i].color[3] = 1.0f;
    }
}

static void expect_color(uint8_t r, uint8_t g, uint8_t b)
{
    uint8_t px[W * W * 4];
    glReadPixels(0, 0, W, W, GL_RGBA, GL_UNSIGNED_BYTE, px);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    for (int i = 0; i < W * W; i++)
        cr_assert(px[i * 4] == r && px[i * 4 + 1] == g && px[i * 4 + 2] == b,
                  "pixel %d is %u,%u,%u, want %u,%u,%u", i, px[i * 4],
                  px[i * 4 + 1], px[i * 4 + 2], r, g, b);
}

TestSuite(persistent_draw, .init = gt_setup, .fini = gt_teardown);

Test(persistent_draw, draws_see_each_write)
{
    static const float colors[3][3] = { { 0, 1, 0 }, { 0, 0, 1 }, { 1, 1, 0 } };
    struct vertex *v;
    setup_draw(&v);
    GLuint ibo;
    static const GLushort idx[3] = { 0, 1, 2 };
    glGenBuffers(1, &ibo);
    glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, ibo);
    glBufferData(GL_ELEMENT_ARRAY_BUFFER, sizeof(idx), idx, GL_STATIC_DRAW);

    for (int i = 0; i < 3; i++) {
        write_triangle(v, colors[i]);
        glClearColor(1, 0, 0, 1);
        glClear(GL_COLOR_BUFFER_BIT);
        if (i == 0)
            glDrawArrays(GL_TRIANGLES, 0, 3);
        else if (i == 1)
            glDrawElements(GL_TRIANGLES, 3, GL_UNSIGNED_SHORT, NULL);
        else
            glDrawArraysInstanced(GL_TRIANGLES, 0, 3, 1);
        expect_color((uint8_t)(colors[i][0] * 255), (uint8_t)(colors[i][1] * 255),
                     (uint8_t)(colors[i][2] * 255));
    }
}

/* The draw parameters themselves come from a persistent map. */
Test(persistent_draw, indirect_draw_reads_the_map)
{
    static const float green[3] = { 0, 1, 0 };
    struct vertex *v;
    setup_draw(&v);
    write_triangle(v, green);

    GLuint ind;
    GLuint *cmd;
    glGenBuffers(1, &ind);
    glBindBuffer(GL_DRAW_INDIRECT_BUFFER, ind);
    glBufferStorage(GL_DRAW_INDIRECT_BUFFER, 4 * sizeof(GLuint), NULL,
                    GL_MAP_WRITE_BIT | PC);
    cmd = glMapBufferRange(GL_DRAW_INDIRECT_BUFFER, 0, 4 * sizeof(GLuint),
                           GL_MAP_WRITE_BIT | PC);
    gt_assert_low(cmd, 4 * sizeof(GLuint));

    /* count 0: nothing drawn; then count 3. */
    for (int round = 0; round < 2; round++) {
        cmd[0] = round ? 3 : 0;
        cmd[1] = 1;
        cmd[2] = 0;
        cmd[3] = 0;
        glClearColor(1, 0, 0, 1);
        glClear(GL_COLOR_BUFFER_BIT);
        glDrawArraysIndirect(GL_TRIANGLES, NULL);
        if (round)
            expect_color(0, 255, 0);
        else
            expect_color(255, 0, 0);
    }
}

/* A dispatch reads its input from one persistent map and writes into
 * another, read back after a barrier and a fence. */
Test(persistent_draw, dispatch_reads_and_writes_maps)
{
    static const char *cs =
        "#version 430\n"
        "layout(local_size_x = 64) in;\n"
        "layout(std430, binding = 0) readonly buffer In { uint v[]; } i;\n"
        "layout(std430, binding = 1) writeonly buffer Out { uint v[]; } o;\n"
        "void main() { uint k = gl_GlobalInvocationID.x;\n"
        "              o.v[k] = i.v[k] * 3u + 1u; }\n";
    enum { N = 2048 };
    GLuint bufs[2];
    GLuint *in, *out;

    glUseProgram(program(NULL, NULL, cs));
    glCreateBuffers(2, bufs);
    glNamedBufferStorage(bufs[0], N * 4, NULL, GL_MAP_WRITE_BIT | PC);
    glNamedBufferStorage(bufs[1], N * 4, NULL, GL_MAP_READ_BIT | PC);
    in = glMapNamedBufferRange(bufs[0], 0, N * 4, GL_MAP_WRITE_BIT | PC);
    out = glMapNamedBufferRange(bufs[1], 0, N * 4, GL_MAP_READ_BIT | PC);
    gt_assert_low(in, N * 4);
    gt_assert_low(out, N * 4);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, bufs[0]);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, bufs[1]);

    for (GLuint round = 1; round <= 2; round++) {
        for (GLuint k = 0; k < N; k++)
            in[k] = k * round;
        glDispatchCompute(N / 64, 1, 1);
        glMemoryBarrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT);
        GLsync fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
        glClientWaitSync(fence, GL_SYNC_FLUSH_COMMANDS_BIT,
                         10 * 1000 * 1000 * 1000ull);
        glDeleteSync(fence);
        for (GLuint k = 0; k < N; k++)
            cr_assert_eq(out[k], k * round * 3 + 1, "round %u element %u",
                         round, k);
    }
}

/* Texture upload from a persistent PBO, read back into another. */
Test(persistent_draw, pixel_buffers)
{
    enum { BYTES = 64 * 64 * 4 };
    GLuint pbo[2], tex;
    uint8_t *up, *down;

    glCreateBuffers(2, pbo);
    glNamedBufferStorage(pbo[0], BYTES, NULL, GL_MAP_WRITE_BIT | PC);
    glNamedBufferStorage(pbo[1], BYTES, NULL, GL_MAP_READ_BIT | PC);
    up = glMapNamedBufferRange(pbo[0], 0, BYTES, GL_MAP_WRITE_BIT | PC);
    down = glMapNamedBufferRange(pbo[1], 0, BYTES, GL_MAP_READ_BIT | PC);
    gt_assert_low(up, BYTES);
    gt_assert_low(down, BYTES);
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, 64, 64);

    for (unsigned round = 0; round < 2; round++) {
        gt_fill(up, BYTES, 60 + round, 0);
        glBindBuffer(GL_PIXEL_UNPACK_BUFFER, pbo[0]);
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, 64, 64, GL_RGBA,
                        GL_UNSIGNED_BYTE, NULL);
        glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
        glBindBuffer(GL_PIXEL_PACK_BUFFER, pbo[1]);
        glGetTexImage(GL_TEXTURE_2D, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
        glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
        cr_assert_eq(glGetError(), GL_NO_ERROR);
        GLsync fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
        glClientWaitSync(fence, GL_SYNC_FLUSH_COMMANDS_BIT,
                         10 * 1000 * 1000 * 1000ull);
        glDeleteSync(fence);
        cr_assert(gt_check(down, BYTES, 60 + round, 0), "round %u", round);
    }
}
