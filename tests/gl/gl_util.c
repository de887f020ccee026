/*
 * SPDX-License-Identifier: MIT
 */
#include "gl_util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

EGLDisplay gt_dpy = EGL_NO_DISPLAY;
EGLContext gt_ctx = EGL_NO_CONTEXT;
static EGLenum gt_api = EGL_OPENGL_API;
bool gt_allow_high;

static void gt_setup_api(EGLenum api)
{
    gt_api = api;
    gt_dpy = eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA,
                                      EGL_DEFAULT_DISPLAY, NULL);
    cr_assert(gt_dpy != EGL_NO_DISPLAY, "no surfaceless display");
    cr_assert(eglInitialize(gt_dpy, NULL, NULL), "eglInitialize");
    cr_assert(eglBindAPI(api));
    gt_ctx = gt_context(EGL_NO_CONTEXT);
    cr_assert(gt_ctx != EGL_NO_CONTEXT, "eglCreateContext: 0x%x",
              eglGetError());
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, gt_ctx),
              "eglMakeCurrent");
}

void gt_setup(void)
{
    gt_setup_api(EGL_OPENGL_API);
}

void gt_setup_gles(void)
{
    gt_setup_api(EGL_OPENGL_ES_API);
}

EGLContext gt_context(EGLContext share)
{
    static const EGLint gl_attribs[] = {
        EGL_CONTEXT_MAJOR_VERSION, 4, EGL_CONTEXT_MINOR_VERSION, 5,
        EGL_CONTEXT_OPENGL_PROFILE_MASK,
        EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT,
        EGL_NONE,
    };
    static const EGLint gles_attribs[] = {
        EGL_CONTEXT_MAJOR_VERSION, 3, EGL_NONE,
    };
    /* The bound API is per thread. */
    eglBindAPI(gt_api);
    EGLContext ctx = eglCreateContext(
        gt_dpy, EGL_NO_CONFIG_KHR, share,
        gt_api == EGL_OPENGL_API ? gl_attribs : gles_attribs);
    return ctx;
}

void gt_teardown(void)
{
    struct lowmap_stats st = gt_stats();
    if (gt_dpy != EGL_NO_DISPLAY) {
        eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                       EGL_NO_CONTEXT);
        if (gt_ctx != EGL_NO_CONTEXT)
            eglDestroyContext(gt_dpy, gt_ctx);
        eglTerminate(gt_dpy);
    }
    if (!gt_allow_high)
        cr_expect_eq(st.high_pointers, 0,
                 "%llu host pointers went out above the limit",
                 (unsigned long long)st.high_pointers);
}

void *gt_proc(const char *name)
{
    void *p = (void *)eglGetProcAddress(name);
    cr_assert(p, "eglGetProcAddress(%s)", name);
    return p;
}

bool gt_has_ext(const char *ext)
{
    GLint n = 0;
    glGetIntegerv(GL_NUM_EXTENSIONS, &n);
    for (GLint i = 0; i < n; i++) {
        const char *e = (const char *)glGetStringi(GL_EXTENSIONS, (GLuint)i);
        if (e && strcmp(e, ext) == 0)
            return true;
    }
    return false;
}

bool gt_have_lavapipe(void)
{
    static const char *icds[] = {
        "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
        "/usr/share/vulkan/icd.d/lvp_icd.json",
        "/usr/share/vulkan/icd.d/lvp_icd.aarch64.json",
    };
    for (size_t i = 0; i < sizeof(icds) / sizeof(icds[0]); i++)
        if (access(icds[i], R_OK) == 0)
            return true;
    return false;
}

void gt_assert_low(const void *p, size_t len)
{
    cr_assert(p, "NULL pointer");
    uintptr_t end = (uintptr_t)p + len;
    cr_assert(end >= (uintptr_t)p && end <= lowmap_limit(),
              "%p + %zu ends above the limit %#lx", p, len,
              (unsigned long)lowmap_limit());
}

void gt_fill(void *p, size_t len, unsigned seed, size_t first)
{
    uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        b[i] = gt_byte(seed, first + i);
}

bool gt_check(const void *p, size_t len, unsigned seed, size_t first)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++) {
        if (b[i] != gt_byte(seed, first + i)) {
            cr_log_error("byte %zu is %#x, want %#x", first + i, b[i],
                         gt_byte(seed, first + i));
            return false;
        }
    }
    return true;
}

GLuint gt_buffer(size_t size, unsigned seed)
{
    GLuint buf = 0;
    uint8_t *data = malloc(size);
    gt_fill(data, size, seed, 0);
    glGenBuffers(1, &buf);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)size, data, GL_DYNAMIC_DRAW);
    free(data);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    return buf;
}

bool gt_buffer_holds(GLuint buf, size_t off, size_t len, unsigned seed,
                     size_t first)
{
    uint8_t *data = malloc(len);
    glGetNamedBufferSubData(buf, (GLintptr)off, (GLsizeiptr)len, data);
    bool ok = glGetError() == GL_NO_ERROR && gt_check(data, len, seed, first);
    free(data);
    return ok;
}

bool gt_copy_holds(GLuint buf, size_t off, size_t len, unsigned seed,
                   size_t first)
{
    GLuint copy = 0;
    glCreateBuffers(1, &copy);
    glNamedBufferData(copy, (GLsizeiptr)len, NULL, GL_STATIC_COPY);
    glCopyNamedBufferSubData(buf, copy, (GLintptr)off, 0, (GLsizeiptr)len);
    bool ok = gt_buffer_holds(copy, 0, len, seed, first);
    glDeleteBuffers(1, &copy);
    return ok;
}

struct lowmap_stats gt_stats(void)
{
    struct lowmap_stats st;
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    lowmap_stats(&st);
    return st;
}

void gt_framebuffer(void)
{
    gt_framebuffer_sized(4);
}

void gt_framebuffer_sized(GLsizei side)
{
    GLuint fbo, rb;

    glGenRenderbuffers(1, &rb);
    glBindRenderbuffer(GL_RENDERBUFFER, rb);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, side, side);
    glGenFramebuffers(1, &fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                              GL_RENDERBUFFER, rb);
    cr_assert_eq(glCheckFramebufferStatus(GL_FRAMEBUFFER),
                 GL_FRAMEBUFFER_COMPLETE);
}

GLuint gt_shader(GLenum type, const char *src)
{
    GLuint s = glCreateShader(type);
    GLint ok = 0;

    glShaderSource(s, 1, &src, NULL);
    glCompileShader(s);
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    cr_assert(ok, "shader does not compile");
    return s;
}
