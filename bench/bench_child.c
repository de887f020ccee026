/*
 * One configuration of lowmap-bench: every case timed on one EGL
 * surfaceless context, through whatever EGL vendor the parent selected,
 * each case step by step as the parent says (see await_turn()): its set-up
 * (the buffer, the first maps, the batch size), then each of its batches.
 *
 * Each map writes (or reads) one 8-byte word in each of the pages it
 * touches, spread evenly over the range: one page, a tenth of them, or
 * all.  The time is per map + unmap pair (per write + draw for persistent
 * maps), the best of three batches of about 10 ms each, every other
 * configuration running a batch of the same case between two of them.
 *
 * With LOWMAP_BENCH_WINE=table, the host's map pointer goes through Wine's
 * WoW64 copy path as dlls/opengl32/unix_wgl.c does it: under one lock, map,
 * unmap and flush each ask the GL for the bound buffer and look it up in
 * a per-context tree of the buffers Wine copies for; a pointer that fits
 * in 32 bits is used as is; otherwise the whole range is copied to a low
 * buffer unless the map invalidates, and the whole range goes back at
 * unmap for write maps.  With LOWMAP_BENCH_WINE=min, the same copies with
 * none of that bookkeeping: at unmap the GL is asked for the map pointer,
 * length and access flags instead.  The low buffer is kept per case, as
 * Wine keeps it per buffer while it is large enough.  Wine has no copy
 * path for persistent maps.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <epoxy/egl.h>
#include <epoxy/gl.h>
#include <pthread.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "lowmap.h"

#define PAGE 4096

enum mode { READ, WRITE_INV, READ_WRITE, WRITE_FLUSH, PERSISTENT, MODES };

static const struct {
    const char *name;
    GLbitfield bits;
} modes[MODES] = {
    [READ] = {"read", GL_MAP_READ_BIT},
    [WRITE_INV] = {"write+invalidate",
                   GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_RANGE_BIT},
    [READ_WRITE] = {"read/write", GL_MAP_READ_BIT | GL_MAP_WRITE_BIT},
    [WRITE_FLUSH] = {"write+flush-explicit",
                     GL_MAP_WRITE_BIT | GL_MAP_FLUSH_EXPLICIT_BIT},
    [PERSISTENT] = {"persistent+draw",
                    GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                        GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT},
};

struct bcase {
    size_t size;
    enum mode mode;
    size_t touched; /* pages written (or read) per map */
    char *persistent; /* the map, for PERSISTENT */
    char *wine_low;   /* Wine's low buffer */
};

/* Which of Wine's copy paths runs around each map, if any. */
static enum { WINE_OFF, WINE_TABLE, WINE_MIN } wine;

/* Wine's side: the buffers it copies for, by name, and its lock. */
struct wine_buffer {
    GLuint name;
    char *host;  /* the host's map pointer while mapped */
    size_t copy; /* bytes to copy back at unmap */
};
static void *wine_buffers;
static pthread_mutex_t wine_lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "lowmap-bench: %s (GL error %#x)\n", what, glGetError());
    exit(1);
}

/* Writes, or reads, one word in each touched page. */
static unsigned touch(const struct bcase *c, char *p, long iter)
{
    size_t pages = c->size / PAGE, stride = pages / c->touched;
    unsigned sum = 0;

    for (size_t i = 0; i < c->touched; i++) {
        uint64_t *w = (uint64_t *)(p + i * stride * PAGE + 64);
        if (c->mode == READ)
            sum += (unsigned)*(volatile uint64_t *)w;
        else
            *(volatile uint64_t *)w = (uint64_t)iter + i;
    }
    return sum;
}

static bool wine_needs_copy(const void *p)
{
    return (uintptr_t)p != (uint32_t)(uintptr_t)p;
}

static int wine_cmp(const void *a, const void *b)
{
    GLuint x = *(const GLuint *)a, y = *(const GLuint *)b;
    return (x > y) - (x < y);
}

