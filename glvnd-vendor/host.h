/*
 * Loading the host vendor library that a front door wraps.
 *
 * The host is dlopen()ed RTLD_LOCAL (its GL symbols must not interpose
 * anyone's) and RTLD_NODELETE (libglvnd may dlclose us; host code that our
 * hooks or libglvnd still point at must stay mapped).  Only called from
 * __glx_Main/__egl_Main, which libglvnd serialises.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_HOST_H
#define LOWMAP_HOST_H

#include <stdbool.h>
#include <stddef.h>

/* Our own vendor name: a host called this would be ourselves. */
#define HOST_SELF_NAME "lowmap"

/*
 * Checks a vendor name from LOWMAP_HOST or the X server: non-empty, no '/'
 * (it becomes part of a file name, as in libglvnd), not "lowmap".  Logs why
 * on failure.  @api is "GLX" or "EGL", for the log.
 */
bool host_name_ok(const char *api, const char *name);

/*
 * dlopen()s @file (a soname or a path) and finds @entry ("__glx_Main" or
 * "__egl_Main") in it.  Fails, logging why, when the file cannot be loaded,
 * lacks @entry, or is our own library (its @entry is @self_entry).
 * Returns the entry point and stores the handle in *@handle.
 */
void *host_open(const char *api, const char *file, const char *entry,
                const void *self_entry, void **handle);

#endif /* LOWMAP_HOST_H */
