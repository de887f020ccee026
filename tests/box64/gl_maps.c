/*
 * An i386 Linux GL program for the box64 stage (built with gcc -m32): it
 * links nothing but libc and libdl, and opens libEGL or libGL with dlopen,
 * so box64 forwards every GL call to the native 64-bit libglvnd, and
 * through it to lowmap.  Then the guest map checks (tests/guest).
 *
 *   gl_maps egl|glx check [LIMIT]   every check; pointers below LIMIT (hex;
 *                                   default 4 GiB, what 32-bit code can use)
 *   gl_maps egl|glx bench CYCLES [CASE]  timed map/unmap cycles
 *   gl_maps egl exhaust [LIMIT]     fills the guest's address space, then
 *                                   maps 1 MiB buffers until a map fails:
 *                                   every pointer must end below LIMIT
 *                                   (default 2 GiB, lowmap's) and the
 *                                   failure must be GL_OUT_OF_MEMORY
 *
 * EGL uses a surfaceless display (no X); GLX needs $DISPLAY.
 * Exit status: 0 when everything passed, 1 on a failed check, 2 when no
 * context could be made.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "map_checks.h"

/* The few EGL/GLX/Xlib types and tokens used, spelled out so that the
 * program needs no 32-bit development headers beyond libc's. */
typedef void *EGLDisplay, *EGLContext, *EGLConfig;
typedef int32_t EGLint;
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#define EGL_OPENGL_API 0x30A2
#define EGL_NONE 0x3038
#define EGL_NO_SURFACE ((void *)0)

static void *(*get_proc)(const char *);

uint64_t mc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *proc(const char *name)
{
    return get_proc(name);
}

/* Memory the guest owns, as 32-bit code has it: box32 makes every mmap of
 * the guest land below 4 GiB. */
static void *alloc_low(size_t size)
{
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
    if (sizeof(void *) == 8)
        flags |= MAP_32BIT; /* a native build, for trying the checks */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void free_low(void *p, size_t size)
{
    munmap(p, size);
}

#define SYM(lib, name) dlsym(lib, name)

static int egl_context(void)
{
    void *egl = dlopen("libEGL.so.1", RTLD_NOW);
    if (!egl) {
        printf("FAIL dlopen libEGL.so.1: %s\n", dlerror());
        return -1;
    }
    void *(*get_platform_display)(unsigned, void *, const intptr_t *) =
        SYM(egl, "eglGetPlatformDisplay");
    unsigned (*initialize)(EGLDisplay, EGLint *, EGLint *) =
        SYM(egl, "eglInitialize");
    unsigned (*bind_api)(unsigned) = SYM(egl, "eglBindAPI");
    EGLContext (*create_context)(EGLDisplay, EGLConfig, EGLContext,
                                 const EGLint *) =
        SYM(egl, "eglCreateContext");
    unsigned (*make_current)(EGLDisplay, void *, void *, EGLContext) =
        SYM(egl, "eglMakeCurrent");
    get_proc = SYM(egl, "eglGetProcAddress");
    if (!get_platform_display || !initialize || !bind_api ||
        !create_context || !make_current || !get_proc) {
        printf("FAIL libEGL lacks an entry point\n");
        return -1;
    }
    EGLDisplay dpy =
        get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, NULL, NULL);
    EGLint major, minor;
    const EGLint attrs[] = {EGL_NONE};
    if (!dpy || !initialize(dpy, &major, &minor) || !bind_api(EGL_OPENGL_API))
        return printf("FAIL no surfaceless EGL display\n"), -1;
    /* EGL_KHR_no_config_context: no config, no surface. */
    EGLContext ctx = create_context(dpy, NULL, NULL, attrs);
    if (!ctx || !make_current(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx))
        return printf("FAIL no EGL context\n"), -1;
    return 0;
}

static int glx_context(void)
{
    void *x11 = dlopen("libX11.so.6", RTLD_NOW);
    void *gl = dlopen("libGL.so.1", RTLD_NOW);
    if (!x11 || !gl) {
        printf("FAIL dlopen libX11.so.6 / libGL.so.1: %s\n", dlerror());
        return -1;
    }
    void *(*open_display)(const char *) = SYM(x11, "XOpenDisplay");
    int (*default_screen)(void *) = SYM(x11, "XDefaultScreen");
    unsigned long (*root_window)(void *, int) = SYM(x11, "XRootWindow");
    void *(*choose_visual)(void *, int, int *) = SYM(gl, "glXChooseVisual");
    void *(*create_context)(void *, void *, void *, int) =
        SYM(gl, "glXCreateContext");
    int (*make_current)(void *, unsigned long, void *) =
        SYM(gl, "glXMakeCurrent");
    get_proc = SYM(gl, "glXGetProcAddressARB");
    if (!open_display || !default_screen || !root_window || !choose_visual ||
        !create_context || !make_current || !get_proc) {
        printf("FAIL libGL/libX11 lack an entry point\n");
        return -1;
    }
    void *dpy = open_display(NULL);
    if (!dpy)
        return printf("FAIL cannot open the X display\n"), -1;
    int screen = default_screen(dpy);
    int attrs[] = {4 /* GLX_RGBA */, 0 /* None */};
    void *vi = choose_visual(dpy, screen, attrs);
    void *ctx = vi ? create_context(dpy, vi, NULL, 1) : NULL;
    /* The checks draw into a framebuffer object: the root window is only
     * there to make the context current. */
    if (!ctx || !make_current(dpy, root_window(dpy, screen), ctx))
        return printf("FAIL no GLX context\n"), -1;
    return 0;
}

