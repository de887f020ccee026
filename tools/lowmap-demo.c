/*
 * lowmap-demo: every GL mapping entry point, through the real libglvnd and
 * lowmap's EGL vendor on a surfaceless display (no X needed).  Prints one
 * row per map: entry point, flags, pointer, strategy, whether the mapping
 * ends below the limit, and whether data made the round trip both ways.
 * Exits non-zero if any row fails.
 *
 * lowmap's vendor must be libEGL's only vendor.  lowmap-run selects it;
 * when __EGL_VENDOR_LIBRARY_FILENAMES is unset the demo selects it itself
 * (the build tree's vendor file, else the installed one).
 *
 * Every mapping entry point comes from eglGetProcAddress, one alias at a
 * time, exactly as libglvnd hands it to an app.
 *
 * SPDX-License-Identifier: MIT
 */
#define GL_GLEXT_PROTOTYPES
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GL/gl.h>
#include <GL/glext.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lowmap.h"

#ifndef GL_MAP_CLIENT_POINTER_BIT_MESA
#define GL_MAP_CLIENT_POINTER_BIT_MESA 0x4000
#endif

#define SIZE (3 * 4096 + 123) /* odd, so views are sub-page at both ends */

enum kind { WHOLE, RANGE, NAMED_WHOLE, NAMED_RANGE, TEXTURE };

struct row {
    const char *map, *unmap, *flush, *pointer;
    enum kind kind;
    GLbitfield access; /* MapBufferRange bits (WHOLE: converted) */
    bool storage;      /* glBufferStorage with persistent bits */
    const char *needs; /* GL extension the row needs, or NULL */
};

static const struct row rows[] = {
    { "glMapBuffer", "glUnmapBuffer", NULL, "glGetBufferPointerv", WHOLE,
      GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, false, NULL },
    { "glMapBufferARB", "glUnmapBufferARB", NULL, "glGetBufferPointervARB",
      WHOLE, GL_MAP_READ_BIT, false, NULL },
    { "glMapBufferRange", "glUnmapBuffer", NULL, "glGetBufferPointerv",
      RANGE, GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, false, NULL },
    { "glMapBufferRangeEXT", "glUnmapBufferARB", NULL,
      "glGetBufferPointervARB", RANGE,
      GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_RANGE_BIT, false, NULL },
    { "glMapBufferRange", "glUnmapBuffer", "glFlushMappedBufferRange", NULL,
      RANGE, GL_MAP_WRITE_BIT | GL_MAP_FLUSH_EXPLICIT_BIT, false, NULL },
    { "glMapBufferRange", "glUnmapBuffer", "glFlushMappedBufferRangeEXT",
      NULL, RANGE,
      GL_MAP_WRITE_BIT | GL_MAP_FLUSH_EXPLICIT_BIT |
          GL_MAP_INVALIDATE_BUFFER_BIT | GL_MAP_UNSYNCHRONIZED_BIT,
      false, NULL },
    { "glMapNamedBuffer", "glUnmapNamedBuffer", NULL,
      "glGetNamedBufferPointerv", NAMED_WHOLE,
      GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, false, NULL },
    { "glMapNamedBufferEXT", "glUnmapNamedBufferEXT", NULL,
      "glGetNamedBufferPointervEXT", NAMED_WHOLE, GL_MAP_WRITE_BIT, false,
      "GL_EXT_direct_state_access" },
    { "glMapNamedBufferRange", "glUnmapNamedBuffer", NULL,
      "glGetNamedBufferPointerv", NAMED_RANGE,
      GL_MAP_READ_BIT | GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |
          GL_MAP_COHERENT_BIT,
      true, NULL },
    { "glMapNamedBufferRange", "glUnmapNamedBuffer",
      "glFlushMappedNamedBufferRange", NULL, NAMED_RANGE,
      GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_FLUSH_EXPLICIT_BIT,
      true, NULL },
    { "glMapNamedBufferRangeEXT", "glUnmapNamedBufferEXT",
      "glFlushMappedNamedBufferRangeEXT", "glGetNamedBufferPointervEXT",
      NAMED_RANGE, GL_MAP_WRITE_BIT | GL_MAP_FLUSH_EXPLICIT_BIT, false,
      "GL_EXT_direct_state_access" },
    { "glMapTexture2DINTEL", "glUnmapTexture2DINTEL", NULL, NULL, TEXTURE,
      GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, false, "GL_INTEL_map_texture" },
    /* Last: once the app donates a range, every later view goes there. */
    { "glMapNamedBufferRange", "glUnmapNamedBuffer", NULL,
      "glGetNamedBufferPointerv", NAMED_RANGE,
      GL_MAP_READ_BIT | GL_MAP_WRITE_BIT | GL_MAP_CLIENT_POINTER_BIT_MESA,
      false, "GL_MESA_map_buffer_client_pointer" },
};

