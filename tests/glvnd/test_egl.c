/*
 * The EGL front door wrapping Mesa (llvmpipe), through the real libglvnd,
 * on a surfaceless display: nothing here needs X.
 *
 * SPDX-License-Identifier: MIT
 */
#define GL_GLEXT_PROTOTYPES
#include <GL/gl.h>
#include <GL/glext.h>
#include <pthread.h>

#include "door_util.h"
#include "egl_util.h"

static const char *renderer(void)
{
    const char *r = (const char *)glGetString(GL_RENDERER);
    return r ? r : "(null)";
}

Test(egl_mesa, loads_lowmap_in_front_of_mesa)
{
    EGLDisplay dpy = egl_surfaceless();

    cr_expect(door_mapped("libEGL_lowmap.so.0"));
    cr_expect(door_mapped("libEGL_mesa.so.0"));
    cr_expect(door_mapped("liblowmap.so.1"));
    cr_expect_str_eq(eglQueryString(dpy, EGL_VENDOR), "Mesa Project");
    /* getVendorString is forwarded: libEGL still sees Mesa's platforms. */
    cr_expect(strstr(eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS),
                     "EGL_MESA_platform_surfaceless"));
    eglTerminate(dpy);
}

Test(egl_mesa, context_round_trips_reach_the_hooks)
{
    struct door_capture cap;
    EGLDisplay dpy;
    char *log;

    setenv("LOWMAP_DEBUG", "trace", 1);
    door_capture_begin(&cap);
    dpy = egl_surfaceless();
    for (int round = 0; round < 3; round++) {
        EGLContext ctx = egl_context(dpy, EGL_NO_CONTEXT);
        egl_current(dpy, ctx);
        cr_expect(strstr(renderer(), "llvmpipe"), "renderer %s", renderer());
        egl_current(dpy, EGL_NO_CONTEXT);
        cr_expect(eglDestroyContext(dpy, ctx));
    }
    cr_expect(eglTerminate(dpy));
    /* A terminated display initialises again. */
    dpy = egl_surfaceless();
    egl_current(dpy, egl_context(dpy, EGL_NO_CONTEXT));
    cr_expect(strstr(renderer(), "llvmpipe"));
    cr_expect(eglReleaseThread());
    cr_expect_eq(eglGetCurrentContext(), EGL_NO_CONTEXT);
    log = door_capture_end(&cap);

    cr_expect(strstr(log, "lowmap: info: EGL: wrapping host vendor"));
    cr_expect(strstr(log, "lowmap: trace: eglCreateContext("));
    cr_expect(strstr(log, "lowmap: trace: eglMakeCurrent("));
    cr_expect(strstr(log, "lowmap: trace: eglMakeCurrent(") &&
              strstr(log, ", (nil)) = 1"), "release not seen");
    cr_expect(strstr(log, "lowmap: trace: eglDestroyContext("));
    cr_expect(strstr(log, "lowmap: trace: eglTerminate("));
    cr_expect(strstr(log, "lowmap: trace: eglReleaseThread() = 1"));
    free(log);
}

Test(egl_mesa, shared_contexts_share_objects)
{
    EGLDisplay dpy = egl_surfaceless();
    EGLContext a = egl_context(dpy, EGL_NO_CONTEXT);
    EGLContext b = egl_context(dpy, a);
    GLuint buf;

    egl_current(dpy, a);
    glGenBuffers(1, &buf);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    glBufferData(GL_ARRAY_BUFFER, 64, NULL, GL_STATIC_DRAW);
    glFinish();
    egl_current(dpy, b);
    cr_expect(glIsBuffer(buf));
    egl_current(dpy, EGL_NO_CONTEXT);
    cr_expect(eglDestroyContext(dpy, b));
    cr_expect(eglDestroyContext(dpy, a));
    eglTerminate(dpy);
}

static void *thread_round_trips(void *arg)
{
    EGLDisplay dpy = arg;
    intptr_t ok = 1;

    for (int i = 0; i < 20 && ok; i++) {
        EGLContext ctx = eglCreateContext(dpy, EGL_NO_CONFIG_KHR,
                                          EGL_NO_CONTEXT, NULL);
        const char *r;

        ok = ctx != EGL_NO_CONTEXT &&
             eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx);
        r = ok ? (const char *)glGetString(GL_RENDERER) : NULL;
        ok = ok && r && strstr(r, "llvmpipe") &&
             eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                            EGL_NO_CONTEXT) &&
             eglDestroyContext(dpy, ctx);
    }
    eglReleaseThread();
    return (void *)ok;
}

Test(egl_mesa, threads_make_their_own_contexts_current)
{
    EGLDisplay dpy = egl_surfaceless();
    pthread_t t[4];

    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, thread_round_trips, dpy), 0);
    for (int i = 0; i < 4; i++) {
        void *ok;
        pthread_join(t[i], &ok);
        cr_expect(ok, "thread %d failed", i);
    }
    eglTerminate(dpy);
}