/*
 * box32's 4 GiB filling up.  The guest takes every free page below 4 GiB
 * (PROT_NONE, the way a large game's reservations do), gives back what
 * lies at or above @limit so the driver keeps room for its own buffers,
 * and gives back 128 MiB below it: lowmap's only room for low views.  Then
 * it maps 1 MiB buffers, keeping each mapped, until a map fails.  Every
 * pointer handed out must end below @limit, and the map that finds no room
 * must fail with GL_OUT_OF_MEMORY (LOWMAP_STRICT=1), never return a
 * pointer 32-bit code cannot use.
 */
#define CHUNK (16u << 20)
static int exhaust(uint64_t limit)
{
    typedef unsigned (*error_fn)(void);
    typedef void(*gen_fn)(int, unsigned *);
    typedef void(*bind_fn)(unsigned, unsigned);
    typedef void(*data_fn)(unsigned, intptr_t, const void *,
                                     unsigned);
    typedef void *(*map_fn)(unsigned, intptr_t, intptr_t,
                                      unsigned);
    error_fn get_error = (error_fn)proc("glGetError");
    gen_fn gen = (gen_fn)proc("glGenBuffers");
    bind_fn bind = (bind_fn)proc("glBindBuffer");
    data_fn data = (data_fn)proc("glBufferData");
    map_fn map = (map_fn)proc("glMapBufferRange");
    const intptr_t size = 1 << 20;
    static char *taken[4096];
    int n_taken = 0, kept = 0, freed_low = 0;

    if (!get_error || !gen || !bind || !data || !map)
        return printf("FAIL exhaustion: entry points\n"), 1;
    /* Wherever box32 places it, then every free chunk by address, which
     * also reaches the holes its own placement skips. */
    for (void *p; n_taken < 4096 &&
                  (p = mmap(NULL, CHUNK, PROT_NONE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                            0)) != MAP_FAILED;)
        taken[n_taken++] = p;
    for (uint64_t a = CHUNK; a + CHUNK <= 0x100000000ull && n_taken < 4096;
         a += CHUNK) {
        void *p = mmap((void *)(uintptr_t)a, CHUNK, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                           MAP_FIXED_NOREPLACE,
                       -1, 0);
        if (p == (void *)(uintptr_t)a)
            taken[n_taken++] = p;
        else if (p != MAP_FAILED)
            munmap(p, CHUNK); /* a kernel without FIXED_NOREPLACE */
    }
    /* Highest first: give back everything at or above the limit, then the
     * first 128 MiB below it. */
    for (int i = 0; i < n_taken; i++) {
        for (int j = i + 1; j < n_taken; j++)
            if (taken[j] > taken[i]) {
                char *t = taken[i];
                taken[i] = taken[j], taken[j] = t;
            }
        if ((uint64_t)(uintptr_t)taken[i] + CHUNK > limit ||
            freed_low < 8) {
            freed_low += (uint64_t)(uintptr_t)taken[i] + CHUNK <= limit;
            munmap(taken[i], CHUNK);
        } else {
            kept++;
        }
    }
    printf("note exhaustion: the guest holds %d MiB of its address space, "
           "%d MiB free below %#llx\n",
           kept * 16, freed_low * 16, (unsigned long long)limit);
    for (int n = 0; n < 8192; n++) {
        unsigned buf;
        gen(1, &buf);
        bind(0x8892 /* GL_ARRAY_BUFFER */, buf);
        data(0x8892, size, NULL, 0x88E8 /* GL_DYNAMIC_DRAW */);
        unsigned err = get_error();
        if (err) {
            printf("FAIL exhaustion: glBufferData %d failed with %#x: the "
                   "driver ran out first\n", n + 1, err);
            return 1;
        }
        /* WRITE|INVALIDATE_BUFFER: room is what runs out, not time. */
        char *p = map(0x8892, 0, size, 0x0002 | 0x0008);
        err = get_error();
        if (!p) {
            int ok = err == 0x0505 /* GL_OUT_OF_MEMORY */ && n > 0;
            printf("%s exhaustion: map %d of 1 MiB failed with %#x after "
                   "%d MiB mapped below the limit\n",
                   ok ? "ok" : "FAIL", n + 1, err, n);
            return !ok;
        }
        if ((uint64_t)(uintptr_t)p + (uint64_t)size > limit) {
            printf("FAIL exhaustion: map %d at %p ends above %#llx\n", n + 1,
                   (void *)p, (unsigned long long)limit);
            return 1;
        }
        p[0] = p[size - 1] = 1; /* the guest can use all of it */
    }
    printf("FAIL exhaustion: 8 GiB mapped without running out\n");
    return 1;
}

int main(int argc, char **argv)
{
    const char *api = argc > 1 ? argv[1] : "egl";
    const char *mode = argc > 2 ? argv[2] : "check";
    struct mc_env env = {.proc = proc,
                         /* what 32-bit code can use */
                         .limit = sizeof(void *) == 4 ? 0x100000000ull : 0,
                         .alloc_low = alloc_low,
                         .free_low = free_low};
    int failed;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if ((strcmp(api, "glx") ? egl_context() : glx_context()) < 0)
        return 2;
    if (!strcmp(mode, "exhaust"))
        return exhaust(argc > 3 ? strtoull(argv[3], NULL, 16) : 0x80000000u);
    if (!strcmp(mode, "bench"))
        return mc_run_bench(&env, argc > 3 ? atoi(argv[3]) : 200,
                            argc > 4 ? argv[4] : NULL) ? 1 : 0;
    if (argc > 3)
        env.limit = strtoull(argv[3], NULL, 16);
    printf("note %d-bit guest through %s, limit %#llx\n",
           (int)sizeof(void *) * 8, api, (unsigned long long)env.limit);
    failed = mc_run_checks(&env);
    printf("gl_maps: %d failed\n", failed);
    return failed ? 1 : 0;
}
