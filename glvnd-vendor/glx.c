/*
 * libGLX_lowmap.so.0: the GLX front door.
 *
 * libGLX loads us by name (__GLX_VENDOR_LIBRARY_NAME=lowmap) and calls
 * __glx_Main once, holding its vendor lock.  We load the host vendor, let
 * it fill libGLX's imports table as if libGLX had loaded it, then take over
 * getProcAddress: GL names the GL layer hooks and the GLX context calls come
 * back as ours, every other name as the host's own pointer.
 *
 * That catches every path a context call takes: libGLX fetches the GLX 1.4
 * functions it implements itself (glXCreateContext, glXMakeCurrent, the
 * release as glXMakeCurrent(dpy, None, NULL), glXDestroyContext,
 * glXImportContextEXT, glXFreeContextEXT, glXCreateContextAttribsARB) into
 * its static table through getProcAddress, and the host's dispatch stubs
 * for extension functions (glXCreateContextWithConfigSGIX, ...) fetch their
 * target through libGLX's fetchDispatchEntry, which also asks our
 * getProcAddress.  Entry-point patching is switched off because it would
 * rewrite libglvnd's GL stubs to jump straight into the host.
 *
 * SPDX-License-Identifier: MIT
 */
#include <GL/glx.h>
#include <GL/glxext.h>
#include <glvnd/libglxabi.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_layer.h"
#include "glx_display.h"
#include "glx_server.h"
#include "host.h"
#include "vlog.h"

#define VENDOR_EXPORT __attribute__((visibility("default")))
#define GLX_FALLBACK_HOST "mesa"

typedef void *(*glx_proc_fn)(const GLubyte *name);
typedef GLXContext (*create_context_fn)(Display *, XVisualInfo *, GLXContext,
                                        Bool);
typedef GLXContext (*create_new_context_fn)(Display *, GLXFBConfig, int,
                                            GLXContext, Bool);
typedef Bool (*make_current_fn)(Display *, GLXDrawable, GLXContext);
typedef Bool (*make_context_current_fn)(Display *, GLXDrawable, GLXDrawable,
                                        GLXContext);
typedef void (*destroy_context_fn)(Display *, GLXContext);

/*
 * Written only inside __glx_Main, under glx_main_lock; read without a lock
 * afterwards (libGLX publishes our imports only once __glx_Main returned).
 * The lock is never held while a hook runs.
 */
static pthread_mutex_t glx_main_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    glx_proc_fn host_proc; /* the host's own getProcAddress */
    create_context_fn create_context;
    create_new_context_fn create_new_context;
    PFNGLXCREATECONTEXTATTRIBSARBPROC create_context_attribs;
    PFNGLXIMPORTCONTEXTEXTPROC import_context;
    PFNGLXCREATECONTEXTWITHCONFIGSGIXPROC create_context_sgix;
    make_current_fn make_current;
    make_context_current_fn make_context_current;
    PFNGLXMAKECURRENTREADSGIPROC make_current_read_sgi;
    destroy_context_fn destroy_context;
    PFNGLXFREECONTEXTEXTPROC free_context;
    int gl_ready; /* lowmap_gl_init() done */
} glx;

static GLXContext created(const char *call, Display *dpy, GLXContext ctx,
                          GLXContext share)
{
    vlog_trace("%s(%p, share %p) = %p", call, (void *)dpy, (void *)share,
               (void *)ctx);
    if (ctx != NULL) {
        glx_display_watch(dpy);
        lowmap_gl_context_created(dpy, ctx, share);
    }
    return ctx;
}

static Bool made_current(const char *call, GLXContext ctx, Bool ok)
{
    vlog_trace("%s(%p) = %d", call, (void *)ctx, ok);
    if (ok)
        lowmap_gl_context_current(ctx); /* NULL: released */
    return ok;
}

static GLXContext hook_create_context(Display *dpy, XVisualInfo *vis,
                                      GLXContext share, Bool direct)
{
    return created("glXCreateContext", dpy,
                   glx.create_context(dpy, vis, share, direct), share);
}

static GLXContext hook_create_new_context(Display *dpy, GLXFBConfig config,
                                          int render_type, GLXContext share,
                                          Bool direct)
{
    return created("glXCreateNewContext", dpy,
                   glx.create_new_context(dpy, config, render_type, share,
                                          direct),
                   share);
}

