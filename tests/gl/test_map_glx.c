/*
 * The GL layer behind the GLX front door, under Xvfb: contexts made through
 * glXCreateContextAttribsARB and glXCreateNewContext, with and without
 * sharing, map low and round-trip their data.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <epoxy/gl.h>
#include <epoxy/glx.h>
#include <string.h>

#include "gl_util.h"

static Display *dpy;
static GLXFBConfig config;
static GLXPbuffer pbuf;

static GLXContext make_context(GLXContext share)
{
    static const int attribs[] = {
        GLX_CONTEXT_MAJOR_VERSION_ARB, 4, GLX_CONTEXT_MINOR_VERSION_ARB, 5,
        GLX_CONTEXT_PROFILE_MASK_ARB,
        GLX_CONTEXT_COMPATIBILITY_PROFILE_BIT_ARB, None,
    };
    return glXCreateContextAttribsARB(dpy, config, share, True, attribs);
}

static void setup(void)
{
    static const int fb_attribs[] = {
        GLX_DRAWABLE_TYPE, GLX_PBUFFER_BIT, GLX_RENDER_TYPE, GLX_RGBA_BIT,
        None,
    };
    static const int pb_attribs[] = { GLX_PBUFFER_WIDTH, 16,
                                      GLX_PBUFFER_HEIGHT, 16, None };
    int n = 0;

    dpy = XOpenDisplay(NULL);
    cr_assert_not_null(dpy, "no X display");
    GLXFBConfig *configs =
        glXChooseFBConfig(dpy, DefaultScreen(dpy), fb_attribs, &n);
    cr_assert(configs && n > 0, "no pbuffer config");
    config = configs[0];
    XFree(configs);
    pbuf = glXCreatePbuffer(dpy, config, pb_attribs);
    GLXContext ctx = make_context(NULL);
    cr_assert_not_null(ctx);
    cr_assert(glXMakeContextCurrent(dpy, pbuf, pbuf, ctx));
    cr_assert(strstr((const char *)glGetString(GL_EXTENSIONS),
                     "GL_MESA_map_buffer_client_pointer"),
              "lowmap's GLX vendor is not in the path");
}

static void teardown(void)
{
    struct lowmap_stats st = gt_stats();
    cr_expect_eq(st.high_pointers, 0);
}

TestSuite(glx, .init = setup, .fini = teardown);

#define SIZE (2 * 4096 + 5)

Test(glx, map_round_trip)
{
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 3, SIZE - 3,
                                  GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(p, SIZE - 3);
    cr_assert(gt_check(p, SIZE - 3, 1, 3));
    gt_fill(p, SIZE - 3, 2, 3);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert(gt_buffer_holds(buf, 3, SIZE - 3, 2, 3));
    cr_assert(gt_copy_holds(buf, 3, SIZE - 3, 2, 3));
}

Test(glx, persistent_placed)
{
    const GLbitfield flags = GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                             GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
    GLuint buf;
    glCreateBuffers(1, &buf);
    glNamedBufferStorage(buf, SIZE, NULL, flags);
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, flags);
    gt_assert_low(p, SIZE);
    gt_fill(p, SIZE, 3, 0);
    cr_assert(gt_copy_holds(buf, 0, SIZE, 3, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert_geq(gt_stats().aliases_created[LOWMAP_STRATEGY_PLACED], 1);
}

Test(glx, shared_contexts_and_new_context)
{
    GLXContext shared = make_context(glXGetCurrentContext());
    GLXContext other = glXCreateNewContext(dpy, config, GLX_RGBA_TYPE,
                                           NULL, True);
    cr_assert_not_null(shared);
    cr_assert_not_null(other);
    GLuint buf = gt_buffer(SIZE, 1);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    glFinish();

    cr_assert(glXMakeContextCurrent(dpy, pbuf, pbuf, shared));
    void *q = NULL;
    glGetNamedBufferPointerv(buf, GL_BUFFER_MAP_POINTER, &q);
    cr_assert_eq(q, p);
    cr_assert(glUnmapNamedBuffer(buf));

    /* An unshared context has its own namespace and its own views. */
    cr_assert(glXMakeContextCurrent(dpy, pbuf, pbuf, other));
    GLuint mine = gt_buffer(SIZE, 4);
    uint8_t *r = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(r, SIZE);
    cr_assert(gt_check(r, SIZE, 4, 0));
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    glDeleteBuffers(1, &mine);
    cr_assert(glXMakeContextCurrent(dpy, None, None, NULL));
    glXDestroyContext(dpy, other);
    glXDestroyContext(dpy, shared);
}
