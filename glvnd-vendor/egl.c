/*
 * libEGL_lowmap.so.0: the EGL front door.
 *
 * libEGL loads us as its only vendor (selected through
 * __EGL_VENDOR_LIBRARY_FILENAMES) and calls __egl_Main once.  We load the
 * host vendor, let it fill libEGL's imports table exactly as if libEGL had
 * loaded it, then take over getProcAddress: GL names the GL layer hooks and
 * the EGL context calls come back as ours, every other name as the host's
 * own pointer.  Entry-point patching is switched off because it would
 * rewrite libglvnd's stubs to jump straight into the host.
 *
 * Everything else in the imports (getPlatformDisplay, getVendorString,
 * getDispatchAddress, ...) stays the host's: the host's EGL dispatch stubs
 * look the vendor up through libEGL, find us, and come back through our
 * getProcAddress, so they reach our hooks too.
 *
 * SPDX-License-Identifier: MIT
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <glvnd/libeglabi.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "egl_vendors.h"
#include "gl_layer.h"
#include "host.h"
#include "vlog.h"

#define VENDOR_EXPORT __attribute__((visibility("default")))

typedef void *(*egl_proc_fn)(const char *name);

/*
 * Written only inside __egl_Main, under egl_main_lock (libEGL calls it once;
 * the lock covers anyone else calling it, such as a test).  Read without a
 * lock afterwards: libEGL publishes our imports only after __egl_Main
 * returns, and nothing here changes after that.  The lock is never held
 * while a hook runs.
 */
static pthread_mutex_t egl_main_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    egl_proc_fn host_proc; /* the host's own getProcAddress */
    PFNEGLCREATECONTEXTPROC create_context;
    PFNEGLDESTROYCONTEXTPROC destroy_context;
    PFNEGLMAKECURRENTPROC make_current;
    PFNEGLRELEASETHREADPROC release_thread;
    PFNEGLTERMINATEPROC terminate;
    int gl_ready; /* lowmap_gl_init() done */
} egl;

static EGLContext EGLAPIENTRY hook_create_context(EGLDisplay dpy,
                                                  EGLConfig config,
                                                  EGLContext share,
                                                  const EGLint *attribs)
{
    EGLContext ctx = egl.create_context(dpy, config, share, attribs);

    vlog_trace("eglCreateContext(%p, share %p) = %p", dpy, share, ctx);
    if (ctx != EGL_NO_CONTEXT)
        lowmap_gl_context_created(dpy, ctx, share);
    return ctx;
}

static EGLBoolean EGLAPIENTRY hook_destroy_context(EGLDisplay dpy,
                                                   EGLContext ctx)
{
    EGLBoolean ok = egl.destroy_context(dpy, ctx);

    vlog_trace("eglDestroyContext(%p, %p) = %d", dpy, ctx, ok);
    if (ok)
        lowmap_gl_context_destroyed(ctx);
    return ok;
}

/* libEGL releases a context by calling this with EGL_NO_CONTEXT. */
static EGLBoolean EGLAPIENTRY hook_make_current(EGLDisplay dpy,
                                                EGLSurface draw,
                                                EGLSurface read,
                                                EGLContext ctx)
{
    EGLBoolean ok = egl.make_current(dpy, draw, read, ctx);

    vlog_trace("eglMakeCurrent(%p, %p) = %d", dpy, ctx, ok);
    if (ok)
        lowmap_gl_context_current(ctx);
    return ok;
}

static EGLBoolean EGLAPIENTRY hook_release_thread(void)
{
    EGLBoolean ok = egl.release_thread();

    vlog_trace("eglReleaseThread() = %d", ok);
    if (ok)
        lowmap_gl_context_current(NULL);
    return ok;
}

static EGLBoolean EGLAPIENTRY hook_terminate(EGLDisplay dpy)
{
    EGLBoolean ok = egl.terminate(dpy);

    vlog_trace("eglTerminate(%p) = %d", dpy, ok);
    if (ok)
        lowmap_gl_display_gone(dpy);
    return ok;
}

/* The EGL calls we hook; each hook calls the host's pointer in @host. */
static const struct egl_hook {
    const char *name;
    void *hook;
    void **host;
} egl_hooks[] = {
    {"eglCreateContext", (void *)hook_create_context,
     (void **)&egl.create_context},
    {"eglDestroyContext", (void *)hook_destroy_context,
     (void **)&egl.destroy_context},
    {"eglMakeCurrent", (void *)hook_make_current, (void **)&egl.make_current},
    {"eglReleaseThread", (void *)hook_release_thread,
     (void **)&egl.release_thread},
    {"eglTerminate", (void *)hook_terminate, (void **)&egl.terminate},
};
#define EGL_HOOK_COUNT (sizeof(egl_hooks) / sizeof(egl_hooks[0]))

