/*
 * The seam between the glvnd front doors (glx.c, egl.c) and the GL layer
 * (gl/): the front doors know libglvnd and the window-system APIs, the GL
 * layer knows buffer objects.  Each vendor library links its own copy of
 * the GL layer; both share liblowmap.so.1's arena.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_GL_LAYER_H
#define LOWMAP_GL_LAYER_H

#include <stdbool.h>

/* Resolves a GL name to the host vendor's own implementation (never a
 * libglvnd dispatch stub), or NULL. */
typedef void *(*lowmap_gl_host_proc_fn)(const char *name);

/*
 * Called once per vendor library, from __glx_Main/__egl_Main, after the host
 * vendor is loaded.  Must not call into libglvnd.
 */
void lowmap_gl_init(lowmap_gl_host_proc_fn host_proc);

/*
 * getProcAddress for GL names: the hook for a hooked name, or NULL, in
 * which case the front door returns the host's pointer unchanged.  Runs
 * under libglvnd's dispatch lock: must not call into libglvnd.
 */
void *lowmap_gl_get_proc(const char *name);

/* Context life cycle, reported by the front doors after the host call
 * succeeded.  @dpy is the Display* or EGLDisplay, @share may be NULL. */
void lowmap_gl_context_created(void *dpy, void *ctx, void *share);
/* @ctx became current on the calling thread; NULL on release. */
void lowmap_gl_context_current(void *ctx);
/* The host destroyed @ctx (deferred destruction is the host's business:
 * the GL layer keeps the share group while a thread still has it current). */
void lowmap_gl_context_destroyed(void *ctx);
/* eglTerminate / display close: every context of @dpy is gone. */
void lowmap_gl_display_gone(void *dpy);

#endif /* LOWMAP_GL_LAYER_H */
