/*
 * The guest's side of the real-translator stages: every buffer map entry
 * point with data checked both ways, flush-explicit maps, a persistent
 * coherent map that draws see while it stays mapped, and
 * GL_MESA_map_buffer_client_pointer with memory the guest donates.  Every
 * pointer the guest gets is checked against the limit it was given.
 *
 * Everything, GL 1.1 included, is resolved through env->proc: the box64
 * guest links no GL library, and the Windows guest falls back to
 * opengl32's exports itself.
 *
 * SPDX-License-Identifier: MIT
 */
#ifdef _WIN32
#include <windows.h>
#endif
#include <GL/gl.h>
#include <GL/glext.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_checks.h"

#ifndef GL_MAP_CLIENT_POINTER_BIT_MESA
#define GL_MAP_CLIENT_POINTER_BIT_MESA 0x4000
#endif

/* Entry points every check needs; missing ones fail the run. */
#define MC_FUNCS(F)                                                          \
    F(GLenum, glGetError, (void))                                            \
    F(const GLubyte *, glGetString, (GLenum))                                \
    F(void, glClear, (GLbitfield))                                           \
    F(void, glClearColor, (GLfloat, GLfloat, GLfloat, GLfloat))              \
    F(void, glColor4f, (GLfloat, GLfloat, GLfloat, GLfloat))                 \
    F(void, glViewport, (GLint, GLint, GLsizei, GLsizei))                    \
    F(void, glDrawArrays, (GLenum, GLint, GLsizei))                          \
    F(void, glReadPixels,                                                    \
      (GLint, GLint, GLsizei, GLsizei, GLenum, GLenum, void *))              \
    F(void, glEnableClientState, (GLenum))                                   \
    F(void, glVertexPointer, (GLint, GLenum, GLsizei, const void *))         \
    F(void, glGenBuffers, (GLsizei, GLuint *))                               \
    F(void, glDeleteBuffers, (GLsizei, const GLuint *))                      \
    F(void, glBindBuffer, (GLenum, GLuint))                                  \
    F(void, glBufferData, (GLenum, GLsizeiptr, const void *, GLenum))        \
    F(void, glBufferStorage, (GLenum, GLsizeiptr, const void *, GLbitfield)) \
    F(void, glGetBufferSubData, (GLenum, GLintptr, GLsizeiptr, void *))      \
    F(void, glCopyBufferSubData,                                             \
      (GLenum, GLenum, GLintptr, GLintptr, GLsizeiptr))                      \
    F(void, glGetBufferPointerv, (GLenum, GLenum, void **))                  \
    F(void, glGetNamedBufferPointerv, (GLuint, GLenum, void **))             \
    F(void *, glMapBufferRange, (GLenum, GLintptr, GLsizeiptr, GLbitfield))  \
    F(GLboolean, glUnmapBuffer, (GLenum))                                    \
    F(void, glGenFramebuffers, (GLsizei, GLuint *))                          \
    F(void, glBindFramebuffer, (GLenum, GLuint))                             \
    F(void, glGenRenderbuffers, (GLsizei, GLuint *))                         \
    F(void, glBindRenderbuffer, (GLenum, GLuint))                            \
    F(void, glRenderbufferStorage, (GLenum, GLenum, GLsizei, GLsizei))       \
    F(void, glFramebufferRenderbuffer, (GLenum, GLenum, GLenum, GLuint))     \
    F(GLenum, glCheckFramebufferStatus, (GLenum))                            \
    F(GLsync, glFenceSync, (GLenum, GLbitfield))                             \
    F(GLenum, glClientWaitSync, (GLsync, GLbitfield, GLuint64))              \
    F(void, glDeleteSync, (GLsync))

#define DECLARE(ret, name, args) static ret(APIENTRY *name##_) args;
MC_FUNCS(DECLARE)
#undef DECLARE

typedef void *(APIENTRY *map_old_fn)(GLenum, GLenum);
typedef void *(APIENTRY *map_range_fn)(GLenum, GLintptr, GLsizeiptr,
                                       GLbitfield);
typedef void *(APIENTRY *map_named_fn)(GLuint, GLenum);
typedef void *(APIENTRY *map_named_range_fn)(GLuint, GLintptr, GLsizeiptr,
                                             GLbitfield);
