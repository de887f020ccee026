/*
 * SPDX-License-Identifier: MIT
 */
#include "rb_egl.h"

bool rb_display(EGLDisplay *dpy)
{
    *dpy = eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA,
                                    EGL_DEFAULT_DISPLAY, NULL);
    return *dpy != EGL_NO_DISPLAY && eglInitialize(*dpy, NULL, NULL);
}

EGLContext rb_context(EGLDisplay dpy, EGLContext share)
{
    static const EGLint attribs[] = {
        EGL_CONTEXT_MAJOR_VERSION, 4, EGL_CONTEXT_MINOR_VERSION, 5,
        EGL_CONTEXT_OPENGL_PROFILE_MASK,
        EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT,
        EGL_NONE,
    };
    /* The bound API is per thread. */
    if (!eglBindAPI(EGL_OPENGL_API))
        return EGL_NO_CONTEXT;
    return eglCreateContext(dpy, EGL_NO_CONFIG_KHR, share, attribs);
}

bool rb_start(EGLDisplay *dpy, EGLContext *ctx)
{
    if (!rb_display(dpy))
        return false;
    *ctx = rb_context(*dpy, EGL_NO_CONTEXT);
    return *ctx != EGL_NO_CONTEXT &&
           eglMakeCurrent(*dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, *ctx);
}
