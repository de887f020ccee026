/*
 * bench_draw: what the command hooks cost.  Draws, glBufferSubData and
 * glFinish go through lowmap's hooks (so that persistent shadow maps stay
 * coherent); while no persistent shadow map is live each hook is one
 * relaxed load and a predictable branch before the host's function.  The
 * last cases keep a persistent coherent map live and write to it before
 * every draw: zero-copy with placed storage, a publish of the written page
 * per draw on the shadow path.
 *
 *   bench_draw            prints native, lowmap and shadow-only columns
 *
 * SPDX-License-Identifier: MIT
 */
#include <epoxy/gl.h>
#include <stdio.h>
#include <string.h>

#include "bench_util.h"

static void draw_empty(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        glDrawArrays(GL_TRIANGLES, 0, 0);
}

static void draw_point(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        glDrawArrays(GL_POINTS, 0, 1);
    glFinish();
}

static void buffer_sub_data(void *arg, long n)
{
    static const char bytes[64];
    (void)arg;
    for (long i = 0; i < n; i++)
        glBufferSubData(GL_COPY_WRITE_BUFFER, 0, sizeof(bytes), bytes);
}

static void finish(void *arg, long n)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        glFinish();
}

/* Writes 16 bytes through the live persistent map, then draws. */
static void write_and_draw(void *arg, long n)
{
    char *map = arg;
    for (long i = 0; i < n; i++) {
        memset(map + (i % 1024) * 16, (int)i, 16);
        glDrawArrays(GL_POINTS, 0, 1);
    }
    glFinish();
}

static void run(int argc, char **argv)
{
    static const char *vs = "#version 330 core\n"
                            "layout(location = 0) in vec4 p;\n"
                            "void main() { gl_Position = p; }\n";
    static const char *fs = "#version 330 core\n"
                            "out vec4 o; void main() { o = vec4(1); }\n";
    long iters = bench_iters(200000);
    GLuint prog = glCreateProgram(), s[2], tex, fbo, vao, vbo, buf;
    (void)argc;
    (void)argv;

    s[0] = glCreateShader(GL_VERTEX_SHADER);
    s[1] = glCreateShader(GL_FRAGMENT_SHADER);
    glShaderSource(s[0], 1, &vs, NULL);
    glShaderSource(s[1], 1, &fs, NULL);
    for (int i = 0; i < 2; i++) {
        glCompileShader(s[i]);
        glAttachShader(prog, s[i]);
    }
    glLinkProgram(prog);
    glUseProgram(prog);
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, 1, 1);
    glGenFramebuffers(1, &fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                           GL_TEXTURE_2D, tex, 0);
    glViewport(0, 0, 1, 1);
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    static const float point[4] = { 0, 0, 0, 1 };
    glGenBuffers(1, &vbo);
    glBindBuffer(GL_ARRAY_BUFFER, vbo);
    glBufferData(GL_ARRAY_BUFFER, sizeof(point), point, GL_STATIC_DRAW);
    glVertexAttribPointer(0, 4, GL_FLOAT, GL_FALSE, 0, NULL);
    glEnableVertexAttribArray(0);
    glGenBuffers(1, &buf);
    glBindBuffer(GL_COPY_WRITE_BUFFER, buf);
    glBufferData(GL_COPY_WRITE_BUFFER, 4096, NULL, GL_DYNAMIC_DRAW);

    bench_case("glDrawArrays(count 0)", draw_empty, NULL, iters);
    bench_case("glDrawArrays(1 point)", draw_point, NULL, iters / 4);
    bench_case("glBufferSubData(64 B)", buffer_sub_data, NULL, iters);
    bench_case("glFinish(idle)", finish, NULL, iters);

    /* A persistent coherent write map of 64 KiB stays live from here. */
    const GLbitfield pc = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |
                          GL_MAP_COHERENT_BIT;
    GLuint ring;
    glGenBuffers(1, &ring);
    glBindBuffer(GL_UNIFORM_BUFFER, ring);
    glBufferStorage(GL_UNIFORM_BUFFER, 65536, NULL, pc);
    char *map = glMapBufferRange(GL_UNIFORM_BUFFER, 0, 65536, pc);
    bench_case("live map: draw(count 0)", draw_empty, NULL, iters / 4);
    bench_case("live map: write16+draw", write_and_draw, map, iters / 4);
    glUnmapBuffer(GL_UNIFORM_BUFFER);
}

int main(int argc, char **argv)
{
    return bench_main(argc, argv, run, true);
}