static uint8_t pattern(unsigned seed, size_t i)
{
    return (uint8_t)((i * 131u + seed * 7u + (i >> 8)) & 0xff);
}

static void fill(uint8_t *p, size_t len, unsigned seed, size_t first)
{
    for (size_t i = 0; i < len; i++)
        p[i] = pattern(seed, first + i);
}

static bool check(const uint8_t *p, size_t len, unsigned seed, size_t first)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != pattern(seed, first + i))
            return false;
    return true;
}

static void *proc(const char *name)
{
    void *p = (void *)eglGetProcAddress(name);
    if (!p) {
        fprintf(stderr, "lowmap-demo: eglGetProcAddress(%s) failed\n", name);
        exit(1);
    }
    return p;
}

static bool has_ext(const char *ext)
{
    GLint n = 0;
    glGetIntegerv(GL_NUM_EXTENSIONS, &n);
    for (GLint i = 0; i < n; i++)
        if (strcmp((const char *)glGetStringi(GL_EXTENSIONS, (GLuint)i),
                   ext) == 0)
            return true;
    return false;
}

static void flags_text(const struct row *r, char *out, size_t size)
{
    static const struct { GLbitfield bit; const char *name; } names[] = {
        { GL_MAP_READ_BIT, "READ" },
        { GL_MAP_WRITE_BIT, "WRITE" },
        { GL_MAP_INVALIDATE_RANGE_BIT, "INV_RANGE" },
        { GL_MAP_INVALIDATE_BUFFER_BIT, "INV_BUF" },
        { GL_MAP_FLUSH_EXPLICIT_BIT, "FLUSH" },
        { GL_MAP_UNSYNCHRONIZED_BIT, "UNSYNC" },
        { GL_MAP_PERSISTENT_BIT, "PERSIST" },
        { GL_MAP_COHERENT_BIT, "COHERENT" },
        { GL_MAP_CLIENT_POINTER_BIT_MESA, "CLIENT" },
    };
    out[0] = '\0';
    if (r->kind == WHOLE || r->kind == NAMED_WHOLE) {
        snprintf(out, size, "%s",
                 r->access == GL_MAP_READ_BIT    ? "READ_ONLY"
                 : r->access == GL_MAP_WRITE_BIT ? "WRITE_ONLY"
                                                 : "READ_WRITE");
        return;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(r->access & names[i].bit))
            continue;
        if (out[0])
            strncat(out, "|", size - strlen(out) - 1);
        strncat(out, names[i].name, size - strlen(out) - 1);
    }
}

/* Which strategy the last map used, from the statistics' counters. */
static const char *strategy_since(const struct lowmap_stats *before)
{
    struct lowmap_stats now = { .size = sizeof(now) };
    lowmap_stats(&now);
    for (int s = 1; s < LOWMAP_STRATEGY_COUNT; s++)
        if (now.aliases_created[s] > before->aliases_created[s])
            return lowmap_strategy_name(s);
    if (now.high_pointers > before->high_pointers)
        return "none (host)";
    return "reused";
}

