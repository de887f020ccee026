/*
 * live_exit main|thread: sets up GL through lowmap, maps buffers of every
 * kind (shadowed, placed persistent, named, target) and leaves the
 * process with all of them mapped: returning from main, or calling exit()
 * from a second thread whose own context has maps live while the main
 * thread's context has them too.  The test expects exit status 0 and the
 * LOWMAP_STATS line.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rb_egl.h"

#define SIZE (3 * 4096 + 5)

static EGLDisplay dpy;

/* Maps three buffers and writes through each; false on failure. */
static bool map_some(void)
{
    GLuint b[3];
    glCreateBuffers(3, b);
    glNamedBufferData(b[0], SIZE, NULL, GL_DYNAMIC_DRAW);
    glNamedBufferStorage(b[1], SIZE, NULL,
                         GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |
                             GL_MAP_COHERENT_BIT);
    glBindBuffer(GL_ARRAY_BUFFER, b[2]);
    glBufferData(GL_ARRAY_BUFFER, SIZE, NULL, GL_STREAM_DRAW);
    void *p[3] = {
        glMapNamedBufferRange(b[0], 0, SIZE,
                              GL_MAP_READ_BIT | GL_MAP_WRITE_BIT),
        glMapNamedBufferRange(b[1], 0, SIZE,
                              GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |
                                  GL_MAP_COHERENT_BIT),
        glMapBuffer(GL_ARRAY_BUFFER, GL_WRITE_ONLY),
    };
    for (int i = 0; i < 3; i++) {
        if (!p[i])
            return false;
        memset(p[i], 0x5a, SIZE);
    }
    return glGetError() == GL_NO_ERROR;
}

static void *exit_from_thread(void *arg)
{
    (void)arg;
    EGLContext ctx = rb_context(dpy, EGL_NO_CONTEXT);
    if (ctx == EGL_NO_CONTEXT ||
        !eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx) ||
        !map_some()) {
        fprintf(stderr, "live_exit: thread set-up failed\n");
        exit(3);
    }
    exit(0);
}

int main(int argc, char **argv)
{
    EGLContext ctx;
    if (argc != 2 || !rb_start(&dpy, &ctx) || !map_some()) {
        fprintf(stderr, "live_exit: set-up failed\n");
        return 2;
    }
    if (strcmp(argv[1], "thread") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, exit_from_thread, NULL);
        pthread_join(t, NULL);
        return 4; /* not reached */
    }
    return 0;
}
