/*
 * GL_MESA_map_buffer_client_pointer against its specification (OpenGL
 * registry extension #562): advertised; maps with
 * MAP_CLIENT_POINTER_BIT_MESA land inside ranges the app donated; no room
 * means NULL, OUT_OF_MEMORY and BUFFER_CLIENT_POINTER_SIZE_MESA telling the
 * size needed; ranges come back through ReleaseClientPointerRangeMESA.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gl_util.h"

TestSuite(client_pointer, .init = gt_setup, .fini = gt_teardown);

static PFNGLADDCLIENTPOINTERRANGEMESAPROC add_range;
static PFNGLRELEASECLIENTPOINTERRANGEMESAPROC release_range;

#define PAGE 4096u

/* Low memory the way a WoW64 translator has it: its own, below 2 GiB. */
static void *low_pages(size_t pages)
{
    static uintptr_t hint = 0x40000000u;
    for (; hint < 0x7f000000u; hint += 0x01000000u) {
        void *p = mmap((void *)hint, pages * PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
                       0);
        if (p != MAP_FAILED) {
            hint += 0x01000000u;
            return p;
        }
    }
    cr_assert_fail("no low memory for a client range");
    return NULL;
}

static void resolve(void)
{
    add_range = (PFNGLADDCLIENTPOINTERRANGEMESAPROC)gt_proc(
        "glAddClientPointerRangeMESA");
    release_range = (PFNGLRELEASECLIENTPOINTERRANGEMESAPROC)gt_proc(
        "glReleaseClientPointerRangeMESA");
}

Test(client_pointer, advertised)
{
    const char *exts = (const char *)glGetString(GL_EXTENSIONS);
    cr_assert(strstr(exts, "GL_MESA_map_buffer_client_pointer"));
    cr_assert(strstr(exts, "GL_ARB_buffer_storage"), "host list kept");
    GLint n = 0;
    glGetIntegerv(GL_NUM_EXTENSIONS, &n);
    int found = 0;
    for (GLint i = 0; i < n; i++) {
        const char *e = (const char *)glGetStringi(GL_EXTENSIONS, (GLuint)i);
        cr_assert_not_null(e, "extension %d of %d", i, n);
        found += strcmp(e, "GL_MESA_map_buffer_client_pointer") == 0;
    }
    cr_assert_eq(found, 1);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    cr_assert_null(glGetStringi(GL_EXTENSIONS, (GLuint)n));
    cr_assert_eq(glGetError(), GL_INVALID_VALUE);
    /* Stable: apps keep the pointer. */
    cr_assert_eq((const char *)glGetString(GL_EXTENSIONS), exts);
}

Test(client_pointer, maps_inside_donated_range)
{
    resolve();
    char *range = low_pages(16);
    add_range(range, 16 * PAGE);
    cr_assert_eq(glGetError(), GL_NO_ERROR);

    GLuint buf = gt_buffer(3 * PAGE + 5, 1);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 7, 2 * PAGE,
                                  GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                                      GL_MAP_CLIENT_POINTER_BIT_MESA);
    cr_assert_eq(glGetError(), GL_NO_ERROR, "the host saw the client bit?");
    cr_assert((char *)p >= range && (char *)p + 2 * PAGE <= range + 16 * PAGE,
              "%p outside [%p, +%#x)", (void *)p, (void *)range, 16 * PAGE);
    cr_assert(gt_check(p, 2 * PAGE, 1, 7));
    gt_fill(p, 2 * PAGE, 2, 7);
    void *q = NULL;
    glGetBufferPointerv(GL_ARRAY_BUFFER, GL_BUFFER_MAP_POINTER, &q);
    cr_assert_eq(q, (void *)p);

    /* A range holding a mapped buffer is not given back. */
    GLsizeiptr size = -1;
    cr_assert_null(release_range(GL_CLIENT_POINTER_RELEASE_ALL_MESA, &size));
    cr_assert_eq(size, 0);

    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert(gt_buffer_holds(buf, 7, 2 * PAGE, 2, 7));
    glFlush();
    void *back = release_range(GL_CLIENT_POINTER_RELEASE_ALL_MESA, &size);
    cr_assert_eq(back, (void *)range);
    cr_assert_eq(size, 16 * PAGE);
    /* Readable and writable again, and ours. */
    memset(range, 0x5a, 16 * PAGE);
    cr_assert_null(release_range(GL_CLIENT_POINTER_RELEASE_ALL_MESA, &size));
    cr_assert_eq(size, 0);
}