/* Donates a low range for the client-pointer row: memory the app owns, the
 * way a WoW64 translator owns its low 4 GiB. */
static void donate_client_range(void)
{
    typedef void(APIENTRY * add_fn)(void *, GLsizeiptr);
    size_t size = 64 * 4096;
    for (uintptr_t hint = 0x30000000u; hint < 0x7f000000u;
         hint += 0x01000000u) {
        void *p = mmap((void *)hint, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
                       0);
        if (p == MAP_FAILED)
            continue;
        ((add_fn)proc("glAddClientPointerRangeMESA"))(p, (GLsizeiptr)size);
        return;
    }
}

static GLuint make_buffer(const struct row *r)
{
    uint8_t *data = malloc(SIZE);
    GLuint buf;
    fill(data, SIZE, 1, 0);
    glGenBuffers(1, &buf);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    if (r->storage)
        glBufferStorage(GL_ARRAY_BUFFER, SIZE, data,
                        GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                            GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT);
    else
        glBufferData(GL_ARRAY_BUFFER, SIZE, data, GL_DYNAMIC_DRAW);
    free(data);
    return buf;
}

typedef void *(APIENTRY *map_fn)(GLenum, GLenum);
typedef void *(APIENTRY *map_range_fn)(GLenum, GLintptr, GLsizeiptr,
                                       GLbitfield);
typedef void *(APIENTRY *map_named_fn)(GLuint, GLenum);
typedef void *(APIENTRY *map_named_range_fn)(GLuint, GLintptr, GLsizeiptr,
                                             GLbitfield);
typedef GLboolean(APIENTRY *unmap_fn)(GLenum);
typedef GLboolean(APIENTRY *unmap_named_fn)(GLuint);
typedef void(APIENTRY *flush_fn)(GLenum, GLintptr, GLsizeiptr);
typedef void(APIENTRY *flush_named_fn)(GLuint, GLintptr, GLsizeiptr);
typedef void(APIENTRY *pointer_fn)(GLenum, GLenum, void **);
typedef void(APIENTRY *pointer_named_fn)(GLuint, GLenum, void **);
typedef void *(APIENTRY *map_texture_fn)(GLuint, GLint, GLbitfield, GLint *,
                                         GLenum *);
typedef void(APIENTRY *unmap_texture_fn)(GLuint, GLint);

struct result {
    void *ptr;
    size_t len;
    const char *strategy;
    bool low, ok;
    const char *why;
};

static struct result run_texture(const struct row *r)
{
    struct result res = { .strategy = "-", .ok = false };
    enum { W = 13, H = 7 };
    uint8_t pixels[W * H * 4];
    GLuint tex;
    GLint stride = 0;
    GLenum layout = 0;
    struct lowmap_stats before = { .size = sizeof(before) };

    fill(pixels, sizeof(pixels), 1, 0);
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, W, H, 0, GL_RGBA,
                 GL_UNSIGNED_BYTE, pixels);
    lowmap_stats(&before);
    uint8_t *p = ((map_texture_fn)proc(r->map))(tex, 0, r->access, &stride,
                                               &layout);
    res.ptr = p;
    res.strategy = strategy_since(&before);
    if (!p || stride < W * 4) {
        res.why = "map failed";
        return res;
    }
    res.len = (size_t)stride * H;
    res.low = (uintptr_t)p + res.len <= lowmap_limit();
    bool ok = true;
    for (int y = 0; y < H; y++) {
        ok = ok && check(p + y * stride, W * 4, 1, (size_t)y * W * 4);
        fill(p + y * stride, W * 4, 2, (size_t)y * W * 4);
    }
    ((unmap_texture_fn)proc(r->unmap))(tex, 0);
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
    res.ok = ok && check(pixels, sizeof(pixels), 2, 0) &&
             glGetError() == GL_NO_ERROR;
    res.why = res.ok ? NULL : "data";
    glDeleteTextures(1, &tex);
    return res;
}

