/*
 * bad_cases CASE native|lowmap: runs one bad-input case (bad_cases.h) and
 * prints its transcript on stdout.  Through lowmap it also checks, after
 * the case, that lowmap's state is consistent: a valid map of a fresh
 * buffer is low and correct, no host pointer went out high, and no view
 * outlives the case's buffers.  Exit status 0, or 1 with the reason on
 * stderr.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bad_cases.h"
#include "lowmap.h"
#include "rb_egl.h"

#define SIZE 4096
#define FOREIGN 7777u /* never a buffer name */

static EGLDisplay dpy;
static EGLContext ctx;
static GLuint made[16];
static unsigned nmade;

/* ---- transcript ------------------------------------------------------ */

static void line(const char *what, const char *ret)
{
    printf("%-44s ret=%-6s err=%#06x\n", what, ret, glGetError());
}

static void ptr_line(const char *what, const void *p)
{
    line(what, p ? "ptr" : "NULL");
}

static void bool_line(const char *what, GLboolean b)
{
    line(what, b ? "TRUE" : "FALSE");
}

static void void_line(const char *what)
{
    line(what, "-");
}

/* Whether @buf is mapped, and where GL says its map is compared to @p. */
static void state_line(const char *what, GLuint buf, const void *p)
{
    GLint mapped = -1;
    void *q = NULL;
    glGetNamedBufferParameteriv(buf, GL_BUFFER_MAPPED, &mapped);
    glGetNamedBufferPointerv(buf, GL_BUFFER_MAP_POINTER, &q);
    printf("%-44s mapped=%d pointer=%s err=%#06x\n", what, mapped,
           !q ? "NULL" : q == p ? "same" : "other", glGetError());
}

static uint8_t pattern(unsigned seed, size_t i)
{
    return (uint8_t)(i * 13u + seed);
}

/* Whether [off, off+len) of @buf holds @seed's pattern. */
static void data_line(const char *what, GLuint buf, size_t off, size_t len,
                      unsigned seed)
{
    uint8_t *got = malloc(len);
    size_t bad = 0;
    glGetNamedBufferSubData(buf, (GLintptr)off, (GLsizeiptr)len, got);
    for (size_t i = 0; i < len; i++)
        bad += got[i] != pattern(seed, off + i);
    printf("%-44s %s err=%#06x\n", what, bad ? "differs" : "holds",
           glGetError());
    free(got);
}

static void fill(void *p, size_t off, size_t len, unsigned seed)
{
    uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        b[i] = pattern(seed, off + i);
}

/* A mutable buffer of SIZE bytes of @seed's pattern, bound to ARRAY. */
static GLuint buffer(unsigned seed)
{
    uint8_t data[SIZE];
    GLuint buf = 0;
    fill(data, 0, SIZE, seed);
    glGenBuffers(1, &buf);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    glBufferData(GL_ARRAY_BUFFER, SIZE, data, GL_DYNAMIC_DRAW);
    if (nmade < sizeof(made) / sizeof(made[0]))
        made[nmade++] = buf;
    return buf;
}

/* ---- the cases ------------------------------------------------------- */

static void invalid_names(void)
{
    void *p = NULL;
    GLuint unborn = 0;
    glGenBuffers(1, &unborn); /* a name, but no object until bound */
    made[nmade++] = unborn;
    ptr_line("MapNamedBufferRange(foreign)",
             glMapNamedBufferRange(FOREIGN, 0, 16, GL_MAP_READ_BIT));
    ptr_line("MapNamedBufferRange(0)",
             glMapNamedBufferRange(0, 0, 16, GL_MAP_READ_BIT));
    ptr_line("MapNamedBufferRange(unborn)",
             glMapNamedBufferRange(unborn, 0, 16, GL_MAP_READ_BIT));
    ptr_line("MapNamedBuffer(foreign)",
             glMapNamedBuffer(FOREIGN, GL_READ_WRITE));
    bool_line("UnmapNamedBuffer(foreign)", glUnmapNamedBuffer(FOREIGN));
    bool_line("UnmapNamedBuffer(0)", glUnmapNamedBuffer(0));
    glFlushMappedNamedBufferRange(FOREIGN, 0, 16);
    void_line("FlushMappedNamedBufferRange(foreign)");
    glGetNamedBufferPointerv(FOREIGN, GL_BUFFER_MAP_POINTER, &p);
    ptr_line("GetNamedBufferPointerv(foreign)", p);
    glNamedBufferData(FOREIGN, SIZE, NULL, GL_STATIC_DRAW);
    void_line("NamedBufferData(foreign)");
    glNamedBufferStorage(FOREIGN, SIZE, NULL, GL_MAP_READ_BIT);
    void_line("NamedBufferStorage(foreign)");
}