typedef GLboolean(APIENTRY *unmap_fn)(GLuint);
typedef void(APIENTRY *flush_fn)(GLuint, GLintptr, GLsizeiptr);
typedef void(APIENTRY *add_range_fn)(void *, GLsizeiptr);
typedef void *(APIENTRY *release_range_fn)(GLbitfield, GLsizeiptr *);

static const struct mc_env *env;
static int failures;

#define TARGET GL_ARRAY_BUFFER
#define PAGE 4096u

static void report(int ok, const char *what, const void *p, const char *why)
{
    printf("%s %s", ok ? "ok" : "FAIL", what);
    if (p)
        printf(" ptr=%#" PRIxPTR, (uintptr_t)p);
    printf("%s%s\n", why ? ": " : "", why ? why : "");
    fflush(stdout);
    failures += !ok;
}

static int resolve(void)
{
    int missing = 0;
#define RESOLVE(ret, name, args)                                             \
    name##_ = (ret(APIENTRY *) args)env->proc(#name);                        \
    if (!name##_) {                                                          \
        report(0, "resolve " #name, NULL, "entry point not found");          \
        missing++;                                                           \
    }
    MC_FUNCS(RESOLVE)
#undef RESOLVE
    return missing;
}

static uint8_t byte_at(unsigned seed, size_t i)
{
    return (uint8_t)((i * 131u + seed * 7u + (i >> 8)) & 0xff);
}

static void fill(uint8_t *p, size_t len, unsigned seed, size_t first)
{
    for (size_t i = 0; i < len; i++)
        p[i] = byte_at(seed, first + i);
}

static int holds(const uint8_t *p, size_t len, unsigned seed, size_t first)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != byte_at(seed, first + i))
            return 0;
    return 1;
}

/* NULL when the pointer is usable: not NULL, every byte below the limit. */
static const char *pointer_problem(const void *p, size_t len)
{
    uint64_t end = (uint64_t)(uintptr_t)p + len;
    if (!p)
        return "map returned NULL";
    if (env->limit && end > env->limit)
        return "pointer range ends above the limit";
    return NULL;
}

/* A buffer of @size bytes bound to TARGET, holding pattern @seed. */
static GLuint new_buffer(size_t size, unsigned seed)
{
    uint8_t *data = malloc(size);
    GLuint buf = 0;
    fill(data, size, seed, 0);
    glGenBuffers_(1, &buf);
    glBindBuffer_(TARGET, buf);
    glBufferData_(TARGET, (GLsizeiptr)size, data, GL_DYNAMIC_DRAW);
    free(data);
    return buf;
}

/* The GL's copy of [off, off+len) holds @seed. */
static int gl_holds(size_t off, size_t len, unsigned seed)
{
    uint8_t *data = malloc(len);
    glGetBufferSubData_(TARGET, (GLintptr)off, (GLsizeiptr)len, data);
    int ok = holds(data, len, seed, off);
    free(data);
    return ok;
}

enum kind { OLD, RANGE, NAMED_OLD, NAMED_RANGE };

static const struct entry {
    const char *map, *unmap, *flush;
    enum kind kind;
} entries[] = {
    {"glMapBuffer", "glUnmapBuffer", NULL, OLD},
    {"glMapBufferARB", "glUnmapBufferARB", NULL, OLD},
    {"glMapBufferRange", "glUnmapBuffer", "glFlushMappedBufferRange", RANGE},
    {"glMapNamedBuffer", "glUnmapNamedBuffer", NULL, NAMED_OLD},
    {"glMapNamedBufferEXT", "glUnmapNamedBufferEXT", NULL, NAMED_OLD},
    {"glMapNamedBufferRange", "glUnmapNamedBuffer",
     "glFlushMappedNamedBufferRange", NAMED_RANGE},
    {"glMapNamedBufferRangeEXT", "glUnmapNamedBufferEXT",
     "glFlushMappedNamedBufferRangeEXT", NAMED_RANGE},
};