/* Runs under libEGL's and libGLdispatch's locks: must not call libglvnd. */
static void *egl_get_proc(const char *name)
{
    if (strncmp(name, "egl", 3) == 0) {
        for (unsigned i = 0; i < EGL_HOOK_COUNT; i++) {
            if (strcmp(name, egl_hooks[i].name) == 0 && *egl_hooks[i].host)
                return egl_hooks[i].hook;
        }
    } else if (strncmp(name, "gl", 2) == 0) {
        void *hook = lowmap_gl_get_proc(name);
        if (hook != NULL)
            return hook;
    }
    return egl.host_proc(name);
}

static void *egl_host_gl_proc(const char *name)
{
    return egl.host_proc(name);
}

struct egl_pick {
    __PFNEGLMAINPROC main;
    void *handle;
    char file[512];
};

static bool egl_try_host(const char *file, void *arg)
{
    struct egl_pick *pick = arg;

    pick->main = (__PFNEGLMAINPROC)host_open("EGL", file, __EGL_MAIN_PROTO_NAME,
                                              (const void *)__egl_Main,
                                              &pick->handle);
    snprintf(pick->file, sizeof(pick->file), "%s", file);
    return pick->main != NULL;
}

/* LOWMAP_HOST=<name> names libEGL_<name>.so.0; otherwise the first usable
 * vendor file in the system's vendor directories. */
static bool egl_pick_host(struct egl_pick *pick)
{
    const char *name = getenv("LOWMAP_HOST");
    char file[300];

    if (name != NULL) {
        if (!host_name_ok("EGL", name))
            return false;
        snprintf(file, sizeof(file), "libEGL_%s.so.0", name);
        return egl_try_host(file, pick);
    }
    if (egl_vendors_each(EGL_VENDOR_DIRS, egl_try_host, pick))
        return true;
    vlog_error("EGL: no host vendor in " EGL_VENDOR_DIRS
               " (set LOWMAP_HOST=<vendor>)");
    return false;
}

static EGLBoolean egl_main_locked(uint32_t version,
                                  const __EGLapiExports *exports,
                                  __EGLvendorInfo *vendor,
                                  __EGLapiImports *imports)
{
    struct egl_pick pick = {0};

    if (EGL_VENDOR_ABI_GET_MAJOR_VERSION(version) !=
        EGL_VENDOR_ABI_MAJOR_VERSION) {
        vlog_error("EGL: libEGL vendor ABI %u.%u, built for %u.x",
                   EGL_VENDOR_ABI_GET_MAJOR_VERSION(version),
                   EGL_VENDOR_ABI_GET_MINOR_VERSION(version),
                   EGL_VENDOR_ABI_MAJOR_VERSION);
        return EGL_FALSE;
    }
    if (!egl_pick_host(&pick))
        return EGL_FALSE;

    /* The host sees libEGL's own exports, vendor handle and imports, so
     * its dispatch stubs find our vendor and its table lands in libEGL. */
    if (!pick.main(version, exports, vendor, imports)) {
        vlog_error("EGL: host %s refused libEGL's ABI %#x", pick.file,
                   version);
        return EGL_FALSE;
    }
    if (imports->getPlatformDisplay == NULL ||
        imports->getSupportsAPI == NULL || imports->getProcAddress == NULL ||
        imports->getDispatchAddress == NULL ||
        imports->setDispatchIndex == NULL) {
        vlog_error("EGL: host %s left mandatory callbacks NULL", pick.file);
        return EGL_FALSE;
    }

    egl.host_proc = imports->getProcAddress;
    for (unsigned i = 0; i < EGL_HOOK_COUNT; i++)
        *egl_hooks[i].host = egl.host_proc(egl_hooks[i].name);
    if (!egl.gl_ready) {
        lowmap_gl_init(egl_host_gl_proc);
        egl.gl_ready = 1;
    }

    imports->getProcAddress = egl_get_proc;
    imports->isPatchSupported = NULL;
    imports->initiatePatch = NULL;
    imports->releasePatch = NULL;
    imports->patchThreadAttach = NULL;
    vlog_info("EGL: wrapping host vendor %s", pick.file);
    return EGL_TRUE;
}

VENDOR_EXPORT EGLBoolean __egl_Main(uint32_t version,
                                    const __EGLapiExports *exports,
                                    __EGLvendorInfo *vendor,
                                    __EGLapiImports *imports)
{
    EGLBoolean ok;

    pthread_mutex_lock(&egl_main_lock);
    ok = egl_main_locked(version, exports, vendor, imports);
    pthread_mutex_unlock(&egl_main_lock);
    return ok;
}
