/*
 * EGL surfaceless set-up shared by the EGL front-door tests.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_EGL_UTIL_H
#define LOWMAP_EGL_UTIL_H

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <criterion/criterion.h>

static inline EGLDisplay egl_surfaceless(void)
{
    EGLDisplay dpy = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA,
                                           EGL_DEFAULT_DISPLAY, NULL);
    EGLint major, minor;

    cr_assert_neq(dpy, EGL_NO_DISPLAY, "no surfaceless display: %#x",
                  eglGetError());
    cr_assert(eglInitialize(dpy, &major, &minor), "eglInitialize: %#x",
              eglGetError());
    cr_assert(eglBindAPI(EGL_OPENGL_API));
    return dpy;
}

/* A desktop GL context without config or surface. */
static inline EGLContext egl_context(EGLDisplay dpy, EGLContext share)
{
    EGLContext ctx =
        eglCreateContext(dpy, EGL_NO_CONFIG_KHR, share, NULL);

    cr_assert_neq(ctx, EGL_NO_CONTEXT, "eglCreateContext: %#x",
                  eglGetError());
    return ctx;
}

static inline void egl_current(EGLDisplay dpy, EGLContext ctx)
{
    cr_assert(eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx),
              "eglMakeCurrent: %#x", eglGetError());
}

#endif /* LOWMAP_EGL_UTIL_H */
