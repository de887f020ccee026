/*
 * The GLX front door wrapping Mesa (llvmpipe) through the real libGLX,
 * under an X server (the test definition starts a private Xvfb when
 * DISPLAY is unset).  Each context call an app can make must reach our
 * hook: LOWMAP_DEBUG=trace (set by the test definition) logs one line per
 * hooked call.
 *
 * libGLX loads the vendor named by __GLX_VENDOR_LIBRARY_NAME from its own
 * ELF constructor, before main(): the environment that selects the host
 * and the log levels must be set before the program starts, and the
 * front door is already loaded when Criterion forks each test.
 *
 * SPDX-License-Identifier: MIT
 */
#define GL_GLEXT_PROTOTYPES
#include <GL/gl.h>
#include <GL/glx.h>
#include <GL/glxext.h>
#include <X11/Xlib.h>
#include <criterion/criterion.h>
#include <pthread.h>

#include "door_util.h"

struct glx {
    Display *dpy;
    GLXFBConfig config;
    GLXPbuffer pbuffer;
};

static void glx_open(struct glx *g)
{
    static const int attribs[] = {GLX_DRAWABLE_TYPE, GLX_PBUFFER_BIT,
                                  GLX_RENDER_TYPE, GLX_RGBA_BIT, None};
    static const int pb_attribs[] = {GLX_PBUFFER_WIDTH, 16,
                                     GLX_PBUFFER_HEIGHT, 16, None};
    GLXFBConfig *configs;
    int n = 0;

    g->dpy = XOpenDisplay(NULL);
    cr_assert_not_null(g->dpy, "no X display (DISPLAY=%s)",
                       getenv("DISPLAY") ? getenv("DISPLAY") : "");
    configs = glXChooseFBConfig(g->dpy, DefaultScreen(g->dpy), attribs, &n);
    cr_assert(configs && n > 0, "no pbuffer config");
    g->config = configs[0];
    XFree(configs);
    g->pbuffer = glXCreatePbuffer(g->dpy, g->config, pb_attribs);
    cr_assert(g->pbuffer);
}

static void glx_close(struct glx *g)
{
    glXDestroyPbuffer(g->dpy, g->pbuffer);
    XCloseDisplay(g->dpy);
}

static bool has_glx_extension(struct glx *g, const char *name)
{
    const char *ext = glXQueryExtensionsString(g->dpy, DefaultScreen(g->dpy));
    return ext && strstr(ext, name);
}

static void expect_renderer(void)
{
    const char *r = (const char *)glGetString(GL_RENDERER);
    cr_expect(r && strstr(r, "llvmpipe"), "renderer %s", r ? r : "(null)");
}

static char *traced(void (*body)(struct glx *))
{
    struct door_capture cap;
    struct glx g;

    door_capture_begin(&cap);
    glx_open(&g);
    body(&g);
    glx_close(&g);
    return door_capture_end(&cap);
}

static void new_context(struct glx *g)
{
    GLXContext ctx = glXCreateNewContext(g->dpy, g->config, GLX_RGBA_TYPE,
                                         NULL, True);

    cr_assert_not_null(ctx);
    cr_assert(glXMakeContextCurrent(g->dpy, g->pbuffer, g->pbuffer, ctx));
    expect_renderer();
    cr_expect(door_mapped("libGLX_lowmap.so.0"));
    cr_expect(door_mapped("libGLX_mesa.so.0"));
    cr_assert(glXMakeContextCurrent(g->dpy, None, None, NULL));
    glXDestroyContext(g->dpy, ctx);
}

Test(glx, new_context_round_trip_reaches_the_hooks)
{
    char *log = traced(new_context);

    cr_expect(strstr(log, "lowmap: trace: glXCreateNewContext("));
    cr_expect(strstr(log, "lowmap: trace: glXMakeContextCurrent(0x"));
    /* libGLX releases through the vendor's glXMakeCurrent. */
    cr_expect(strstr(log, "lowmap: trace: glXMakeCurrent((nil)) = 1"));
    cr_expect(strstr(log, "lowmap: trace: glXDestroyContext("));
    cr_expect(strstr(log, "lowmap: trace: GLX: display 0x"));
    free(log);
}

