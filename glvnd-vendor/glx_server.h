/*
 * Asking the X server which GLX vendor drives a screen, without libGLX.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_GLX_SERVER_H
#define LOWMAP_GLX_SERVER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Reads GLX_VENDOR_NAMES_EXT (space-separated vendor names) for the default
 * screen of $DISPLAY into @out.  Returns false when there is no X server,
 * no GLX, or the server does not know the query.
 *
 * It opens a private xcb connection and speaks the GLX request itself:
 * __glx_Main runs inside libGLX with its vendor lock held, and going
 * through glXQueryServerString (or anything else in libGLX) would re-enter
 * it.  The app may later use another display than $DISPLAY; the vendor
 * libGLX loads serves the whole process anyway, so $DISPLAY's answer is
 * the best guess there is, and LOWMAP_HOST overrides it.
 */
bool glx_server_vendor_names(char *out, size_t outlen);

#endif /* LOWMAP_GLX_SERVER_H */
