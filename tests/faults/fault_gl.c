/*
 * GL buffer maps through libglvnd, lowmap's EGL vendor and Mesa llvmpipe,
 * with lowmap's system calls failing at random.
 *
 *   fault_gl SEED ITERATIONS PROBABILITY
 *
 * PROBABILITY 0 runs the same maps without faults: the sandbox and
 * resource-limit stages use it as their GL suite.  Checked at every map:
 * - a map that succeeds returns the buffer's bytes, and every byte written
 *   through it is in the buffer after the unmap (glGetBufferSubData);
 * - a map that fails does so cleanly: NULL with GL_OUT_OF_MEMORY under
 *   LOWMAP_STRICT=1, else the host pointer, counted in high_pointers;
 * - the arena holds exactly what is mapped below the limit, and slots
 *   taken by foreign memory keep their mark.
 * Then the faults stop and every buffer must map low again.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faultlib.h"
#include "lowmap.h"
#include "rb_egl.h"

#define BUFS 8

struct gbuf {
    GLuint name;
    size_t len;
    bool persistent;   /* immutable storage that allows persistent maps */
    unsigned char *expect; /* what the buffer must hold */
    unsigned char *ptr;    /* mapped: pointer, else NULL */
    size_t off, mlen;
    GLbitfield access;
    uint32_t tag;
    bool wrote;
};

static struct gbuf bufs[BUFS];
static bool strict;
static uint64_t attempted, served, high, refused, bytes_checked;

static uint64_t high_pointers(void)
{
    struct lowmap_stats st = {.size = sizeof(st)};
    lowmap_stats(&st);
    return st.high_pointers;
}

static void read_back(struct gbuf *b, const char *when)
{
    unsigned char *got = malloc(b->len);

    FL_CHECK(got, "malloc");
    glGetNamedBufferSubData(b->name, 0, (GLsizeiptr)b->len, got);
    FL_CHECK(glGetError() == GL_NO_ERROR, "%s: read back", when);
    FL_CHECK(memcmp(got, b->expect, b->len) == 0,
             "%s: buffer %u lost bytes", when, b->name);
    bytes_checked += b->len;
    free(got);
}

static void make(struct gbuf *b, int i)
{
    b->len = (1 + fl_below(64)) * 1024 + fl_below(100);
    b->persistent = i % 2;
    b->expect = malloc(b->len);
    FL_CHECK(b->expect, "malloc");
    fl_fill(b->expect, b->len, (uint32_t)fl_rand(), 0);
    glCreateBuffers(1, &b->name);
    fl_arm(true);
    if (b->persistent)
        glNamedBufferStorage(b->name, (GLsizeiptr)b->len, b->expect,
                             GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                                 GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT |
                                 GL_DYNAMIC_STORAGE_BIT);
    else
        glNamedBufferData(b->name, (GLsizeiptr)b->len, b->expect,
                          GL_DYNAMIC_DRAW);
    fl_arm(false);
    /* Placed storage that cannot be had is the host's own: no error. */
    FL_CHECK(glGetError() == GL_NO_ERROR, "buffer storage");
    read_back(b, "after create");
}

static void do_map(struct gbuf *b)
{
    static const GLbitfield kinds[] = {
        GL_MAP_READ_BIT,
        GL_MAP_WRITE_BIT,
        GL_MAP_READ_BIT | GL_MAP_WRITE_BIT,
        GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_RANGE_BIT,
        GL_MAP_WRITE_BIT | GL_MAP_FLUSH_EXPLICIT_BIT,
        GL_MAP_READ_BIT | GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |
            GL_MAP_COHERENT_BIT,
    };
    size_t nk = sizeof(kinds) / sizeof(kinds[0]);
    uint64_t high0 = high_pointers();
    GLenum err;

    b->off = fl_below(b->len - 1);
    b->mlen = 1 + fl_below(b->len - b->off);
    b->access = kinds[fl_below(b->persistent ? nk : nk - 1)];
    attempted++;
    fl_arm(true);
    b->ptr = glMapNamedBufferRange(b->name, (GLintptr)b->off,
                                   (GLsizeiptr)b->mlen, b->access);
    fl_arm(false);
    err = glGetError();
    if (!b->ptr) {
        GLint mapped = -1;
        FL_CHECK(strict, "a map failed without LOWMAP_STRICT (error %#x)",
                 err);
        FL_CHECK(err == GL_OUT_OF_MEMORY, "failed map: error %#x", err);
        glGetNamedBufferParameteriv(b->name, GL_BUFFER_MAPPED, &mapped);
        FL_CHECK(mapped == GL_FALSE, "a failed map left the buffer mapped");
        read_back(b, "after a failed map");
        refused++;
        return;
    }
    FL_CHECK(err == GL_NO_ERROR, "map: error %#x", err);
    if ((uintptr_t)b->ptr + b->mlen > lowmap_limit()) {
        FL_CHECK(!strict, "a high pointer under LOWMAP_STRICT");
        FL_CHECK(high_pointers() == high0 + 1,
                 "a high pointer %p (access %#x) not counted in high_pointers",
                 (void *)b->ptr, b->access);
        high++;
    } else {
        served++;
    }
    if (b->access & GL_MAP_READ_BIT) {
        FL_CHECK(memcmp(b->ptr, b->expect + b->off, b->mlen) == 0,
                 "a read map of buffer %u shows wrong bytes", b->name);
        bytes_checked += b->mlen;
    }
    b->wrote = false;
    if (b->access & GL_MAP_WRITE_BIT) {
        b->tag = (uint32_t)fl_rand();
        fl_fill(b->ptr, b->mlen, b->tag, b->off);
        b->wrote = true;
        if (b->access & GL_MAP_FLUSH_EXPLICIT_BIT) {
            fl_arm(true);
            glFlushMappedNamedBufferRange(b->name, 0, (GLsizeiptr)b->mlen);
            fl_arm(false);
            FL_CHECK(glGetError() == GL_NO_ERROR, "flush");
        }
    }
}