static void unbound_target(void)
{
    void *p = (void *)1;
    buffer(1);
    glBindBuffer(GL_ARRAY_BUFFER, 0);
    ptr_line("MapBufferRange(unbound)",
             glMapBufferRange(GL_ARRAY_BUFFER, 0, 16, GL_MAP_READ_BIT));
    ptr_line("MapBuffer(unbound)", glMapBuffer(GL_ARRAY_BUFFER, GL_READ_ONLY));
    bool_line("UnmapBuffer(unbound)", glUnmapBuffer(GL_ARRAY_BUFFER));
    glFlushMappedBufferRange(GL_ARRAY_BUFFER, 0, 16);
    void_line("FlushMappedBufferRange(unbound)");
    glGetBufferPointerv(GL_ARRAY_BUFFER, GL_BUFFER_MAP_POINTER, &p);
    ptr_line("GetBufferPointerv(unbound)", p);
    glBufferData(GL_ARRAY_BUFFER, SIZE, NULL, GL_STATIC_DRAW);
    void_line("BufferData(unbound)");
    glBufferStorage(GL_ARRAY_BUFFER, SIZE, NULL, GL_MAP_READ_BIT);
    void_line("BufferStorage(unbound)");
}

static void bad_target(void)
{
    void *p = (void *)1;
    buffer(1);
    ptr_line("MapBufferRange(TEXTURE_2D)",
             glMapBufferRange(GL_TEXTURE_2D, 0, 16, GL_MAP_READ_BIT));
    ptr_line("MapBuffer(0x1234)", glMapBuffer(0x1234, GL_READ_ONLY));
    bool_line("UnmapBuffer(TEXTURE_2D)", glUnmapBuffer(GL_TEXTURE_2D));
    glFlushMappedBufferRange(GL_TEXTURE_2D, 0, 16);
    void_line("FlushMappedBufferRange(TEXTURE_2D)");
    glGetBufferPointerv(GL_TEXTURE_2D, GL_BUFFER_MAP_POINTER, &p);
    ptr_line("GetBufferPointerv(TEXTURE_2D)", p);
    glBufferData(GL_TEXTURE_2D, SIZE, NULL, GL_STATIC_DRAW);
    void_line("BufferData(TEXTURE_2D)");
}

static void double_map(void)
{
    GLuint buf = buffer(2);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                               GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    ptr_line("MapBufferRange", p);
    ptr_line("MapBufferRange again",
             glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT));
    ptr_line("MapBufferRange again, other range",
             glMapBufferRange(GL_ARRAY_BUFFER, 64, 64, GL_MAP_WRITE_BIT));
    ptr_line("MapBuffer again", glMapBuffer(GL_ARRAY_BUFFER, GL_READ_WRITE));
    ptr_line("MapNamedBufferRange again",
             glMapNamedBufferRange(buf, 0, 16, GL_MAP_READ_BIT));
    state_line("state", buf, p);
    if (p)
        fill(p, 0, SIZE, 3);
    bool_line("UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    data_line("data", buf, 0, SIZE, 3);
}

static void double_unmap(void)
{
    GLuint buf = buffer(4);
    void *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_WRITE_BIT);
    ptr_line("MapNamedBufferRange", p);
    if (p)
        fill(p, 0, SIZE, 5);
    bool_line("UnmapNamedBuffer", glUnmapNamedBuffer(buf));
    bool_line("UnmapNamedBuffer again", glUnmapNamedBuffer(buf));
    bool_line("UnmapBuffer again", glUnmapBuffer(GL_ARRAY_BUFFER));
    state_line("state", buf, p);
    data_line("data", buf, 0, SIZE, 5);
}