static struct result run_row(const struct row *r)
{
    struct result res = { .strategy = "-" };
    bool named = r->kind == NAMED_WHOLE || r->kind == NAMED_RANGE;
    bool whole = r->kind == WHOLE || r->kind == NAMED_WHOLE;
    GLintptr off = whole ? 0 : 100;
    size_t len = whole ? SIZE : SIZE - 100 - 50;
    GLenum access_enum = r->access == GL_MAP_READ_BIT    ? GL_READ_ONLY
                         : r->access == GL_MAP_WRITE_BIT ? GL_WRITE_ONLY
                                                         : GL_READ_WRITE;
    struct lowmap_stats before = { .size = sizeof(before) };

    if (r->kind == TEXTURE)
        return run_texture(r);
    GLuint buf = make_buffer(r);
    glGetError();
    lowmap_stats(&before);
    uint8_t *p;
    switch (r->kind) {
    case WHOLE:
        p = ((map_fn)proc(r->map))(GL_ARRAY_BUFFER, access_enum);
        break;
    case RANGE:
        p = ((map_range_fn)proc(r->map))(GL_ARRAY_BUFFER, off,
                                         (GLsizeiptr)len, r->access);
        break;
    case NAMED_WHOLE:
        p = ((map_named_fn)proc(r->map))(buf, access_enum);
        break;
    default:
        p = ((map_named_range_fn)proc(r->map))(buf, off, (GLsizeiptr)len,
                                               r->access);
        break;
    }
    res.ptr = p;
    res.len = len;
    res.strategy = strategy_since(&before);
    GLenum err = glGetError();
    if (!p || err != GL_NO_ERROR) {
        res.why = "map failed";
        glDeleteBuffers(1, &buf);
        return res;
    }
    res.low = (uintptr_t)p + len <= lowmap_limit();

    bool ok = true;
    if (r->pointer) {
        void *q = NULL;
        if (named)
            ((pointer_named_fn)proc(r->pointer))(buf, GL_BUFFER_MAP_POINTER,
                                                 &q);
        else
            ((pointer_fn)proc(r->pointer))(GL_ARRAY_BUFFER,
                                           GL_BUFFER_MAP_POINTER, &q);
        if (q != p) {
            ok = false;
            res.why = "pointer query disagrees";
        }
    }
    if ((r->access & GL_MAP_READ_BIT) && !check(p, len, 1, (size_t)off)) {
        ok = false;
        res.why = "read through map";
    }
    bool write = r->access & GL_MAP_WRITE_BIT;
    if (write)
        fill(p, len, 2, (size_t)off);
    if (r->flush) {
        if (named)
            ((flush_named_fn)proc(r->flush))(buf, 0, (GLsizeiptr)len);
        else
            ((flush_fn)proc(r->flush))(GL_ARRAY_BUFFER, 0, (GLsizeiptr)len);
    }
    GLboolean unmapped =
        named ? ((unmap_named_fn)proc(r->unmap))(buf)
              : ((unmap_fn)proc(r->unmap))(GL_ARRAY_BUFFER);
    if (!unmapped || glGetError() != GL_NO_ERROR) {
        ok = false;
        res.why = "unmap";
    }
    uint8_t *back = malloc(len);
    glGetBufferSubData(GL_ARRAY_BUFFER, off, (GLsizeiptr)len, back);
    if (!check(back, len, write ? 2 : 1, (size_t)off)) {
        ok = false;
        res.why = "data after unmap";
    }
    free(back);
    glDeleteBuffers(1, &buf);
    res.ok = ok;
    return res;
}