Test(client_pointer, out_of_memory_reports_size_needed)
{
    resolve();
    char *small = low_pages(1);
    add_range(small, PAGE);
    GLuint buf = gt_buffer(8 * PAGE, 1);
    GLint64 need = -1;
    glGetBufferParameteri64v(GL_ARRAY_BUFFER,
                             GL_BUFFER_CLIENT_POINTER_SIZE_MESA, &need);
    cr_assert_eq(glGetError(), GL_NO_ERROR);

    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, 8 * PAGE,
                               GL_MAP_READ_BIT |
                                   GL_MAP_CLIENT_POINTER_BIT_MESA);
    cr_assert_null(p);
    cr_assert_eq(glGetError(), GL_OUT_OF_MEMORY);
    GLint mapped = -1;
    glGetBufferParameteriv(GL_ARRAY_BUFFER, GL_BUFFER_MAPPED, &mapped);
    cr_assert_eq(mapped, GL_FALSE);
    glGetBufferParameteri64v(GL_ARRAY_BUFFER,
                             GL_BUFFER_CLIENT_POINTER_SIZE_MESA, &need);
    cr_assert_geq(need, 8 * PAGE);
    cr_assert_eq(need % PAGE, 0, "size %lld not page-rounded",
                 (long long)need);
    GLint need32 = 0;
    glGetNamedBufferParameteriv(buf, GL_BUFFER_CLIENT_POINTER_SIZE_MESA,
                                &need32);
    cr_assert_eq(need32, need);

    /* A range of that size makes the map work. */
    char *big = low_pages((size_t)need / PAGE);
    add_range(big, (GLsizeiptr)need);
    uint8_t *q = glMapNamedBufferRange(buf, 0, 8 * PAGE,
                                       GL_MAP_READ_BIT |
                                           GL_MAP_CLIENT_POINTER_BIT_MESA);
    cr_assert_not_null(q, "error %#x", glGetError());
    cr_assert(((char *)q >= big && (char *)q + 8 * PAGE <= big + need) ||
              ((char *)q >= small && (char *)q + 8 * PAGE <= small + PAGE));
    cr_assert(gt_check(q, 8 * PAGE, 1, 0));
    cr_assert(glUnmapNamedBuffer(buf));

    /* Release-all hands back both, one per call. */
    GLsizeiptr size = 0, total = 0;
    void *r;
    int n = 0;
    while ((r = release_range(GL_CLIENT_POINTER_RELEASE_ALL_MESA, &size))) {
        cr_assert(r == small || r == big);
        total += size;
        n++;
    }
    cr_assert_eq(n, 2);
    cr_assert_eq(total, PAGE + need);
}

Test(client_pointer, size_query_errors)
{
    GLint v = 0;
    glBindBuffer(GL_ARRAY_BUFFER, 0);
    glGetBufferParameteriv(GL_ARRAY_BUFFER,
                           GL_BUFFER_CLIENT_POINTER_SIZE_MESA, &v);
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    glGetNamedBufferParameteriv(12345, GL_BUFFER_CLIENT_POINTER_SIZE_MESA,
                                &v);
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    glGetBufferParameteriv(0x1234, GL_BUFFER_CLIENT_POINTER_SIZE_MESA, &v);
    cr_assert_eq(glGetError(), GL_INVALID_ENUM);
}

Test(client_pointer, release_without_all_and_bad_range)
{
    resolve();
    char *range = low_pages(4);
    add_range(range, 4 * PAGE);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    add_range(range + 1, PAGE); /* not page aligned */
    cr_assert_eq(glGetError(), GL_INVALID_VALUE);
    add_range(range, -1);
    cr_assert_eq(glGetError(), GL_INVALID_VALUE);

    GLuint buf = gt_buffer(PAGE, 1);
    for (int i = 0; i < 3; i++) {
        void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, PAGE,
                                   GL_MAP_WRITE_BIT |
                                       GL_MAP_CLIENT_POINTER_BIT_MESA);
        cr_assert((char *)p >= range && (char *)p < range + 4 * PAGE);
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    }
    glDeleteBuffers(1, &buf);
    /* Without RELEASE_ALL the driver may keep it; RELEASE_ALL may not. */
    GLsizeiptr size = 0;
    void *r = release_range(0, &size);
    if (!r)
        r = release_range(GL_CLIENT_POINTER_RELEASE_ALL_MESA, &size);
    cr_assert_eq(r, (void *)range);
    cr_assert_eq(size, 4 * PAGE);
}

static void setup_gles(void)
{
    gt_setup_gles();
}

TestSuite(client_pointer_gles, .init = setup_gles, .fini = gt_teardown);

/* The extension needs desktop GL 3.0 or ARB_map_buffer_range. */
Test(client_pointer_gles, not_advertised)
{
    const char *exts = (const char *)glGetString(GL_EXTENSIONS);
    cr_assert_null(strstr(exts, "GL_MESA_map_buffer_client_pointer"));
    GLint n = 0;
    glGetIntegerv(GL_NUM_EXTENSIONS, &n);
    for (GLint i = 0; i < n; i++)
        cr_assert_str_neq((const char *)glGetStringi(GL_EXTENSIONS,
                                                     (GLuint)i),
                          "GL_MESA_map_buffer_client_pointer");
}