/* The bound buffer, as Wine finds it; @add: make its entry if missing. */
static struct wine_buffer *wine_find(bool add)
{
    GLint name = 0;
    void *hit;

    glGetIntegerv(GL_ARRAY_BUFFER_BINDING, &name);
    if (!name)
        return NULL;
    if ((hit = tfind(&name, &wine_buffers, wine_cmp)))
        return *(struct wine_buffer **)hit;
    if (!add)
        return NULL;
    struct wine_buffer *b = calloc(1, sizeof(*b));
    if (!b || !(hit = tsearch(b, &wine_buffers, wine_cmp)))
        die("no memory for Wine's buffer table");
    b->name = (GLuint)name;
    return b;
}

static void wine_forget(GLuint name)
{
    void *hit = tfind(&name, &wine_buffers, wine_cmp);

    if (hit) {
        struct wine_buffer *b = *(struct wine_buffer **)hit;
        tdelete(&name, &wine_buffers, wine_cmp);
        free(b);
    }
}

static void flush_range(GLintptr off, GLsizeiptr len)
{
    if (wine == WINE_TABLE) {
        pthread_mutex_lock(&wine_lock);
        wine_find(false);
        glFlushMappedBufferRange(GL_ARRAY_BUFFER, off, len);
        pthread_mutex_unlock(&wine_lock);
        return;
    }
    glFlushMappedBufferRange(GL_ARRAY_BUFFER, off, len);
}

static void flush_touched(const struct bcase *c)
{
    size_t pages = c->size / PAGE, stride = pages / c->touched;

    if (c->touched == pages) {
        flush_range(0, (GLsizeiptr)c->size);
        return;
    }
    for (size_t i = 0; i < c->touched; i++)
        flush_range((GLintptr)(i * stride * PAGE + 64), 8);
}

/* The pointer the app gets for @host: Wine's low copy where it needs one. */
static char *wine_map(struct bcase *c, char *host, GLbitfield bits,
                      struct wine_buffer *b)
{
    if (!wine_needs_copy(host))
        return host;
    if (b) {
        b->host = host;
        b->copy = (bits & GL_MAP_WRITE_BIT) ? c->size : 0;
    }
    if (!(bits & GL_MAP_INVALIDATE_RANGE_BIT))
        memcpy(c->wine_low, host, c->size);
    return c->wine_low;
}

static void wine_unmap(const struct bcase *c, const char *app)
{
    if (wine == WINE_TABLE) {
        struct wine_buffer *b = wine_find(false);
        if (b && b->host && b->copy)
            memcpy(b->host, c->wine_low, b->copy);
        if (b)
            b->host = NULL;
        return;
    }
    if (app != c->wine_low)
        return;
    void *ptr;
    GLint len, flags;
    glGetBufferPointerv(GL_ARRAY_BUFFER, GL_BUFFER_MAP_POINTER, &ptr);
    glGetBufferParameteriv(GL_ARRAY_BUFFER, GL_BUFFER_MAP_LENGTH, &len);
    glGetBufferParameteriv(GL_ARRAY_BUFFER, GL_BUFFER_ACCESS_FLAGS, &flags);
    if (flags & GL_MAP_WRITE_BIT)
        memcpy(ptr, app, (size_t)len);
}

static unsigned map_unmap(struct bcase *c, long iter)
{
    GLbitfield bits = modes[c->mode].bits;
    struct wine_buffer *b = NULL;
    char *host, *app;
    unsigned sum;

    if (wine == WINE_TABLE) {
        pthread_mutex_lock(&wine_lock);
        b = wine_find(true);
    }
    host = glMapBufferRange(GL_ARRAY_BUFFER, 0, (GLsizeiptr)c->size, bits);
    if (!host)
        die("map failed");
    app = wine ? wine_map(c, host, bits, b) : host;
    if (wine == WINE_TABLE)
        pthread_mutex_unlock(&wine_lock);
    sum = touch(c, app, iter);
    if (c->mode == WRITE_FLUSH)
        flush_touched(c);
    if (wine == WINE_TABLE)
        pthread_mutex_lock(&wine_lock);
    if (wine)
        wine_unmap(c, app);
    if (!glUnmapBuffer(GL_ARRAY_BUFFER))
        die("unmap failed");
    if (wine == WINE_TABLE)
        pthread_mutex_unlock(&wine_lock);
    return sum;
}

