/*
 * Shared set-up for the GL behaviour tests: an app's view of GL through
 * libglvnd and libepoxy, on an EGL surfaceless display whose only vendor is
 * lowmap's (ctest sets __EGL_VENDOR_LIBRARY_FILENAMES), wrapping Mesa.
 *
 * Criterion runs each test in its own process, so every test gets a fresh
 * display, context and arena.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_TESTS_GL_UTIL_H
#define LOWMAP_TESTS_GL_UTIL_H

#include <epoxy/egl.h>
#include <epoxy/gl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lowmap.h"

#ifndef GL_MAP_CLIENT_POINTER_BIT_MESA
#define GL_MAP_CLIENT_POINTER_BIT_MESA 0x4000
#endif
#ifndef GL_BUFFER_CLIENT_POINTER_SIZE_MESA
#define GL_BUFFER_CLIENT_POINTER_SIZE_MESA 0x9790
#endif
#ifndef GL_CLIENT_POINTER_RELEASE_ALL_MESA
#define GL_CLIENT_POINTER_RELEASE_ALL_MESA 0x0001
#endif

typedef void(APIENTRY *PFNGLADDCLIENTPOINTERRANGEMESAPROC)(void *addr,
                                                           GLsizeiptr size);
typedef void *(APIENTRY *PFNGLRELEASECLIENTPOINTERRANGEMESAPROC)(
    GLbitfield flags, GLsizeiptr *size);

extern EGLDisplay gt_dpy;
extern EGLContext gt_ctx;

/* Criterion fixtures: display + a current desktop GL context / teardown
 * that also checks no host pointer went out above the limit. */
void gt_setup(void);
void gt_setup_gles(void);
void gt_teardown(void);

/* Set before gt_setup() by suites that expect host pointers above the
 * limit (the default fallback); teardown then skips that check. */
extern bool gt_allow_high;

/* A new context of the same API (sharing with @share unless NULL), or
 * EGL_NO_CONTEXT; safe on any thread. */
EGLContext gt_context(EGLContext share);
/* A GL entry point as an app gets it (eglGetProcAddress); asserts. */
void *gt_proc(const char *name);
/* Whether the current context lists @ext. */
bool gt_has_ext(const char *ext);
/* Whether Mesa's lavapipe Vulkan driver is installed. */
bool gt_have_lavapipe(void);

/* Asserts [p, p+len) lies below the limit. */
void gt_assert_low(const void *p, size_t len);

/* Deterministic contents: byte i of pattern @seed. */
static inline uint8_t gt_byte(unsigned seed, size_t i)
{
    return (uint8_t)((i * 131u + seed * 7u + (i >> 8)) & 0xff);
}
void gt_fill(void *p, size_t len, unsigned seed, size_t first);
bool gt_check(const void *p, size_t len, unsigned seed, size_t first);

/* A buffer of @size bytes bound to GL_ARRAY_BUFFER holding pattern @seed. */
GLuint gt_buffer(size_t size, unsigned seed);
/* Reads [off, off+len) of @buf back with glGetBufferSubData. */
bool gt_buffer_holds(GLuint buf, size_t off, size_t len, unsigned seed,
                     size_t first);
/* Same, through glCopyBufferSubData into a fresh buffer, then read back;
 * proves the GL itself (not only a read path) sees the data. */
bool gt_copy_holds(GLuint buf, size_t off, size_t len, unsigned seed,
                   size_t first);

/* Binds a small complete framebuffer: surfaceless contexts have none, and
 * draws need one even with rasterization discarded. */
void gt_framebuffer(void);
/* The same, @side pixels square, for draws that must take a while. */
void gt_framebuffer_sized(GLsizei side);

/* A compiled shader of @type from @src; asserts it compiles. */
GLuint gt_shader(GLenum type, const char *src);

/* lowmap statistics now. */
struct lowmap_stats gt_stats(void);

#endif