static void bad_ranges(void)
{
    static const struct { GLintptr off; GLsizeiptr len; } r[] = {
        {-1, 16}, {0, -1}, {0, 0}, {SIZE, 0}, {SIZE - 8, 16}, {SIZE, 1},
        {0, SIZE + 1}, {SIZE + 4096, 16}, {-4096, 8192}, {INTPTR_MIN, 16},
        /* Not {INTPTR_MAX, 1}: Mesa 22's offset + length check overflows
         * and it "maps" far past the buffer. */
    };
    GLuint buf = buffer(6);
    char what[64];
    for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
        snprintf(what, sizeof(what), "MapBufferRange(%td, %td)", r[i].off,
                 r[i].len);
        void *p = glMapBufferRange(GL_ARRAY_BUFFER, r[i].off, r[i].len,
                                   GL_MAP_READ_BIT);
        ptr_line(what, p);
        if (p)
            glUnmapBuffer(GL_ARRAY_BUFFER);
        snprintf(what, sizeof(what), "MapNamedBufferRange(%td, %td)",
                 r[i].off, r[i].len);
        p = glMapNamedBufferRange(buf, r[i].off, r[i].len, GL_MAP_WRITE_BIT);
        ptr_line(what, p);
        if (p)
            glUnmapNamedBuffer(buf);
    }
    state_line("state", buf, NULL);
    data_line("data", buf, 0, SIZE, 6);
}

static const struct { const char *what; GLbitfield bits; } bad_bits[] = {
    {"none", 0},
    {"INVALIDATE_RANGE alone", GL_MAP_INVALIDATE_RANGE_BIT},
    {"READ|INVALIDATE_RANGE", GL_MAP_READ_BIT | GL_MAP_INVALIDATE_RANGE_BIT},
    {"READ|INVALIDATE_BUFFER",
     GL_MAP_READ_BIT | GL_MAP_INVALIDATE_BUFFER_BIT},
    {"READ|UNSYNCHRONIZED", GL_MAP_READ_BIT | GL_MAP_UNSYNCHRONIZED_BIT},
    {"READ|FLUSH_EXPLICIT", GL_MAP_READ_BIT | GL_MAP_FLUSH_EXPLICIT_BIT},
    {"FLUSH_EXPLICIT alone", GL_MAP_FLUSH_EXPLICIT_BIT},
    {"READ|unknown bit", GL_MAP_READ_BIT | 0x80000000u},
    {"WRITE|unknown low bit", GL_MAP_WRITE_BIT | 0x0400u},
    {"READ|COHERENT", GL_MAP_READ_BIT | GL_MAP_COHERENT_BIT},
    {"WRITE|PERSISTENT|COHERENT",
     GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT},
};

static void bad_flags(void)
{
    GLuint buf = buffer(7);
    char what[64];
    for (size_t i = 0; i < sizeof(bad_bits) / sizeof(bad_bits[0]); i++) {
        snprintf(what, sizeof(what), "MapBufferRange(%s)", bad_bits[i].what);
        void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, bad_bits[i].bits);
        ptr_line(what, p);
        if (p)
            bool_line("  UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    }
    ptr_line("MapBuffer(READ_ONLY + 7)",
             glMapBuffer(GL_ARRAY_BUFFER, GL_READ_ONLY + 7));
    ptr_line("MapNamedBuffer(0)", glMapNamedBuffer(buf, 0));
    state_line("state", buf, NULL);
    data_line("data", buf, 0, SIZE, 7);
}

/* Immutable storage refuses maps its flags do not allow. */
static void bad_storage_flags(void)
{
    static const struct { const char *what; GLbitfield bits; } m[] = {
        {"WRITE", GL_MAP_WRITE_BIT},
        {"READ|PERSISTENT", GL_MAP_READ_BIT | GL_MAP_PERSISTENT_BIT},
        {"READ|PERSISTENT|COHERENT",
         GL_MAP_READ_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT},
        {"READ", GL_MAP_READ_BIT},
    };
    uint8_t data[SIZE];
    GLuint buf = 0;
    char what[64];
    fill(data, 0, SIZE, 8);
    glCreateBuffers(1, &buf);
    made[nmade++] = buf;
    glNamedBufferStorage(buf, SIZE, data, GL_MAP_READ_BIT);
    void_line("NamedBufferStorage(READ)");
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        snprintf(what, sizeof(what), "MapNamedBufferRange(%s)", m[i].what);
        void *p = glMapNamedBufferRange(buf, 0, SIZE, m[i].bits);
        ptr_line(what, p);
        if (p)
            bool_line("  UnmapNamedBuffer", glUnmapNamedBuffer(buf));
    }
    ptr_line("MapNamedBuffer(WRITE_ONLY)",
             glMapNamedBuffer(buf, GL_WRITE_ONLY));
    data_line("data", buf, 0, SIZE, 8);
}

