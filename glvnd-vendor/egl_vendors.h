/*
 * Finding the EGL host the way libglvnd would have: the vendor JSON files
 * in the system's vendor directories, in libglvnd's order, skipping
 * lowmap's own.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_EGL_VENDORS_H
#define LOWMAP_EGL_VENDORS_H

#include <stdbool.h>

/* The directories libglvnd searches when nothing overrides them. */
#define EGL_VENDOR_DIRS "/etc/glvnd/egl_vendor.d:/usr/share/glvnd/egl_vendor.d"

/*
 * Calls @try_host with the library each vendor file names (a soname or an
 * absolute path) until it returns true; returns whether one did.  Files in
 * each directory of the ':'-separated @dirs are visited in strcmp() order
 * of their names, as libglvnd does.
 */
bool egl_vendors_each(const char *dirs,
                      bool (*try_host)(const char *library, void *arg),
                      void *arg);

/*
 * Extracts "library_path" from the text of a vendor file into @out.
 * Not a general JSON parser: libglvnd's vendor files hold one string we
 * need.  Exposed for the tests.
 */
bool egl_vendor_library_path(const char *json, char *out, unsigned outlen);

#endif /* LOWMAP_EGL_VENDORS_H */