static GLXContext hook_create_context_attribs(Display *dpy, GLXFBConfig config,
                                              GLXContext share, Bool direct,
                                              const int *attribs)
{
    return created("glXCreateContextAttribsARB", dpy,
                   glx.create_context_attribs(dpy, config, share, direct,
                                              attribs),
                   share);
}

static GLXContext hook_import_context(Display *dpy, GLXContextID id)
{
    return created("glXImportContextEXT", dpy, glx.import_context(dpy, id),
                   NULL);
}

static GLXContext hook_create_context_sgix(Display *dpy,
                                           GLXFBConfigSGIX config,
                                           int render_type, GLXContext share,
                                           Bool direct)
{
    return created("glXCreateContextWithConfigSGIX", dpy,
                   glx.create_context_sgix(dpy, config, render_type, share,
                                           direct),
                   share);
}

static Bool hook_make_current(Display *dpy, GLXDrawable drawable,
                              GLXContext ctx)
{
    return made_current("glXMakeCurrent", ctx,
                        glx.make_current(dpy, drawable, ctx));
}

static Bool hook_make_context_current(Display *dpy, GLXDrawable draw,
                                      GLXDrawable read, GLXContext ctx)
{
    return made_current("glXMakeContextCurrent", ctx,
                        glx.make_context_current(dpy, draw, read, ctx));
}

static Bool hook_make_current_read_sgi(Display *dpy, GLXDrawable draw,
                                       GLXDrawable read, GLXContext ctx)
{
    return made_current("glXMakeCurrentReadSGI", ctx,
                        glx.make_current_read_sgi(dpy, draw, read, ctx));
}

/* Both return nothing: a context the host could not destroy was not one. */
static void hook_destroy_context(Display *dpy, GLXContext ctx)
{
    glx.destroy_context(dpy, ctx);
    vlog_trace("glXDestroyContext(%p, %p)", (void *)dpy, (void *)ctx);
    if (ctx != NULL)
        lowmap_gl_context_destroyed(ctx);
}

static void hook_free_context(Display *dpy, GLXContext ctx)
{
    glx.free_context(dpy, ctx);
    vlog_trace("glXFreeContextEXT(%p, %p)", (void *)dpy, (void *)ctx);
    if (ctx != NULL)
        lowmap_gl_context_destroyed(ctx);
}

/* The GLX calls we hook; each hook calls the host's pointer in @host. */
static const struct glx_hook {
    const char *name;
    void *hook;
    void **host;
} glx_hooks[] = {
    {"glXCreateContext", (void *)hook_create_context,
     (void **)&glx.create_context},
    {"glXCreateNewContext", (void *)hook_create_new_context,
     (void **)&glx.create_new_context},
    {"glXCreateContextAttribsARB", (void *)hook_create_context_attribs,
     (void **)&glx.create_context_attribs},
    {"glXImportContextEXT", (void *)hook_import_context,
     (void **)&glx.import_context},
    {"glXCreateContextWithConfigSGIX", (void *)hook_create_context_sgix,
     (void **)&glx.create_context_sgix},
    {"glXMakeCurrent", (void *)hook_make_current, (void **)&glx.make_current},
    {"glXMakeContextCurrent", (void *)hook_make_context_current,
     (void **)&glx.make_context_current},
    {"glXMakeCurrentReadSGI", (void *)hook_make_current_read_sgi,
     (void **)&glx.make_current_read_sgi},
    {"glXDestroyContext", (void *)hook_destroy_context,
     (void **)&glx.destroy_context},
    {"glXFreeContextEXT", (void *)hook_free_context,
     (void **)&glx.free_context},
};
#define GLX_HOOK_COUNT (sizeof(glx_hooks) / sizeof(glx_hooks[0]))

/* Runs under libGLX's and libGLdispatch's locks: must not call libglvnd. */
static void *glx_get_proc(const GLubyte *uname)
{
    const char *name = (const char *)uname;

    if (strncmp(name, "glX", 3) == 0) {
        for (unsigned i = 0; i < GLX_HOOK_COUNT; i++) {
            if (strcmp(name, glx_hooks[i].name) == 0 && *glx_hooks[i].host)
                return glx_hooks[i].hook;
        }
    } else if (strncmp(name, "gl", 2) == 0) {
        void *hook = lowmap_gl_get_proc(name);
        if (hook != NULL)
            return hook;
    }
    return glx.host_proc(uname);
}