static const struct access {
    const char *name;
    GLenum old;       /* for glMapBuffer-style entry points */
    GLbitfield range; /* for the range ones */
} accesses[] = {
    {"READ", GL_READ_ONLY, GL_MAP_READ_BIT},
    {"WRITE", GL_WRITE_ONLY, GL_MAP_WRITE_BIT},
    {"READ|WRITE", GL_READ_WRITE, GL_MAP_READ_BIT | GL_MAP_WRITE_BIT},
    {"WRITE|INVALIDATE_RANGE", 0,
     GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_RANGE_BIT},
    {"WRITE|INVALIDATE_BUFFER", 0,
     GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT},
};

/* Unaligned on purpose: drivers and shadows must get the edges right. */
#define BUF_SIZE (3 * PAGE + 100)
#define RANGE_OFF (PAGE + 36)
#define RANGE_LEN (PAGE + 500)

static void *map_with(const struct entry *e, void *fn, GLuint buf,
                      size_t off, size_t len, GLenum old, GLbitfield range)
{
    switch (e->kind) {
    case OLD: return ((map_old_fn)fn)(TARGET, old);
    case RANGE:
        return ((map_range_fn)fn)(TARGET, (GLintptr)off, (GLsizeiptr)len,
                                  range);
    case NAMED_OLD: return ((map_named_fn)fn)(buf, old);
    case NAMED_RANGE:
        return ((map_named_range_fn)fn)(buf, (GLintptr)off,
                                        (GLsizeiptr)len, range);
    }
    return NULL;
}

static GLboolean unmap_with(const struct entry *e, void *fn, GLuint buf)
{
    if (e->kind == NAMED_OLD || e->kind == NAMED_RANGE)
        return ((unmap_fn)fn)(buf);
    /* glUnmapBuffer(ARB) takes the target where the named ones take the
     * name; both are one GLenum/GLuint argument. */
    return ((unmap_fn)fn)(TARGET);
}

static void *map_pointer(const struct entry *e, GLuint buf)
{
    void *p = NULL;
    if (e->kind == NAMED_OLD || e->kind == NAMED_RANGE)
        glGetNamedBufferPointerv_(buf, GL_BUFFER_MAP_POINTER, &p);
    else
        glGetBufferPointerv_(TARGET, GL_BUFFER_MAP_POINTER, &p);
    return p;
}

static void check_one_map(const struct entry *e, void *map, void *unmap,
                          const struct access *a, unsigned seed, size_t size)
{
    char what[160];
    int ranged = e->kind == RANGE || e->kind == NAMED_RANGE;
    size_t off = ranged ? RANGE_OFF : 0;
    size_t len = !ranged ? size : size == BUF_SIZE ? RANGE_LEN
                                                     : size - off - 64;
    GLbitfield bits = a->range;
    const char *why = NULL;

    snprintf(what, sizeof(what), "map %s %s%s", e->map, a->name,
             size == BUF_SIZE ? "" : " (1 MiB)");
    GLuint buf = new_buffer(size, seed);
    uint8_t *p = map_with(e, map, buf, off, len, a->old, a->range);
    GLenum err = glGetError_();
    if ((why = pointer_problem(p, len)) || err != GL_NO_ERROR) {
        report(0, what, p, why ? why : "GL error after map");
        if (p)
            unmap_with(e, unmap, buf);
        glDeleteBuffers_(1, &buf);
        return;
    }
    if (map_pointer(e, buf) != p)
        why = "GL_BUFFER_MAP_POINTER differs from the map's pointer";
    else if ((bits & GL_MAP_READ_BIT) && !holds(p, len, seed, off))
        why = "mapped memory does not hold the buffer's data";
    if (bits & GL_MAP_WRITE_BIT)
        fill(p, len, seed + 1, off);
    if (!unmap_with(e, unmap, buf) && !why)
        why = "unmap returned GL_FALSE";
    if (!why && !gl_holds(off, len, (bits & GL_MAP_WRITE_BIT) ? seed + 1 : seed))
        why = "the GL does not hold what the guest left in the mapped range";
    /* Outside the range nothing may change, except that INVALIDATE_BUFFER
     * leaves it undefined; a read map must change nothing at all. */
    if (!why && !(bits & GL_MAP_INVALIDATE_BUFFER_BIT) &&
        (!gl_holds(0, off, seed) ||
         !gl_holds(off + len, size - off - len, seed)))
        why = "bytes outside the mapped range changed";
    if (!why && glGetError_() != GL_NO_ERROR)
        why = "GL error";
    report(!why, what, p, why);
    glDeleteBuffers_(1, &buf);
}