static unsigned write_draw(struct bcase *c, long iter)
{
    touch(c, c->persistent, iter);
    glDrawArrays(GL_POINTS, 0, 1);
    return 0;
}

static unsigned run_one(struct bcase *c, long iter)
{
    return c->mode == PERSISTENT ? write_draw(c, iter) : map_unmap(c, iter);
}

/* Batches per case, each in a step of its own: between two batches of a
 * configuration every other one runs a batch of the same case, so that
 * a slow spell of the machine, which may last a few batches, falls on
 * all of them alike. */
#define BATCHES 3

/*
 * The first maps of a buffer may cost far more than the rest (a shadow
 * filled, storage moved): they run before the batch size is chosen, or a
 * batch would be a few iterations long.  Batches last about 10 ms.
 */
static long batch_size(struct bcase *c)
{
    volatile unsigned sink = 0;
    long n = 1;

    for (int i = 0; i < 4; i++)
        sink += run_one(c, i);
    for (;;) {
        double t0 = now();
        for (long i = 0; i < n; i++)
            sink += run_one(c, i);
        double t = now() - t0;
        if (t > 0.002 || n >= 1 << 20)
            return (long)((double)n * 0.01 / t) + 1;
        n *= 4;
    }
}

/* Nanoseconds per iteration over one batch of @n. */
static double time_batch(struct bcase *c, long n)
{
    volatile unsigned sink = 0;
    double t0 = now();

    for (long i = 0; i < n; i++)
        sink += run_one(c, i);
    (void)sink;
    return (now() - t0) / (double)n * 1e9;
}

/* Whether lowmap's vendor runs this configuration: only then are its
 * counters read (the first read sets lowmap up, arena and all). */
static bool ours;

static void stats_now(struct lowmap_stats *s)
{
    memset(s, 0, sizeof(*s));
    s->size = sizeof(*s);
    if (ours)
        lowmap_stats(s);
}

/* The case's time, and which kinds of low views lowmap made for it since
 * @before ("host" where it made none: the host's pointer served, or the
 * host alone ran). */
static void report(const char *name, double ns,
                   const struct lowmap_stats *before)
{
    struct lowmap_stats after;
    char served[96] = "";

    stats_now(&after);
    for (int i = LOWMAP_STRATEGY_PASSTHROUGH; i < LOWMAP_STRATEGY_COUNT; i++) {
        if (after.aliases_created[i] == before->aliases_created[i])
            continue;
        size_t at = strlen(served);
        snprintf(served + at, sizeof(served) - at, "%s%s", at ? "," : "",
                 lowmap_strategy_name(i));
    }
    printf("case %.1f %s\nserved %s %s\n", ns, name,
           served[0] ? served : "host", name);
    fflush(stdout);
}

static GLuint new_buffer(const struct bcase *c)
{
    GLuint buf;
    char *init = calloc(1, c->size);

    glGenBuffers(1, &buf);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    if (c->mode == PERSISTENT)
        glBufferStorage(GL_ARRAY_BUFFER, (GLsizeiptr)c->size, init,
                        modes[PERSISTENT].bits);
    else
        glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)c->size, init,
                     GL_DYNAMIC_DRAW);
    free(init);
    return buf;
}

static void size_name(size_t size, char *out, size_t n)
{
    if (size >= (1u << 20))
        snprintf(out, n, "%zuM", size >> 20);
    else
        snprintf(out, n, "%zuK", size >> 10);
}

