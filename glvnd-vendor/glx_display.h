/*
 * Telling the GL layer when an X display closes: every GLX context on it is
 * gone then (GLX has no eglTerminate).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_GLX_DISPLAY_H
#define LOWMAP_GLX_DISPLAY_H

#include <X11/Xlib.h>

/*
 * Arranges for lowmap_gl_display_gone(@dpy) to be called when the app
 * calls XCloseDisplay(@dpy).  Cheap after the first call per display.
 * Must not be called with the display locked.
 */
void glx_display_watch(Display *dpy);

#endif /* LOWMAP_GLX_DISPLAY_H */