static void visual_context(struct glx *g)
{
    int attribs[] = {GLX_RGBA, GLX_RED_SIZE, 1, None};
    XVisualInfo *vis = glXChooseVisual(g->dpy, DefaultScreen(g->dpy), attribs);
    XSetWindowAttributes wa = {0};
    GLXContext ctx;
    Window win;

    cr_assert_not_null(vis);
    wa.colormap = XCreateColormap(g->dpy, RootWindow(g->dpy, vis->screen),
                                  vis->visual, AllocNone);
    win = XCreateWindow(g->dpy, RootWindow(g->dpy, vis->screen), 0, 0, 16, 16,
                        0, vis->depth, InputOutput, vis->visual, CWColormap,
                        &wa);
    ctx = glXCreateContext(g->dpy, vis, NULL, True);
    XFree(vis);
    cr_assert_not_null(ctx);
    cr_assert(glXMakeCurrent(g->dpy, win, ctx));
    expect_renderer();
    cr_assert(glXMakeCurrent(g->dpy, None, NULL));
    glXDestroyContext(g->dpy, ctx);
    XDestroyWindow(g->dpy, win);
    XFreeColormap(g->dpy, wa.colormap);
}

Test(glx, visual_context_round_trip_reaches_the_hooks)
{
    char *log = traced(visual_context);

    cr_expect(strstr(log, "lowmap: trace: glXCreateContext("));
    cr_expect(strstr(log, "lowmap: trace: glXMakeCurrent(0x"));
    cr_expect(strstr(log, "lowmap: trace: glXMakeCurrent((nil)) = 1"));
    cr_expect(strstr(log, "lowmap: trace: glXDestroyContext("));
    free(log);
}

static void attribs_context(struct glx *g)
{
    static const int attribs[] = {GLX_CONTEXT_MAJOR_VERSION_ARB, 3,
                                  GLX_CONTEXT_MINOR_VERSION_ARB, 3,
                                  GLX_CONTEXT_PROFILE_MASK_ARB,
                                  GLX_CONTEXT_CORE_PROFILE_BIT_ARB, None};
    PFNGLXCREATECONTEXTATTRIBSARBPROC create =
        (PFNGLXCREATECONTEXTATTRIBSARBPROC)glXGetProcAddress(
            (const GLubyte *)"glXCreateContextAttribsARB");
    GLXContext a, b;

    cr_assert_not_null(create);
    a = create(g->dpy, g->config, NULL, True, attribs);
    cr_assert_not_null(a);
    b = create(g->dpy, g->config, a, True, attribs); /* shares with a */
    cr_assert_not_null(b);
    cr_assert(glXMakeContextCurrent(g->dpy, g->pbuffer, g->pbuffer, b));
    expect_renderer();
    cr_assert(glXMakeContextCurrent(g->dpy, g->pbuffer, g->pbuffer, a));
    cr_assert(glXMakeContextCurrent(g->dpy, None, None, NULL));
    glXDestroyContext(g->dpy, b);
    glXDestroyContext(g->dpy, a);
}

Test(glx, attribs_contexts_reach_the_hooks)
{
    char *log = traced(attribs_context);

    cr_expect(strstr(log, "lowmap: trace: glXCreateContextAttribsARB("));
    cr_expect(strstr(log, "share 0x"), "the shared context was not seen");
    free(log);
}

static bool sgix_skipped, sgi_read_tried;