static void case_name(size_t size, enum mode mode, const char *label,
                      char *out, size_t n)
{
    char sz[16];

    size_name(size, sz, sizeof(sz));
    snprintf(out, n, "%s %s %s", sz, modes[mode].name, label);
}

/* Whether --cases left the case out: every child skips the same ones, so
 * that their steps stay in line. */
static bool left_out(size_t size, enum mode mode, const char *label)
{
    const char *want = getenv("LOWMAP_BENCH_CASES");
    char name[96];

    if (!want)
        return false;
    case_name(size, mode, label, name, sizeof(name));
    return !strstr(name, want);
}

/*
 * The parent runs one child per configuration side by side and steps them
 * in turn: a step (a case's set-up, or one batch of it) starts when a byte
 * comes on stdin and ends with a "step" line.  Every child takes the same
 * steps, so the same case of every configuration runs within moments of
 * the others, batch by batch.  A child whose parent has gone just exits.
 */
static void await_turn(void)
{
    char go;

    if (read(STDIN_FILENO, &go, 1) != 1)
        exit(0);
}

static void end_step(void)
{
    /* llvmpipe draws on threads of its own: none may still run while the
     * next child times its case. */
    glFinish();
    printf("step\n");
    fflush(stdout);
}

/* A case being timed, step by step. */
struct timed_case {
    struct bcase c;
    struct lowmap_stats before;
    GLuint buf;
    bool skipped; /* a case this configuration does not run */
    long n;       /* iterations per batch */
    double best;  /* the best batch so far, ns per iteration */
};

static void case_begin(struct timed_case *t, size_t size, enum mode mode,
                       size_t touched)
{
    struct bcase *c = &t->c;

    *t = (struct timed_case){
        .c = {.size = size, .mode = mode, .touched = touched},
        .best = 1e30,
    };
    /* Wine hides persistent storage without interop. */
    if ((t->skipped = wine && mode == PERSISTENT))
        return;
    stats_now(&t->before);
    t->buf = new_buffer(c);
    /* Only Wine's path needs it: low memory is what lowmap's arena uses. */
    c->wine_low = wine ? mmap(NULL, size, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0)
                       : NULL;
    if (c->wine_low == MAP_FAILED)
        die("no low memory for the copy path");
    if (mode == PERSISTENT) {
        c->persistent = glMapBufferRange(GL_ARRAY_BUFFER, 0,
                                         (GLsizeiptr)size,
                                         modes[PERSISTENT].bits);
        if (!c->persistent)
            die("persistent map failed");
        glVertexAttribPointer(0, 4, GL_FLOAT, GL_FALSE, 0, NULL);
        glEnableVertexAttribArray(0);
    }
    t->n = batch_size(c);
}

static void case_batch(struct timed_case *t)
{
    if (t->skipped)
        return;
    double ns = time_batch(&t->c, t->n);
    if (ns < t->best)
        t->best = ns;
}

/* Reports the best batch as the case's time, then tears it down. */
static void case_end(struct timed_case *t, const char *label)
{
    struct bcase *c = &t->c;
    char name[96];

    if (t->skipped)
        return;
    case_name(c->size, c->mode, label, name, sizeof(name));
    report(name, t->best, &t->before);
    if (c->mode == PERSISTENT) {
        glDisableVertexAttribArray(0);
        glUnmapBuffer(GL_ARRAY_BUFFER);
    }
    glDeleteBuffers(1, &t->buf);
    wine_forget(t->buf); /* as Wine's glDeleteBuffers does */
    if (c->wine_low)
        munmap(c->wine_low, c->size);
}

/* The batches of a case begun, each a step; the last one ends it. */
static void case_steps(struct timed_case *t, const char *label)
{
    for (int b = 0; b < BATCHES; b++) {
        await_turn();
        case_batch(t);
        if (b == BATCHES - 1)
            case_end(t, label);
        end_step();
    }
}

