/*
 * Mapping state across the GL object and context life cycle: implicit
 * unmaps, shared contexts, threads with their own contexts, and what
 * happens when no low view can be had (default fallback, LOWMAP_STRICT).
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "gl_util.h"

TestSuite(lifecycle, .init = gt_setup, .fini = gt_teardown);

#define SIZE (2 * 4096 + 77)

static GLint is_mapped(GLuint buf)
{
    GLint mapped = -1;
    glGetNamedBufferParameteriv(buf, GL_BUFFER_MAPPED, &mapped);
    return mapped;
}

Test(lifecycle, delete_mapped_buffer)
{
    GLuint buf = gt_buffer(SIZE, 1);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_WRITE_BIT);
    gt_assert_low(p, SIZE);
    glDeleteBuffers(1, &buf);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    /* The name may come back: it must start unmapped and map afresh. */
    GLuint again = gt_buffer(SIZE, 2);
    p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    cr_assert(gt_check(p, SIZE, 2, 0));
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    glDeleteBuffers(1, &again);
    cr_assert_eq(gt_stats().aliases_live, 0, "views leaked");
}

Test(lifecycle, respecify_mapped_buffer)
{
    GLuint buf = gt_buffer(SIZE, 1);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                               GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(p, SIZE);
    uint8_t *data = malloc(SIZE);
    gt_fill(data, SIZE, 3, 0);
    glBufferData(GL_ARRAY_BUFFER, SIZE, data, GL_STATIC_DRAW);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    cr_assert_eq(is_mapped(buf), GL_FALSE);
    void *q = (void *)1;
    glGetBufferPointerv(GL_ARRAY_BUFFER, GL_BUFFER_MAP_POINTER, &q);
    cr_assert_null(q);
    cr_assert(gt_buffer_holds(buf, 0, SIZE, 3, 0));
    p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    cr_assert(gt_check(p, SIZE, 3, 0));
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    free(data);
}

/* Shared contexts see one buffer namespace: a map made in one context is
 * reported and ended in the other. */
Test(lifecycle, shared_contexts)
{
    EGLContext other = gt_context(gt_ctx);
    cr_assert_neq(other, EGL_NO_CONTEXT);
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE,
                                       GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(p, SIZE);
    gt_fill(p, SIZE, 4, 0);
    glFinish();

    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, other));
    void *q = NULL;
    glGetNamedBufferPointerv(buf, GL_BUFFER_MAP_POINTER, &q);
    cr_assert_eq(q, (void *)p, "other context sees %p, map gave %p", q,
                 (void *)p);
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert(gt_buffer_holds(buf, 0, SIZE, 4, 0));

    /* Destroying one context of the group keeps the group's state. */
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                             gt_ctx));
    cr_assert(eglDestroyContext(gt_dpy, other));
    p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    cr_assert(gt_check(p, SIZE, 4, 0));
    cr_assert(glUnmapNamedBuffer(buf));
}

/* The last context of a share group goes with a buffer still mapped. */
Test(lifecycle, destroy_context_with_live_map)
{
    EGLContext solo = gt_context(EGL_NO_CONTEXT);
    cr_assert_neq(solo, EGL_NO_CONTEXT);
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, solo));
    gt_buffer(SIZE, 1);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    uint64_t live = gt_stats().aliases_live;
    cr_assert_geq(live, 1);
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                             gt_ctx));
    cr_assert(eglDestroyContext(gt_dpy, solo));
    cr_assert_eq(gt_stats().aliases_live, live - 1,
                 "the destroyed group's view is still live");
}

/* eglTerminate with a buffer mapped: the display's share groups go once
 * no thread has their contexts current. */
Test(lifecycle, terminate_with_live_map)
{
    gt_buffer(SIZE, 1);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    cr_assert(eglTerminate(gt_dpy));
    /* Still current: EGL keeps the context until it is released. */
    cr_assert_eq(gt_stats().aliases_live, 1);
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                             EGL_NO_CONTEXT));
    cr_assert_eq(gt_stats().aliases_live, 0);
    gt_dpy = EGL_NO_DISPLAY;
}

/* Two threads, each with its own context, map and check concurrently. */
static void *mapper(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    EGLContext ctx = gt_context(EGL_NO_CONTEXT);
    if (ctx == EGL_NO_CONTEXT)
        return "create context";
    if (!eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx))
        return "make current";
    GLuint buf = gt_buffer(SIZE, seed);
    for (unsigned i = 0; i < 200; i++) {
        uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                                      GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
        if (!p || (uintptr_t)p + SIZE > lowmap_limit())
            return "high or NULL pointer";
        if (!gt_check(p, SIZE, seed + i, 0))
            return "contents";
        gt_fill(p, SIZE, seed + i + 1, 0);
        if (!glUnmapBuffer(GL_ARRAY_BUFFER))
            return "unmap";
    }
    bool ok = gt_buffer_holds(buf, 0, SIZE, seed + 200, 0);
    glDeleteBuffers(1, &buf);
    eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(gt_dpy, ctx);
    return ok ? NULL : "final contents";
}