static void check_entry_points(void)
{
    unsigned seed = 1;
    for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
        const struct entry *e = &entries[i];
        void *map = env->proc(e->map), *unmap = env->proc(e->unmap);
        if (!map || !unmap) {
            report(0, e->map, NULL, "entry point not found");
            continue;
        }
        for (size_t j = 0; j < sizeof(accesses) / sizeof(accesses[0]); j++) {
            int ranged = e->kind == RANGE || e->kind == NAMED_RANGE;
            if (!ranged && !accesses[j].old)
                continue;
            check_one_map(e, map, unmap, &accesses[j], seed += 2, BUF_SIZE);
        }
        /* Large buffers come from elsewhere in the driver (their own
         * mmap rather than its heap), often higher. */
        if (e->kind == RANGE || e->kind == NAMED_OLD)
            check_one_map(e, map, unmap, &accesses[2], seed += 2,
                          (1u << 20) + 100);
    }
}

/* Only the flushed bytes are defined after unmap; they must be the guest's. */
static void check_flush_explicit(void)
{
    for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
        const struct entry *e = &entries[i];
        char what[160];
        const char *why = NULL;
        void *map, *unmap, *flush;
        if (!e->flush)
            continue;
        snprintf(what, sizeof(what), "flush-explicit %s + %s", e->map,
                 e->flush);
        map = env->proc(e->map), unmap = env->proc(e->unmap);
        flush = env->proc(e->flush);
        if (!map || !unmap || !flush) {
            report(0, what, NULL, "entry point not found");
            continue;
        }
        GLuint buf = new_buffer(BUF_SIZE, 40);
        size_t off = 100, len = 2 * PAGE + 300;
        uint8_t *p = map_with(e, map, buf, off, len, 0,
                              GL_MAP_WRITE_BIT | GL_MAP_FLUSH_EXPLICIT_BIT);
        if ((why = pointer_problem(p, len))) {
            report(0, what, p, why);
            glDeleteBuffers_(1, &buf);
            continue;
        }
        fill(p, len, 41, off);
        /* Offsets are relative to the mapped range; the target-based flush
         * takes the target, the named ones the buffer. */
        GLuint who = (e->kind == NAMED_RANGE) ? buf : TARGET;
        ((flush_fn)flush)(who, 10, 1000);
        ((flush_fn)flush)(who, PAGE + 7, 300);
        if (!unmap_with(e, unmap, buf))
            why = "unmap returned GL_FALSE";
        else if (!gl_holds(off + 10, 1000, 41) ||
                 !gl_holds(off + PAGE + 7, 300, 41))
            why = "a flushed range did not reach the GL";
        else if (!gl_holds(0, off, 40) ||
                 !gl_holds(off + len, BUF_SIZE - off - len, 40))
            why = "bytes outside the mapped range changed";
        else if (glGetError_() != GL_NO_ERROR)
            why = "GL error";
        report(!why, what, p, why);
        glDeleteBuffers_(1, &buf);
    }
}

#define FB 32

/* Draws the one point at the start of the bound vertex buffer and says
 * whether exactly pixel (x, y) came out lit. */
static int draws_point_at(int x, int y)
{
    static uint8_t px[FB * FB * 4];
    int lit = 0, right = 0;
    glClear_(GL_COLOR_BUFFER_BIT);
    glDrawArrays_(GL_POINTS, 0, 1);
    glReadPixels_(0, 0, FB, FB, GL_RGBA, GL_UNSIGNED_BYTE, px);
    for (int i = 0; i < FB * FB; i++) {
        if (px[4 * i] > 128) {
            lit++;
            right += (i == y * FB + x);
        }
    }
    return lit == 1 && right == 1;
}

