/*
 * Stress through GL: random map/unmap cycles (sizes, offsets, every legal
 * access combination, four map entry points) against a model of the
 * buffers' contents, on one context and on four threads with contexts of
 * their own, unshared and all in one share group.  ctest runs it with the
 * default strategies and with LOWMAP_PLACED=all.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <pthread.h>

#include "cycles.h"
#include "gl_util.h"

TestSuite(stress, .init = gt_setup, .fini = gt_teardown, .timeout = 60);

static void report(const struct rb_worker *w, const char *who)
{
    cr_log_info("%s: %llu maps (%llu persistent), %llu read-backs", who,
                (unsigned long long)w->maps,
                (unsigned long long)w->persistent,
                (unsigned long long)w->checks);
}

Test(stress, cycles_one_context)
{
    static struct rb_worker w = {.rng = {0x9e3779b97f4a7c15ull},
                                 .max_size = 256 << 10};
    uint64_t live = gt_stats().aliases_live;
    cr_assert(rb_worker_start(&w), "%s", w.fail.msg);
    for (unsigned i = rb_cycles(200000); i > 0; i--)
        cr_assert(rb_cycle(&w), "cycle %u: %s", i, w.fail.msg);
    rb_worker_stop(&w);
    report(&w, "one context");
    cr_assert_gt(w.persistent, 0);
    cr_assert_eq(gt_stats().aliases_live, live, "views outlive buffers");
}

struct thread_arg {
    struct rb_worker w;
    EGLContext share;
    unsigned cycles;
};

static void *worker(void *arg)
{
    struct thread_arg *t = arg;
    EGLContext ctx = gt_context(t->share);
    if (ctx == EGL_NO_CONTEXT ||
        !eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
        snprintf(t->w.fail.msg, sizeof(t->w.fail.msg), "no context");
        return &t->w.fail;
    }
    bool ok = rb_worker_start(&t->w);
    for (unsigned i = 0; ok && i < t->cycles; i++)
        ok = rb_cycle(&t->w);
    rb_worker_stop(&t->w);
    eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(gt_dpy, ctx);
    return ok ? NULL : &t->w.fail;
}

static void four_threads(EGLContext share)
{
    static struct thread_arg t[4];
    pthread_t th[4];
    uint64_t live = gt_stats().aliases_live;
    for (int i = 0; i < 4; i++) {
        t[i] = (struct thread_arg){
            .w = {.rng = {0x1234567ull * (uint64_t)(i + 1)},
                  .max_size = 128 << 10},
            .share = share,
            .cycles = rb_cycles(200000) / 4,
        };
        cr_assert_eq(pthread_create(&th[i], NULL, worker, &t[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *err;
        pthread_join(th[i], &err);
        cr_expect_null(err, "thread %d: %s", i, t[i].w.fail.msg);
        report(&t[i].w, "thread");
    }
    cr_assert_eq(gt_stats().aliases_live, live, "views outlive buffers");
}

Test(stress, four_threads_own_groups)
{
    four_threads(EGL_NO_CONTEXT);
}

/* One share group: the threads' buffers share one table and its lock. */
Test(stress, four_threads_one_group)
{
    four_threads(gt_ctx);
}