static void map_case(size_t size, enum mode mode, size_t touched,
                     const char *label)
{
    struct timed_case t;

    if (left_out(size, mode, label))
        return;
    await_turn();
    case_begin(&t, size, mode, touched);
    end_step();
    case_steps(&t, label);
}

/* 64 KiB read/write maps, one page written, with @live other buffers of
 * 4 KiB alive, each mapped and unmapped once. */
static void live_case(long live)
{
    GLuint *bufs = calloc((size_t)live, sizeof(*bufs));
    long others = live - 1; /* the measured buffer is one of them */
    struct timed_case t;
    char label[32];

    snprintf(label, sizeof(label), "1p live=%ld", live);
    if (left_out(64 << 10, READ_WRITE, label)) {
        free(bufs);
        return;
    }
    await_turn();
    glGenBuffers((GLsizei)others, bufs);
    for (long i = 0; i < others; i++) {
        glBindBuffer(GL_ARRAY_BUFFER, bufs[i]);
        glBufferData(GL_ARRAY_BUFFER, PAGE, NULL, GL_DYNAMIC_DRAW);
        char *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, PAGE,
                                   GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
        if (p)
            p[0] = 1;
        if (wine == WINE_TABLE)
            wine_find(true); /* Wine's table holds every buffer mapped */
        glUnmapBuffer(GL_ARRAY_BUFFER);
    }
    case_begin(&t, 64 << 10, READ_WRITE, 1);
    end_step();
    case_steps(&t, label);
    await_turn();
    glDeleteBuffers((GLsizei)others, bufs);
    for (long i = 0; i < others; i++)
        wine_forget(bufs[i]);
    free(bufs);
    end_step();
}

int bench_child(bool quick)
{
    static const size_t sizes[] = {4 << 10, 64 << 10, 1 << 20, 16 << 20};
    static const long lives[] = {1, 1000, 100000};
    EGLDisplay dpy = eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA,
                                              EGL_DEFAULT_DISPLAY, NULL);
    static const EGLint attribs[] = {
        EGL_CONTEXT_MAJOR_VERSION, 4, EGL_CONTEXT_MINOR_VERSION, 5,
        EGL_CONTEXT_OPENGL_PROFILE_MASK,
        EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT, EGL_NONE,
    };
    EGLContext ctx;

    const char *w = getenv("LOWMAP_BENCH_WINE");
    ours = getenv("LOWMAP_BENCH_OURS") != NULL;
    wine = !w ? WINE_OFF : strcmp(w, "min") == 0 ? WINE_MIN : WINE_TABLE;
    if (!eglInitialize(dpy, NULL, NULL) || !eglBindAPI(EGL_OPENGL_API) ||
        !(ctx = eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT,
                                 attribs)) ||
        !eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
        fprintf(stderr, "lowmap-bench: no EGL surfaceless GL 4.5 context\n");
        return 1;
    }
    printf("renderer %s\n", (const char *)glGetString(GL_RENDERER));
    end_step(); /* set up: the first step */
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t size = sizes[s], pages = size / PAGE;
        if (quick && size > (1 << 20))
            continue;
        for (int m = 0; m < MODES; m++) {
            if (m == READ) {
                map_case(size, READ, pages, "all");
                continue;
            }
            map_case(size, (enum mode)m, 1, "1p");
            if (pages >= 10)
                map_case(size, (enum mode)m, pages / 10, "10%");
            if (pages > 1)
                map_case(size, (enum mode)m, pages, "all");
        }
    }
    for (size_t l = 0; l < sizeof(lives) / sizeof(lives[0]); l++)
        if (!quick || lives[l] <= 1000)
            live_case(lives[l]);
    /* Told of the end at the next turn; torn down once every child is. */
    await_turn();
    printf("end\n");
    fflush(stdout);
    while (read(STDIN_FILENO, &(char){0}, 1) > 0)
        continue;
    eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(dpy, ctx);
    eglTerminate(dpy);
    return 0;
}