static void check_persistent(void)
{
    const char *why = NULL;
    GLuint fbo, rb, vb, src;
    const GLbitfield flags = GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                             GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;

    glGenFramebuffers_(1, &fbo);
    glBindFramebuffer_(GL_FRAMEBUFFER, fbo);
    glGenRenderbuffers_(1, &rb);
    glBindRenderbuffer_(GL_RENDERBUFFER, rb);
    glRenderbufferStorage_(GL_RENDERBUFFER, GL_RGBA8, FB, FB);
    glFramebufferRenderbuffer_(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                               GL_RENDERBUFFER, rb);
    if (glCheckFramebufferStatus_(GL_FRAMEBUFFER) !=
        GL_FRAMEBUFFER_COMPLETE) {
        report(0, "persistent coherent map with draws", NULL,
               "framebuffer incomplete");
        return;
    }
    glViewport_(0, 0, FB, FB);
    glClearColor_(0, 0, 0, 1);
    glColor4f_(1, 1, 1, 1);

    glGenBuffers_(1, &vb);
    glBindBuffer_(TARGET, vb);
    glBufferStorage_(TARGET, PAGE, NULL, flags);
    float *p = glMapBufferRange_(TARGET, 0, PAGE, flags);
    if ((why = pointer_problem(p, PAGE)) || glGetError_() != GL_NO_ERROR) {
        report(0, "persistent coherent map with draws", p,
               why ? why : "GL error after map");
        return;
    }
    glVertexPointer_(2, GL_FLOAT, 0, NULL);
    glEnableClientState_(GL_VERTEX_ARRAY);
    /* The guest moves the point through the mapped pointer only; each draw
     * must see the latest write with the buffer still mapped. */
    for (int i = 0; i < 4 && !why; i++) {
        int x = 3 + 7 * i, y = 5 + 5 * i;
        p[0] = (2.0f * ((float)x + 0.5f) / FB) - 1.0f;
        p[1] = (2.0f * ((float)y + 0.5f) / FB) - 1.0f;
        if (!draws_point_at(x, y))
            why = "a draw did not see the guest's write to the mapped buffer";
    }
    /* And the other way: a GL copy into the mapped buffer reaches the
     * guest once a fence says it is done. */
    if (!why) {
        src = new_buffer(512, 50);
        glBindBuffer_(GL_COPY_READ_BUFFER, src);
        glBindBuffer_(GL_COPY_WRITE_BUFFER, vb);
        glCopyBufferSubData_(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0,
                             1024, 512);
        GLsync sync = glFenceSync_(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
        if (glClientWaitSync_(sync, GL_SYNC_FLUSH_COMMANDS_BIT,
                              5000000000ull) == GL_TIMEOUT_EXPIRED)
            why = "fence never signalled";
        else if (!holds((uint8_t *)p + 1024, 512, 50, 0))
            why = "a GL copy into the mapped buffer did not reach the guest";
        glDeleteSync_(sync);
        glDeleteBuffers_(1, &src);
        glBindBuffer_(TARGET, vb);
    }
    if (!glUnmapBuffer_(TARGET) && !why)
        why = "unmap returned GL_FALSE";
    if (!why && glGetError_() != GL_NO_ERROR)
        why = "GL error";
    report(!why, "persistent coherent map with draws", p, why);
    glDeleteBuffers_(1, &vb);
    glBindFramebuffer_(GL_FRAMEBUFFER, 0);
}

static void check_client_pointer(void)
{
    const char *what = "GL_MESA_map_buffer_client_pointer";
    const char *exts = (const char *)glGetString_(GL_EXTENSIONS);
    int listed = exts && strstr(exts, "GL_MESA_map_buffer_client_pointer");
    add_range_fn add = (add_range_fn)env->proc("glAddClientPointerRangeMESA");
    release_range_fn rel =
        (release_range_fn)env->proc("glReleaseClientPointerRangeMESA");
    const char *why = NULL;
    const size_t size = 16 * PAGE;

    printf("note %s: extension string %s it; entry points %s\n", what,
           listed ? "lists" : "does not list",
           add && rel ? "resolve" : "do not resolve");
    if (!listed || !add || !rel || !env->alloc_low) {
        printf("skip %s: not passed through to the guest\n", what);
        fflush(stdout);
        return;
    }
    uint8_t *range = env->alloc_low(size);
    if (!range || pointer_problem(range, size)) {
        report(0, what, range, "no donatable memory below the limit");
        return;
    }
    add(range, (GLsizeiptr)size);
    GLuint buf = new_buffer(BUF_SIZE, 60);
    uint8_t *p = glMapBufferRange_(TARGET, RANGE_OFF, RANGE_LEN,
                                   GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                                       GL_MAP_CLIENT_POINTER_BIT_MESA);
    if (!p || p < range || p + RANGE_LEN > range + size)
        why = "map did not land in the donated range";
    else if (!holds(p, RANGE_LEN, 60, RANGE_OFF))
        why = "mapped memory does not hold the buffer's data";
    if (p) {
        fill(p, RANGE_LEN, 61, RANGE_OFF);
        if (!glUnmapBuffer_(TARGET) && !why)
            why = "unmap returned GL_FALSE";
    }
    if (!why && !gl_holds(RANGE_OFF, RANGE_LEN, 61))
        why = "the GL does not hold the guest's writes";
    if (!why && glGetError_() != GL_NO_ERROR)
        why = "GL error";
    glDeleteBuffers_(1, &buf);
    /* The unmapped view's addresses sit in quarantine: RELEASE_ALL gives
     * the range back anyway, its contents gone. */
    GLsizeiptr back = 0;
    void *returned = rel(0x1 /* GL_CLIENT_POINTER_RELEASE_ALL_MESA */, &back);
    if (!why && (returned != range || (size_t)back != size))
        why = "the donated range did not come back";
    report(!why, what, p, why);
    env->free_low(range, size);
}

int mc_run_checks(const struct mc_env *e)
{
    env = e;
    failures = 0;
    if (resolve())
        return failures;
    printf("note renderer: %s; version: %s\n",
           (const char *)glGetString_(GL_RENDERER),
           (const char *)glGetString_(GL_VERSION));
    check_entry_points();
    check_flush_explicit();
    check_persistent();
    check_client_pointer();
    return failures;
}

static const struct bench_case {
    const char *name;
    GLbitfield access;
} bench_cases[] = {
    {"write", GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT},
    {"read", GL_MAP_READ_BIT},
    {"readwrite", GL_MAP_READ_BIT | GL_MAP_WRITE_BIT},
};

int mc_run_bench(const struct mc_env *e, int cycles, const char *only)
{
    static const size_t sizes[] = {64 * 1024, 1024 * 1024};
    env = e;
    failures = 0;
    if (resolve())
        return 1;
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        for (size_t c = 0; c < sizeof(bench_cases) / sizeof(bench_cases[0]);
             c++) {
            const struct bench_case *bc = &bench_cases[c];
            size_t size = sizes[s];
            char name[64];
            snprintf(name, sizeof(name), "%s/%zu", bc->name, size);
            if (only && strcmp(only, name))
                continue;
            GLuint buf = new_buffer(size, 70);
            unsigned sum = 0;
            int bad = 0;
            uint64_t t0 = 0;
            /* One untimed cycle first: the first map builds what later
             * ones reuse, in the driver as in lowmap. */
            for (int i = -1; i < cycles && !bad; i++) {
                if (i == 0)
                    t0 = mc_now_ns();
                uint8_t *p = glMapBufferRange_(TARGET, 0, (GLsizeiptr)size,
                                               bc->access);
                if (pointer_problem(p, size)) {
                    bad = 1;
                    break;
                }
                /* Touch every page the way an upload or a read-back does. */
                if (bc->access & GL_MAP_WRITE_BIT)
                    memset(p, (int)(i & 0xff), size);
                else
                    for (size_t k = 0; k < size; k += 64)
                        sum += p[k];
                glUnmapBuffer_(TARGET);
            }
            uint64_t ns = mc_now_ns() - t0;
            if (!bad && (bc->access & GL_MAP_WRITE_BIT)) {
                uint8_t last = 0;
                glGetBufferSubData_(TARGET, (GLintptr)size - 1, 1, &last);
                bad = last != (uint8_t)((cycles - 1) & 0xff);
            }
            if (bad)
                report(0, "bench", NULL, bc->name);
            else
                printf("bench %s %zu %d %.0f\n", bc->name, size, cycles,
                       (double)ns / cycles);
            fflush(stdout);
            glDeleteBuffers_(1, &buf);
            (void)sum;
        }
    }
    return failures;
}