static void bad_flush(void)
{
    static const struct { GLintptr off; GLsizeiptr len; } r[] = {
        {-1, 4}, {0, -1}, {250, 16}, {256, 1}, {0, 257}, {INTPTR_MAX, 1},
        {0, 0}, {0, 64},
    };
    GLuint buf = buffer(9);
    char what[64];
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 64, 256,
                                  GL_MAP_WRITE_BIT |
                                      GL_MAP_FLUSH_EXPLICIT_BIT);
    ptr_line("MapBufferRange(64, 256, WRITE|FLUSH_EXPLICIT)", p);
    if (p)
        fill(p, 64, 256, 10);
    for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
        snprintf(what, sizeof(what), "FlushMappedBufferRange(%td, %td)",
                 r[i].off, r[i].len);
        glFlushMappedBufferRange(GL_ARRAY_BUFFER, r[i].off, r[i].len);
        void_line(what);
    }
    bool_line("UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    /* Only what was flushed is defined. */
    data_line("flushed data", buf, 64, 64, 10);
    data_line("data outside the map", buf, 0, 64, 9);
    data_line("data past the map", buf, 320, SIZE - 320, 9);

    p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_WRITE_BIT);
    ptr_line("MapNamedBufferRange(WRITE)", p);
    glFlushMappedNamedBufferRange(buf, 0, 16);
    void_line("FlushMappedNamedBufferRange without FLUSH_EXPLICIT");
    bool_line("UnmapNamedBuffer", glUnmapNamedBuffer(buf));
    glFlushMappedNamedBufferRange(buf, 0, 16);
    void_line("FlushMappedNamedBufferRange(unmapped)");
    glFlushMappedBufferRange(GL_ARRAY_BUFFER, 0, 16);
    void_line("FlushMappedBufferRange(unmapped)");
}

