/*
 * The EGL front door wrapping the fake host vendor (LOWMAP_HOST=lowmapfake,
 * set by the test definition): every call an app makes through libglvnd
 * reaches the fake exactly once.  Also the clean failures: a missing host,
 * and lowmap named as its own host.
 *
 * SPDX-License-Identifier: MIT
 */
#define GL_GLEXT_PROTOTYPES
#include <GL/gl.h>
#include <GL/glext.h>

#include "door_util.h"
#include "egl_util.h"
#include "fakevendor.h"

static unsigned long calls(const char *name)
{
    lowmapfake_calls_fn fn =
        (lowmapfake_calls_fn)lowmapfake_sym("lowmapfake_calls");

    cr_assert_not_null(fn, "the fake vendor is not loaded");
    return fn(name);
}

Test(egl_fake, app_calls_reach_the_fake_through_lowmap)
{
    EGLDisplay dpy = egl_surfaceless();
    EGLContext ctx;
    GLint major = 0;

    cr_expect(door_mapped("libEGL_lowmap.so.0"));
    cr_expect(door_mapped(LOWMAPFAKE_SONAME));
    cr_expect_str_eq(eglQueryString(dpy, EGL_VENDOR), "lowmapfake");
    ctx = egl_context(dpy, EGL_NO_CONTEXT);
    egl_current(dpy, ctx);
    cr_expect_str_eq((const char *)glGetString(GL_RENDERER), "lowmapfake");
    glGetIntegerv(GL_MAJOR_VERSION, &major);
    cr_expect_eq(major, 4);
    glFinish();
    glFinish();
    egl_current(dpy, EGL_NO_CONTEXT);
    cr_expect(eglDestroyContext(dpy, ctx));
    cr_expect(eglTerminate(dpy));

    cr_expect_eq(calls("eglInitialize"), 1);
    cr_expect_eq(calls("eglCreateContext"), 1);
    cr_expect_eq(calls("eglMakeCurrent"), 2);
    cr_expect_eq(calls("eglDestroyContext"), 1);
    cr_expect_eq(calls("eglTerminate"), 1);
    cr_expect_eq(calls("glFinish"), 2); /* not hooked: straight through */
    cr_expect_geq(calls("glGetString"), 1);
}

Test(egl_fake, buffer_data_round_trips_through_a_map)
{
    EGLDisplay dpy = egl_surfaceless();
    lowmapfake_buffer_storage_fn storage_of =
        (lowmapfake_buffer_storage_fn)lowmapfake_sym(
            "lowmapfake_buffer_storage");
    unsigned char src[4096], back[4096];
    unsigned char *p, *host;
    size_t size = 0;
    GLuint buf;

    egl_current(dpy, egl_context(dpy, EGL_NO_CONTEXT));
    for (unsigned i = 0; i < sizeof(src); i++)
        src[i] = (unsigned char)(i * 7);
    glGenBuffers(1, &buf);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    glBufferData(GL_ARRAY_BUFFER, sizeof(src), src, GL_DYNAMIC_DRAW);
    p = glMapBufferRange(GL_ARRAY_BUFFER, 0, sizeof(src),
                         GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    cr_assert_not_null(p, "map failed: %#x", glGetError());
    cr_expect_eq(memcmp(p, src, sizeof(src)), 0);
    memset(p + 100, 0xab, 50);
    cr_expect(glUnmapBuffer(GL_ARRAY_BUFFER));
    glGetBufferSubData(GL_ARRAY_BUFFER, 0, sizeof(back), back);
    memset(src + 100, 0xab, 50);
    cr_expect_eq(memcmp(back, src, sizeof(src)), 0);

    cr_assert_not_null(storage_of);
    host = storage_of(buf, &size);
    cr_assert_not_null(host);
    cr_expect_eq(size, sizeof(src));
    cr_expect_eq(memcmp(host, src, sizeof(src)), 0);
    cr_expect_eq(glGetError(), GL_NO_ERROR);
    cr_expect_eq(calls("glMapBufferRange"), 1);
    cr_expect_eq(calls("glUnmapBuffer"), 1);
    cr_expect_eq(calls("glGenBuffers"), 1);
    eglReleaseThread();
}

Test(egl_fake, texture_maps_reach_the_fake)
{
    EGLDisplay dpy = egl_surfaceless();
    PFNGLMAPTEXTURE2DINTELPROC map_texture =
        (PFNGLMAPTEXTURE2DINTELPROC)eglGetProcAddress("glMapTexture2DINTEL");
    PFNGLUNMAPTEXTURE2DINTELPROC unmap_texture =
        (PFNGLUNMAPTEXTURE2DINTELPROC)eglGetProcAddress(
            "glUnmapTexture2DINTEL");
    unsigned char pixels[16 * 8 * 4] = {0}, back[sizeof(pixels)];
    GLint stride = 0;
    GLenum layout = 0;
    unsigned char *p;
    GLuint tex;

    cr_assert_not_null(map_texture);
    cr_assert_not_null(unmap_texture);
    egl_current(dpy, egl_context(dpy, EGL_NO_CONTEXT));
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, 16, 8, 0, GL_RGBA,
                 GL_UNSIGNED_BYTE, pixels);
    p = map_texture(tex, 0, GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, &stride,
                    &layout);
    cr_assert_not_null(p, "texture map failed: %#x", glGetError());
    cr_expect_eq(stride, 16 * 4);
    p[stride * 3 + 5] = 0x5a;
    unmap_texture(tex, 0);
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RGBA, GL_UNSIGNED_BYTE, back);
    cr_expect_eq(back[16 * 4 * 3 + 5], 0x5a);
    cr_expect_eq(calls("glMapTexture2DINTEL"), 1);
    cr_expect_eq(calls("glUnmapTexture2DINTEL"), 1);
    eglReleaseThread();
}

/* libEGL then has no vendor at all: no display, and our reason logged. */
static void expect_no_display(const char *host, const char *reason)
{
    struct door_capture cap;
    EGLDisplay dpy;
    char *log;

    setenv("LOWMAP_HOST", host, 1);
    setenv("LOWMAP_DEBUG", "error", 1);
    door_capture_begin(&cap);
    dpy = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA,
                                EGL_DEFAULT_DISPLAY, NULL);
    log = door_capture_end(&cap);
    cr_expect_eq(dpy, EGL_NO_DISPLAY);
    cr_expect(strstr(log, reason), "expected '%s'", reason);
    free(log);
}

Test(egl_fake, refuses_to_wrap_itself)
{
    expect_no_display("lowmap",
                      "lowmap: error: EGL: refusing to wrap ourselves");
}

Test(egl_fake, reports_a_missing_host)
{
    expect_no_display("nosuchvendor",
                      "lowmap: error: EGL: cannot load host vendor "
                      "libEGL_nosuchvendor.so.0");
}

Test(egl_fake, rejects_a_path_as_host_name)
{
    expect_no_display("../lowmapfake",
                      "host vendor name '../lowmapfake' must not contain '/'");
}
