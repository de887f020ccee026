/*
 * EGL set-up for the GL robustness programs that run outside Criterion
 * (the bad-input cases, forked children): a surfaceless display and a
 * desktop GL 4.5 compatibility context, with plain error returns.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_TESTS_RB_EGL_H
#define LOWMAP_TESTS_RB_EGL_H

#include <epoxy/egl.h>
#include <epoxy/gl.h>
#include <stdbool.h>

/* Initialises the display once; false when EGL refuses. */
bool rb_display(EGLDisplay *dpy);
/* A GL 4.5 compatibility context sharing with @share (or none). */
EGLContext rb_context(EGLDisplay dpy, EGLContext share);
/* Display, context, made current; false on any failure. */
bool rb_start(EGLDisplay *dpy, EGLContext *ctx);

#endif