static void pointer_unmapped(void)
{
    GLuint buf = buffer(11);
    void *p = (void *)1;
    glGetBufferPointerv(GL_ARRAY_BUFFER, GL_BUFFER_MAP_POINTER, &p);
    ptr_line("GetBufferPointerv(never mapped)", p);
    void *m = glMapBuffer(GL_ARRAY_BUFFER, GL_READ_ONLY);
    ptr_line("MapBuffer(READ_ONLY)", m);
    state_line("state", buf, m);
    bool_line("UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    p = (void *)1;
    glGetBufferPointerv(GL_ARRAY_BUFFER, GL_BUFFER_MAP_POINTER, &p);
    ptr_line("GetBufferPointerv(after unmap)", p);
    p = (void *)1;
    glGetNamedBufferPointerv(buf, GL_BUFFER_MAP_POINTER, &p);
    ptr_line("GetNamedBufferPointerv(after unmap)", p);
    p = NULL;
    glGetBufferPointerv(GL_ARRAY_BUFFER, GL_BUFFER_SIZE, &p);
    ptr_line("GetBufferPointerv(BUFFER_SIZE)", p);
}

static void zero_size_buffer(void)
{
    GLuint buf = buffer(12);
    glBufferData(GL_ARRAY_BUFFER, 0, NULL, GL_STATIC_DRAW);
    void_line("BufferData(0)");
    void *p = glMapBuffer(GL_ARRAY_BUFFER, GL_READ_WRITE);
    ptr_line("MapBuffer(empty)", p);
    if (p)
        bool_line("  UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    p = glMapBufferRange(GL_ARRAY_BUFFER, 0, 0, GL_MAP_READ_BIT);
    ptr_line("MapBufferRange(empty, 0, 0)", p);
    if (p)
        bool_line("  UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    state_line("state", buf, NULL);
}

/* A re-specification the host rejects leaves the map as it was. */
static void bad_data_while_mapped(void)
{
    GLuint buf = buffer(13);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                               GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    ptr_line("MapBufferRange", p);
    glBufferData(GL_ARRAY_BUFFER, -1, NULL, GL_STATIC_DRAW);
    void_line("BufferData(size -1)");
    state_line("state", buf, p);
    glBufferData(GL_ARRAY_BUFFER, SIZE, NULL, 0xdead);
    void_line("BufferData(usage 0xdead)");
    state_line("state", buf, p);
    glNamedBufferData(buf, SIZE, NULL, 0xdead);
    void_line("NamedBufferData(usage 0xdead)");
    state_line("state", buf, p);
    GLint mapped = 0;
    glGetNamedBufferParameteriv(buf, GL_BUFFER_MAPPED, &mapped);
    if (p && mapped)
        fill(p, 0, SIZE, 14);
    bool_line("UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    data_line("data", buf, 0, SIZE, mapped ? 14 : 13);
}

static void bad_storage_while_mapped(void)
{
    GLuint buf = buffer(15);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                               GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    ptr_line("MapBufferRange", p);
    glBufferStorage(GL_ARRAY_BUFFER, 0, NULL, GL_MAP_READ_BIT);
    void_line("BufferStorage(size 0)");
    state_line("state", buf, p);
    glBufferStorage(GL_ARRAY_BUFFER, SIZE, NULL, 0x80000000u);
    void_line("BufferStorage(unknown flag)");
    state_line("state", buf, p);
    glNamedBufferStorage(buf, SIZE, NULL, GL_MAP_PERSISTENT_BIT);
    void_line("NamedBufferStorage(PERSISTENT, no READ/WRITE)");
    state_line("state", buf, p);
    GLint mapped = 0;
    glGetNamedBufferParameteriv(buf, GL_BUFFER_MAPPED, &mapped);
    if (p && mapped)
        fill(p, 0, SIZE, 16);
    bool_line("UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    data_line("data", buf, 0, SIZE, mapped ? 16 : 15);
    /* Still mutable: new data is accepted and maps. */
    uint8_t data[SIZE];
    fill(data, 0, SIZE, 17);
    glBufferData(GL_ARRAY_BUFFER, SIZE, data, GL_STATIC_DRAW);
    void_line("BufferData(valid)");
    p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    ptr_line("MapBufferRange(READ)", p);
    state_line("state", buf, p);
    bool_line("UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    data_line("data", buf, 0, SIZE, 17);
}

/* A glBufferStorage the host rejects leaves the buffer mutable: new data
 * then unmaps it as usual, and a later map starts afresh. */
static void failed_storage_then_data(void)
{
    uint8_t data[SIZE];
    GLuint buf = buffer(24);
    glBufferStorage(GL_ARRAY_BUFFER, SIZE, NULL, 0x80000000u);
    void_line("BufferStorage(unknown flag)");
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                               GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    ptr_line("MapBufferRange", p);
    if (p)
        fill(p, 0, SIZE, 25);
    fill(data, 0, SIZE, 26);
    glBufferData(GL_ARRAY_BUFFER, SIZE, data, GL_STATIC_DRAW);
    void_line("BufferData(valid, while mapped)");
    state_line("state", buf, NULL);
    data_line("data", buf, 0, SIZE, 26);
    p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    ptr_line("MapBufferRange(READ)", p);
    bool_line("UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    data_line("data after the new map", buf, 0, SIZE, 26);
    GLint immutable = -1;
    glGetNamedBufferParameteriv(buf, GL_BUFFER_IMMUTABLE_STORAGE, &immutable);
    printf("%-44s %d\n", "immutable", immutable);
}

static void immutable_respecify(void)
{
    uint8_t data[SIZE];
    GLuint buf = 0;
    fill(data, 0, SIZE, 18);
    glGenBuffers(1, &buf);
    made[nmade++] = buf;
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    glBufferStorage(GL_ARRAY_BUFFER, SIZE, data,
                    GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    void_line("BufferStorage(READ|WRITE)");
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                               GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    ptr_line("MapBufferRange", p);
    glBufferData(GL_ARRAY_BUFFER, SIZE, NULL, GL_STATIC_DRAW);
    void_line("BufferData(immutable)");
    state_line("state", buf, p);
    glBufferStorage(GL_ARRAY_BUFFER, SIZE, NULL, GL_MAP_READ_BIT);
    void_line("BufferStorage(immutable)");
    glNamedBufferStorage(buf, SIZE, NULL, GL_MAP_READ_BIT);
    void_line("NamedBufferStorage(immutable)");
    state_line("state", buf, p);
    if (p)
        fill(p, 0, SIZE, 19);
    bool_line("UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    data_line("data", buf, 0, SIZE, 19);
}

static void bad_delete_while_mapped(void)
{
    GLuint buf = buffer(20);
    void *p = glMapNamedBufferRange(buf, 0, SIZE,
                                    GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    ptr_line("MapNamedBufferRange", p);
    glDeleteBuffers(-1, &buf);
    void_line("DeleteBuffers(-1)");
    GLuint names[3] = {FOREIGN, 0, FOREIGN + 1};
    glDeleteBuffers(3, names);
    void_line("DeleteBuffers(foreign, 0, foreign)");
    state_line("state", buf, p);
    if (p)
        fill(p, 0, SIZE, 21);
    bool_line("UnmapNamedBuffer", glUnmapNamedBuffer(buf));
    data_line("data", buf, 0, SIZE, 21);
}

/* Another share group has its own names: its unmap of "the same" name
 * leaves this map alone. */
static void other_context_unmap(void)
{
    GLuint buf = buffer(22);
    void *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_WRITE_BIT);
    ptr_line("MapNamedBufferRange", p);
    EGLContext other = rb_context(dpy, EGL_NO_CONTEXT);
    if (other == EGL_NO_CONTEXT ||
        !eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, other)) {
        printf("no second context\n");
        return;
    }
    bool_line("other: UnmapNamedBuffer", glUnmapNamedBuffer(buf));
    GLuint own = 0;
    glGenBuffers(1, &own);
    glBindBuffer(GL_ARRAY_BUFFER, own);
    glBufferData(GL_ARRAY_BUFFER, SIZE, NULL, GL_STATIC_DRAW);
    printf("other: same name %s\n", own == buf ? "yes" : "no");
    bool_line("other: UnmapBuffer", glUnmapBuffer(GL_ARRAY_BUFFER));
    glDeleteBuffers(1, &own);
    eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx);
    eglDestroyContext(dpy, other);
    state_line("state", buf, p);
    if (p)
        fill(p, 0, SIZE, 23);
    bool_line("UnmapNamedBuffer", glUnmapNamedBuffer(buf));
    data_line("data", buf, 0, SIZE, 23);
}

/* ---- consistency afterwards ------------------------------------------ */

static struct lowmap_stats stats(void)
{
    struct lowmap_stats st;
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    lowmap_stats(&st);
    return st;
}

static int consistent(uint64_t live_before)
{
    glDeleteBuffers((GLsizei)nmade, made);
    GLuint buf = buffer(30);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                                  GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    if (!p || (uintptr_t)p + SIZE > lowmap_limit()) {
        fprintf(stderr, "after the case: valid map gave %p\n", (void *)p);
        return 1;
    }
    for (size_t i = 0; i < SIZE; i++) {
        if (p[i] != pattern(30, i)) {
            fprintf(stderr, "after the case: byte %zu wrong\n", i);
            return 1;
        }
    }
    if (!glUnmapBuffer(GL_ARRAY_BUFFER) || glGetError() != GL_NO_ERROR) {
        fprintf(stderr, "after the case: unmap failed\n");
        return 1;
    }
    glDeleteBuffers(1, &buf);
    struct lowmap_stats st = stats();
    if (st.aliases_live != live_before || st.high_pointers != 0) {
        fprintf(stderr, "after the case: %llu views live (%llu before), "
                        "%llu high pointers\n",
                (unsigned long long)st.aliases_live,
                (unsigned long long)live_before,
                (unsigned long long)st.high_pointers);
        return 1;
    }
    return 0;
}

static const struct { const char *name; void (*run)(void); } cases[] = {
#define BAD_ENTRY(name) {#name, name},
    BAD_CASES(BAD_ENTRY)
#undef BAD_ENTRY
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bad_cases CASE native|lowmap\n");
        return 2;
    }
    bool through_lowmap = strcmp(argv[2], "lowmap") == 0;
    /* The transcript up to a crash is the clue. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (strcmp(argv[1], cases[i].name) != 0)
            continue;
        if (!rb_start(&dpy, &ctx)) {
            fprintf(stderr, "no GL context\n");
            return 1;
        }
        uint64_t live = stats().aliases_live;
        cases[i].run();
        printf("%-44s err=%#06x\n", "end", glGetError());
        fflush(stdout);
        int rc = through_lowmap ? consistent(live) : 0;
        eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        eglDestroyContext(dpy, ctx);
        eglTerminate(dpy);
        if (through_lowmap && stats().aliases_live != 0) {
            fprintf(stderr, "views live after eglTerminate\n");
            rc = 1;
        }
        return rc;
    }
    fprintf(stderr, "bad_cases: no case %s\n", argv[1]);
    return 2;
}