Test(lifecycle, two_threads_own_contexts)
{
    pthread_t t[2];
    for (uintptr_t i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, mapper,
                                    (void *)(1000 * (i + 1))), 0);
    for (int i = 0; i < 2; i++) {
        void *err;
        pthread_join(t[i], &err);
        cr_assert_null(err, "thread %d: %s", i, (const char *)err);
    }
}

/* A second thread in the main thread's share group, mapping buffers it
 * makes and deletes while the main thread maps its own: the group's lock,
 * biased toward the main thread until the second one arrives, keeps the
 * shared buffer table whole (shadows take it at every map and unmap). */
static atomic_bool churn_done;

static void *churn(void *arg)
{
    EGLContext ctx = gt_context((EGLContext)arg);
    const char *err = NULL;

    if (ctx == EGL_NO_CONTEXT ||
        !eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx))
        err = "shared context";
    for (unsigned i = 0; !err && i < 2000; i++) {
        GLuint buf = gt_buffer(SIZE, 5000 + i);
        uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                                      GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
        if (!p || (uintptr_t)p + SIZE > lowmap_limit())
            err = "high or NULL pointer";
        else if (!gt_check(p, SIZE, 5000 + i, 0))
            err = "contents";
        else
            gt_fill(p, SIZE, 6000 + i, 0);
        if (!glUnmapBuffer(GL_ARRAY_BUFFER) && !err)
            err = "unmap";
        if (!err && !gt_buffer_holds(buf, 0, SIZE, 6000 + i, 0))
            err = "written bytes";
        glDeleteBuffers(1, &buf);
    }
    atomic_store(&churn_done, true);
    if (ctx != EGL_NO_CONTEXT) {
        eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                       EGL_NO_CONTEXT);
        eglDestroyContext(gt_dpy, ctx);
    }
    return (void *)err;
}

Test(lifecycle, second_thread_in_the_share_group)
{
    GLuint buf = gt_buffer(SIZE, 1);
    pthread_t t;
    unsigned i = 0;

    /* The main thread takes the group's lock first. */
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    atomic_store(&churn_done, false);
    cr_assert_eq(pthread_create(&t, NULL, churn, gt_ctx), 0);
    for (; !atomic_load(&churn_done) || i < 2000; i++) {
        p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                             GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
        gt_assert_low(p, SIZE);
        cr_assert(gt_check(p, SIZE, 1 + i, 0), "contents at round %u", i);
        gt_fill(p, SIZE, 2 + i, 0);
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    }
    void *err;
    pthread_join(t, &err);
    cr_assert_null(err, "second thread: %s", (const char *)err);
    cr_assert(gt_buffer_holds(buf, 0, SIZE, 1 + i, 0));
}

/* A suite's init runs before a test's own, so tests that change the
 * environment (read when the first context appears) get suites of their
 * own.  No strategy can serve (passthrough only, llvmpipe's heap is high):
 * by default the host pointer goes out and is counted. */
static void setup_no_strategy(void)
{
    setenv("LOWMAP_STRATEGIES", "passthrough", 1);
    setenv("LOWMAP_PLACED", "off", 1);
    gt_allow_high = true;
    gt_setup();
}

TestSuite(fallback, .init = setup_no_strategy, .fini = gt_teardown);

Test(fallback, returns_host_pointer)
{
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                                  GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    cr_assert_not_null(p);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    if ((uintptr_t)p + SIZE <= lowmap_limit())
        cr_skip_test("host pointer already low");
    cr_assert(gt_check(p, SIZE, 1, 0));
    cr_assert_geq(gt_stats().high_pointers, 1);
    gt_fill(p, SIZE, 2, 0);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert(gt_buffer_holds(buf, 0, SIZE, 2, 0));
}

static void setup_strict(void)
{
    setenv("LOWMAP_STRICT", "1", 1);
    setup_no_strategy();
}

TestSuite(strict, .init = setup_strict, .fini = gt_teardown);

Test(strict, fails_with_out_of_memory)
{
    GLuint buf = gt_buffer(SIZE, 1);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    if (p && (uintptr_t)p + SIZE <= lowmap_limit())
        cr_skip_test("host pointer already low");
    cr_assert_null(p);
    cr_assert_eq(glGetError(), GL_OUT_OF_MEMORY);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    cr_assert_eq(is_mapped(buf), GL_FALSE, "host map not undone");
    cr_assert_null(glMapBuffer(GL_ARRAY_BUFFER, GL_READ_WRITE));
    cr_assert_eq(glGetError(), GL_OUT_OF_MEMORY);
    cr_assert_eq(gt_stats().high_pointers, 0);
    /* The buffer still works the ordinary way. */
    cr_assert(gt_buffer_holds(buf, 0, SIZE, 1, 0));
}