static void do_unmap(struct gbuf *b)
{
    GLboolean ok;

    fl_arm(true);
    ok = glUnmapNamedBuffer(b->name);
    fl_arm(false);
    FL_CHECK(ok == GL_TRUE && glGetError() == GL_NO_ERROR, "unmap");
    if (b->wrote)
        fl_fill(b->expect + b->off, b->mlen, b->tag, b->off);
    b->ptr = NULL;
    read_back(b, "after unmap");
}

int main(int argc, char **argv)
{
    static const char *const all_points[] = {"lowmap/*", NULL};
    const char *const *points = fl_points(all_points);
    unsigned long iters, foreign = 0;
    const char *env = getenv("LOWMAP_STRICT");
    EGLDisplay dpy;
    EGLContext ctx;
    double prob;
    bool limited;

    if (argc < 4) {
        fprintf(stderr, "usage: %s SEED ITERATIONS PROBABILITY\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    fl_seed(strtoull(argv[1], NULL, 0));
    iters = strtoul(argv[2], NULL, 0);
    prob = strtod(argv[3], NULL);
    strict = env && *env == '1';
    /* FAULT_LIMITED=1: run under a resource limit that stays, so maps need
     * not come back low at the end. */
    limited = getenv("FAULT_LIMITED") != NULL;
    if (prob > 0)
        fl_faults_enable(points, prob);

    /* The vendor loads and lowmap starts under faults too. */
    fl_arm(true);
    bool started = rb_start(&dpy, &ctx);
    fl_arm(false);
    if (!started && limited) {
        printf("SKIP: EGL cannot start under this limit\n");
        return 77;
    }
    FL_CHECK(started, "no EGL context");
    const char *renderer = (const char *)glGetString(GL_RENDERER);
    FL_CHECK(renderer && strstr(renderer, "llvmpipe"), "renderer %s",
             renderer ? renderer : "(none)");
    /* lowmap exposes this extension on every host: without it, the maps
     * would not go through lowmap at all. */
    FL_CHECK(epoxy_has_gl_extension("GL_MESA_map_buffer_client_pointer"),
             "lowmap's EGL vendor is not in use");

    for (int i = 0; i < BUFS; i++)
        make(&bufs[i], i);
    fl_nofile_tight();
    for (unsigned long it = 0; it < iters; it++) {
        struct gbuf *b = &bufs[fl_below(BUFS)];
        if (b->ptr)
            do_unmap(b);
        else
            do_map(b);
        if (it % 64 == 63)
            foreign = fl_check_space("during the maps", 0);
    }
    for (int i = 0; i < BUFS; i++)
        if (bufs[i].ptr)
            do_unmap(&bufs[i]);
    if (prob > 0)
        fl_faults_disable(points);
    foreign = fl_check_space("after the maps", 0);

    /* Faults over: every buffer maps low again and round-trips. */
    for (int i = 0; i < BUFS; i++) {
        struct gbuf *b = &bufs[i];
        unsigned char *p = glMapNamedBufferRange(
            b->name, 0, (GLsizeiptr)b->len,
            GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
        if (limited && (!p || (uintptr_t)p + b->len > lowmap_limit())) {
            /* Still under the limit: a clean fallback is all we ask. */
            if (p)
                glUnmapNamedBuffer(b->name);
            glGetError();
            glDeleteBuffers(1, &b->name);
            free(b->expect);
            continue;
        }
        FL_CHECK(p && (uintptr_t)p + b->len <= lowmap_limit(),
                 "buffer %u does not map low once faults stopped (%p)",
                 b->name, (void *)p);
        FL_CHECK(memcmp(p, b->expect, b->len) == 0, "wrong bytes");
        fl_fill(p, b->len, 5, 0);
        FL_CHECK(glUnmapNamedBuffer(b->name) == GL_TRUE, "unmap");
        fl_fill(b->expect, b->len, 5, 0);
        read_back(b, "once faults stopped");
        glDeleteBuffers(1, &b->name);
        free(b->expect);
    }
    eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(dpy, ctx);
    foreign = fl_check_space("at the end", 0);
    printf("figures: gl%s seed %s: faults %lu, maps attempted %" PRIu64
           ", low and verified %" PRIu64 ", high pointers counted %" PRIu64
           ", refused with GL_OUT_OF_MEMORY %" PRIu64 ", bytes checked %"
           PRIu64 ", foreign slots intact %lu\n",
           strict ? " strict" : "", argv[1], fl_fired(), attempted, served,
           high, refused, bytes_checked, foreign);
    fl_print_peak();
    eglTerminate(dpy);
    return 0;
}
