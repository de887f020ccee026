/*
 * bench_map: steady-state cost of map + unmap of one buffer, for comparing
 * lowmap's EGL vendor with the host alone.  Not a test: run it twice, with
 * __EGL_VENDOR_LIBRARY_FILENAMES pointing at lowmap's vendor file and at
 * the host's (see the README), and compare.
 *
 *   bench_map [data|persistent] [iterations] [size]
 *
 * SPDX-License-Identifier: MIT
 */
#include <epoxy/egl.h>
#include <epoxy/gl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    bool persistent = argc > 1 && strcmp(argv[1], "persistent") == 0;
    long iters = argc > 2 ? atol(argv[2]) : 200000;
    GLsizeiptr size = argc > 3 ? atol(argv[3]) : 65536;

    EGLDisplay dpy = eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA,
                                              EGL_DEFAULT_DISPLAY, NULL);
    if (!eglInitialize(dpy, NULL, NULL) || !eglBindAPI(EGL_OPENGL_API))
        return 1;
    EGLContext ctx =
        eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, NULL);
    if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx))
        return 1;

    GLbitfield access = GL_MAP_READ_BIT | GL_MAP_WRITE_BIT;
    GLuint buf;
    glGenBuffers(1, &buf);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    if (persistent) {
        access |= GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
        glBufferStorage(GL_ARRAY_BUFFER, size, NULL, access);
    } else {
        glBufferData(GL_ARRAY_BUFFER, size, NULL, GL_DYNAMIC_DRAW);
    }
    volatile char sink = 0;
    for (int warm = 0; warm < 2; warm++) {
        double t0 = now();
        for (long i = 0; i < iters; i++) {
            char *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, size, access);
            sink ^= p[0];
            glUnmapBuffer(GL_ARRAY_BUFFER);
        }
        double t = now() - t0;
        if (warm)
            printf("%s: %s map+unmap of %ld bytes: %.1f ns\n",
                   (const char *)glGetString(GL_RENDERER),
                   persistent ? "persistent" : "data", (long)size,
                   t * 1e9 / (double)iters);
    }
    (void)sink;
    eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglTerminate(dpy);
    return 0;
}