static void sgix_context(struct glx *g)
{
    PFNGLXCREATECONTEXTWITHCONFIGSGIXPROC create =
        (PFNGLXCREATECONTEXTWITHCONFIGSGIXPROC)glXGetProcAddress(
            (const GLubyte *)"glXCreateContextWithConfigSGIX");
    PFNGLXMAKECURRENTREADSGIPROC make_current_read =
        (PFNGLXMAKECURRENTREADSGIPROC)glXGetProcAddress(
            (const GLubyte *)"glXMakeCurrentReadSGI");
    GLXContext ctx;

    if (!has_glx_extension(g, "GLX_SGIX_fbconfig")) {
        sgix_skipped = true;
        return;
    }
    cr_assert_not_null(create);
    ctx = create(g->dpy, (GLXFBConfigSGIX)g->config, GLX_RGBA_TYPE, NULL,
                 True);
    cr_assert_not_null(ctx);
    cr_assert(glXMakeContextCurrent(g->dpy, g->pbuffer, g->pbuffer, ctx));
    expect_renderer();
    /* No vendor has a GLX dispatch stub for glXMakeCurrentReadSGI, so
     * libGLX treats it as a GL function: it goes through the current
     * context's dispatch table, and does nothing without one. */
    if (has_glx_extension(g, "GLX_SGI_make_current_read") &&
        make_current_read != NULL) {
        sgi_read_tried = true;
        cr_expect(make_current_read(g->dpy, g->pbuffer, g->pbuffer, ctx));
    }
    cr_assert(glXMakeContextCurrent(g->dpy, None, None, NULL));
    glXDestroyContext(g->dpy, ctx);
}

Test(glx, sgix_contexts_reach_the_hooks)
{
    char *log = traced(sgix_context);

    if (!sgix_skipped)
        cr_expect(strstr(log, "lowmap: trace: glXCreateContextWithConfigSGIX("));
    if (sgi_read_tried)
        cr_expect(strstr(log, "lowmap: trace: glXMakeCurrentReadSGI(0x"));
    free(log);
}

static void *thread_round_trips(void *arg)
{
    struct glx g;
    intptr_t ok = 1;

    (void)arg;
    glx_open(&g);
    for (int i = 0; i < 10 && ok; i++) {
        GLXContext ctx = glXCreateNewContext(g.dpy, g.config, GLX_RGBA_TYPE,
                                             NULL, True);
        const char *r;

        ok = ctx && glXMakeContextCurrent(g.dpy, g.pbuffer, g.pbuffer, ctx);
        r = ok ? (const char *)glGetString(GL_RENDERER) : NULL;
        ok = ok && r && strstr(r, "llvmpipe") &&
             glXMakeContextCurrent(g.dpy, None, None, NULL);
        if (ctx)
            glXDestroyContext(g.dpy, ctx);
    }
    glx_close(&g);
    return (void *)ok;
}

Test(glx, threads_with_their_own_displays)
{
    pthread_t t[3];

    cr_assert(XInitThreads());
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, thread_round_trips, NULL), 0);
    for (int i = 0; i < 3; i++) {
        void *ok;
        pthread_join(t[i], &ok);
        cr_expect(ok, "thread %d failed", i);
    }
}

/* Run alone with LOWMAP_HOST=lowmap: our vendor refuses (the tools test
 * checks the logged reason), libGLX falls back to loading Mesa itself, and
 * the app keeps working, only without lowmap. */
Test(glx_refused, glx_keeps_working_without_lowmap)
{
    struct glx g;
    GLXContext ctx;

    glx_open(&g);
    ctx = glXCreateNewContext(g.dpy, g.config, GLX_RGBA_TYPE, NULL, True);
    cr_assert_not_null(ctx);
    cr_assert(glXMakeContextCurrent(g.dpy, g.pbuffer, g.pbuffer, ctx));
    expect_renderer();
    cr_expect(door_mapped("libGLX_mesa.so.0"));
    glXMakeContextCurrent(g.dpy, None, None, NULL);
    glXDestroyContext(g.dpy, ctx);
    glx_close(&g);
}