static void select_vendor(void)
{
    if (getenv("__EGL_VENDOR_LIBRARY_FILENAMES"))
        return;
    const char *candidates[] = { LOWMAP_DEMO_EGL_JSON,
                                 LOWMAP_DEMO_EGL_JSON_INSTALLED };
    for (size_t i = 0; i < 2; i++) {
        if (access(candidates[i], R_OK) == 0) {
            setenv("__EGL_VENDOR_LIBRARY_FILENAMES", candidates[i], 1);
            unsetenv("__EGL_VENDOR_LIBRARY_DIRS");
            return;
        }
    }
}

int main(void)
{
    select_vendor();
    EGLDisplay dpy = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA,
                                           EGL_DEFAULT_DISPLAY, NULL);
    if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, NULL, NULL)) {
        fprintf(stderr, "lowmap-demo: no EGL surfaceless display\n");
        return 1;
    }
    eglBindAPI(EGL_OPENGL_API);
    static const EGLint attribs[] = {
        EGL_CONTEXT_MAJOR_VERSION, 4, EGL_CONTEXT_MINOR_VERSION, 5,
        EGL_CONTEXT_OPENGL_PROFILE_MASK,
        EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT, EGL_NONE,
    };
    EGLContext ctx = eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT,
                                      attribs);
    if (ctx == EGL_NO_CONTEXT)
        ctx = eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, NULL);
    if (ctx == EGL_NO_CONTEXT ||
        !eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
        fprintf(stderr, "lowmap-demo: no GL context (EGL error %#x)\n",
                eglGetError());
        return 1;
    }
    /* Only lowmap's layer adds this extension: proof it is in the path. */
    if (!has_ext("GL_MESA_map_buffer_client_pointer")) {
        fprintf(stderr, "lowmap-demo: lowmap's EGL vendor is not selected "
                        "(run through lowmap-run, or leave "
                        "__EGL_VENDOR_LIBRARY_FILENAMES unset)\n");
        return 1;
    }
    printf("lowmap-demo: %s, OpenGL %s, vendor file %s\n",
           (const char *)glGetString(GL_RENDERER),
           (const char *)glGetString(GL_VERSION),
           getenv("__EGL_VENDOR_LIBRARY_FILENAMES"));
    printf("limit %#lx\n\n", (unsigned long)lowmap_limit());
    printf("%-52s %-30s %-14s %-11s %-11s %s\n", "entry point", "flags",
           "pointer", "strategy", "below limit", "round trip");

    int failed = 0, run = 0;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];
        char flags[96];
        char name[96];
        flags_text(r, flags, sizeof(flags));
        snprintf(name, sizeof(name), "%s", r->map);
        if (r->flush) /* glFlushMappedX -> "+ FlushX" */
            snprintf(name, sizeof(name), "%s + Flush%s", r->map,
                     r->flush + strlen("glFlushMapped"));
        if (r->needs && !has_ext(r->needs)) {
            printf("%-52s %-30s %-14s %-11s %-11s skipped (host lacks %s)\n",
                   name, flags, "-", "-", "-", r->needs);
            continue;
        }
        /* Donated just before its row: once the app donates, lowmap
         * places every view in donated ranges. */
        if (r->access & GL_MAP_CLIENT_POINTER_BIT_MESA)
            donate_client_range();
        struct result res = run_row(r);
        run++;
        bool ok = res.ok && res.low;
        failed += !ok;
        printf("%-52s %-30s %-14p %-11s %-11s %s%s%s\n", name, flags,
               res.ptr, res.strategy, res.low ? "yes" : "NO",
               res.ok ? "ok" : "FAILED", res.why ? ": " : "",
               res.why ? res.why : "");
    }

    struct lowmap_stats st = { .size = sizeof(st) };
    lowmap_stats(&st);
    printf("\nlowmap-demo: %d maps, %s; high pointers %llu\n", run,
           failed ? "FAILURES" : "all ok",
           (unsigned long long)st.high_pointers);
    eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(dpy, ctx);
    eglTerminate(dpy);
    return failed || st.high_pointers ? 1 : 0;
}