static void *glx_host_gl_proc(const char *name)
{
    return glx.host_proc((const GLubyte *)name);
}

struct glx_pick {
    __PFNGLXMAINPROC main;
    void *handle;
    char name[128];
};

static bool glx_try_host(const char *name, struct glx_pick *pick)
{
    char file[300];

    if (!host_name_ok("GLX", name))
        return false;
    snprintf(file, sizeof(file), "libGLX_%s.so.0", name);
    snprintf(pick->name, sizeof(pick->name), "%s", name);
    pick->main = (__PFNGLXMAINPROC)host_open("GLX", file, __GLX_MAIN_PROTO_NAME,
                                              (const void *)__glx_Main,
                                              &pick->handle);
    return pick->main != NULL;
}

/* LOWMAP_HOST, else what the X server names for $DISPLAY, else Mesa. */
static bool glx_pick_host(struct glx_pick *pick)
{
    const char *name = getenv("LOWMAP_HOST");
    char names[256], *save = NULL;

    if (name != NULL)
        return glx_try_host(name, pick);
    if (glx_server_vendor_names(names, sizeof(names))) {
        vlog_trace("GLX: the X server names vendors '%s'", names);
        for (char *tok = strtok_r(names, " ", &save); tok != NULL;
             tok = strtok_r(NULL, " ", &save)) {
            if (strcmp(tok, HOST_SELF_NAME) != 0 && glx_try_host(tok, pick))
                return true;
        }
    }
    return glx_try_host(GLX_FALLBACK_HOST, pick);
}

static Bool glx_main_locked(uint32_t version, const __GLXapiExports *exports,
                            __GLXvendorInfo *vendor, __GLXapiImports *imports)
{
    struct glx_pick pick = {0};

    if (GLX_VENDOR_ABI_GET_MAJOR_VERSION(version) !=
        GLX_VENDOR_ABI_MAJOR_VERSION) {
        vlog_error("GLX: libGLX vendor ABI %u.%u, built for %u.x",
                   GLX_VENDOR_ABI_GET_MAJOR_VERSION(version),
                   GLX_VENDOR_ABI_GET_MINOR_VERSION(version),
                   GLX_VENDOR_ABI_MAJOR_VERSION);
        return False;
    }
    /* Every check that can fail is done before the host's __glx_Main:
     * Mesa's fills a table only on its first call, so after that libGLX
     * can no longer fall back to loading the host directly. */
    if (!glx_pick_host(&pick))
        return False;
    if (!pick.main(version, exports, vendor, imports)) {
        vlog_error("GLX: host %s refused libGLX's ABI %#x", pick.name,
                   version);
        return False;
    }
    if (imports->isScreenSupported == NULL || imports->getProcAddress == NULL ||
        imports->getDispatchAddress == NULL ||
        imports->setDispatchIndex == NULL) {
        vlog_error("GLX: host %s filled no callbacks: it was initialised "
                   "before (Mesa does so only once per process, and "
                   "libGLX_indirect is Mesa too)",
                   pick.name);
        return False;
    }

    glx.host_proc = imports->getProcAddress;
    for (unsigned i = 0; i < GLX_HOOK_COUNT; i++)
        *glx_hooks[i].host =
            glx.host_proc((const GLubyte *)glx_hooks[i].name);
    if (!glx.gl_ready) {
        lowmap_gl_init(glx_host_gl_proc);
        glx.gl_ready = 1;
    }

    imports->getProcAddress = glx_get_proc;
    imports->isPatchSupported = NULL;
    imports->initiatePatch = NULL;
    imports->releasePatch = NULL;
    imports->patchThreadAttach = NULL;
    vlog_info("GLX: wrapping host vendor %s", pick.name);
    return True;
}

VENDOR_EXPORT Bool __glx_Main(uint32_t version,
                              const __GLXapiExports *exports,
                              __GLXvendorInfo *vendor,
                              __GLXapiImports *imports)
{
    Bool ok;

    pthread_mutex_lock(&glx_main_lock);
    ok = glx_main_locked(version, exports, vendor, imports);
    pthread_mutex_unlock(&glx_main_lock);
    return ok;
}
