/*
 * Life cycle beyond tests/gl/test_lifecycle.c: orphaning and valid
 * re-specification of mapped buffers through every entry point, deleting
 * many mapped buffers at once, destroying a context that is not the last
 * of its group (and one that is still current) with live maps,
 * eglTerminate of a display whose contexts are not current and a display
 * initialised again, fork() with live maps, and process exit with maps
 * live (main and another thread).
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gl_util.h"

TestSuite(life, .init = gt_setup, .fini = gt_teardown, .timeout = 30);

#define SIZE (4 * 4096 + 123)
#define PERSISTENT_RW                                                        \
    (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |            \
     GL_MAP_COHERENT_BIT)

static GLint is_mapped(GLuint buf)
{
    GLint mapped = -1;
    glGetNamedBufferParameteriv(buf, GL_BUFFER_MAPPED, &mapped);
    return mapped;
}

static void *map_pointer(GLuint buf)
{
    void *q = (void *)1;
    glGetNamedBufferPointerv(buf, GL_BUFFER_MAP_POINTER, &q);
    return q;
}

/* An immutable buffer that maps persistently (placed by default). */
static GLuint persistent_buffer(unsigned seed)
{
    uint8_t *data = malloc(SIZE);
    GLuint buf = 0;
    gt_fill(data, SIZE, seed, 0);
    glCreateBuffers(1, &buf);
    glNamedBufferStorage(buf, SIZE, data,
                         PERSISTENT_RW | GL_DYNAMIC_STORAGE_BIT);
    free(data);
    return buf;
}

/* Orphaning a mapped buffer (glBufferData with NULL) unmaps it; a later
 * INVALIDATE_BUFFER map orphans again while a copy still reads the old
 * storage, which must keep the old bytes. */
Test(life, orphan_mapped_buffer)
{
    uint64_t live = gt_stats().aliases_live;
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                                  GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(p, SIZE);
    gt_fill(p, SIZE, 2, 0);
    glBufferData(GL_ARRAY_BUFFER, SIZE, NULL, GL_STREAM_DRAW);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    cr_assert_eq(is_mapped(buf), GL_FALSE);
    cr_assert_null(map_pointer(buf));
    cr_assert_eq(gt_stats().aliases_live, live, "orphaned view kept");

    for (unsigned round = 3; round < 8; round++) {
        p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                             GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT);
        gt_assert_low(p, SIZE);
        gt_fill(p, SIZE, round, 0);
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
        GLuint copy = 0;
        glCreateBuffers(1, &copy);
        glNamedBufferData(copy, SIZE, NULL, GL_STREAM_COPY);
        glCopyNamedBufferSubData(buf, copy, 0, 0, SIZE);
        /* Orphan under the queued copy. */
        p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                             GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT);
        gt_assert_low(p, SIZE);
        gt_fill(p, SIZE, round + 100, 0);
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
        cr_assert(gt_buffer_holds(copy, 0, SIZE, round, 0), "round %u",
                  round);
        cr_assert(gt_buffer_holds(buf, 0, SIZE, round + 100, 0));
        glDeleteBuffers(1, &copy);
    }
    glDeleteBuffers(1, &buf);
    cr_assert_eq(gt_stats().aliases_live, live);
}

/* Valid re-specification of a mapped buffer through the calls the target
 * paths of test_lifecycle.c do not use. */
Test(life, respecify_mapped_buffer_named_and_storage)
{
    uint64_t live = gt_stats().aliases_live;
    uint8_t *data = malloc(SIZE);
    GLuint buf = gt_buffer(SIZE, 1);
    void *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_WRITE_BIT);
    gt_assert_low(p, SIZE);
    gt_fill(data, SIZE, 2, 0);
    glNamedBufferData(buf, SIZE, data, GL_STATIC_DRAW);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    cr_assert_eq(is_mapped(buf), GL_FALSE);
    cr_assert(gt_buffer_holds(buf, 0, SIZE, 2, 0));

    /* Mutable to immutable while mapped. */
    p = glMapBuffer(GL_ARRAY_BUFFER, GL_READ_WRITE);
    gt_assert_low(p, SIZE);
    gt_fill(data, SIZE, 3, 0);
    glBufferStorage(GL_ARRAY_BUFFER, SIZE, data, PERSISTENT_RW);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    cr_assert_eq(is_mapped(buf), GL_FALSE);
    cr_assert_null(map_pointer(buf));
    uint8_t *q = glMapNamedBufferRange(buf, 0, SIZE, PERSISTENT_RW);
    gt_assert_low(q, SIZE);
    cr_assert(gt_check(q, SIZE, 3, 0));
    gt_fill(q, SIZE, 4, 0);
    cr_assert(gt_copy_holds(buf, 0, SIZE, 4, 0), "coherent write unseen");
    cr_assert(glUnmapNamedBuffer(buf));
    glDeleteBuffers(1, &buf);
    free(data);
    cr_assert_eq(gt_stats().aliases_live, live);
}

/* More mapped buffers than lm_delete_buffers keeps on its stack, shadowed
 * and placed, in one glDeleteBuffers. */
Test(life, delete_many_mapped_buffers)
{
    enum { N = 40 };
    GLuint bufs[N];
    uint64_t live = gt_stats().aliases_live;
    for (unsigned i = 0; i < N; i++) {
        bufs[i] = i % 2 ? persistent_buffer(i) : gt_buffer(SIZE, i);
        GLbitfield access = i % 2 ? PERSISTENT_RW
                                  : GL_MAP_READ_BIT | GL_MAP_WRITE_BIT;
        uint8_t *p = glMapNamedBufferRange(bufs[i], 0, SIZE, access);
        gt_assert_low(p, SIZE);
        cr_assert(gt_check(p, SIZE, i, 0));
    }
    cr_assert_geq(gt_stats().aliases_live, live + N);
    glDeleteBuffers(N, bufs);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    cr_assert_eq(gt_stats().aliases_live, live, "views outlive deletion");
    /* Names come back fresh. */
    GLuint again = gt_buffer(SIZE, 9);
    uint8_t *p = glMapNamedBufferRange(again, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    cr_assert(gt_check(p, SIZE, 9, 0));
    cr_assert(glUnmapNamedBuffer(again));
}

/*
 * A context that is not the last of its share group goes while a buffer
 * it mapped is still mapped.  Whatever the host does with the map, GL
 * and lowmap must agree: still mapped means the same low pointer that
 * still works; unmapped means lowmap's view ended too, and the buffer's
 * later contents are the GL's, not a stale copy's.
 */
Test(life, destroy_shared_context_with_live_map)
{
    uint64_t live = gt_stats().aliases_live;
    GLuint bufs[2] = {gt_buffer(SIZE, 1), persistent_buffer(2)};
    EGLContext other = gt_context(gt_ctx);
    cr_assert_neq(other, EGL_NO_CONTEXT);
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, other));
    uint8_t *p[2] = {
        glMapNamedBufferRange(bufs[0], 0, SIZE,
                              GL_MAP_READ_BIT | GL_MAP_WRITE_BIT),
        glMapNamedBufferRange(bufs[1], 0, SIZE, PERSISTENT_RW),
    };
    for (int i = 0; i < 2; i++) {
        gt_assert_low(p[i], SIZE);
        gt_fill(p[i], SIZE, 10 + i, 0);
    }
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                             gt_ctx));
    cr_assert(eglDestroyContext(gt_dpy, other));

    for (int i = 0; i < 2; i++) {
        if (is_mapped(bufs[i])) {
            cr_assert_eq(map_pointer(bufs[i]), (void *)p[i]);
            gt_fill(p[i], SIZE, 20 + i, 0);
            cr_assert(glUnmapNamedBuffer(bufs[i]));
            cr_assert(gt_buffer_holds(bufs[i], 0, SIZE, 20 + i, 0));
        } else {
            cr_assert_null(map_pointer(bufs[i]));
        }
        /* New contents from the GL side, then a fresh map sees them. */
        uint8_t *data = malloc(SIZE);
        gt_fill(data, SIZE, 30 + i, 0);
        glNamedBufferSubData(bufs[i], 0, SIZE, data);
        free(data);
        cr_assert_eq(glGetError(), GL_NO_ERROR);
        uint8_t *q = glMapNamedBufferRange(bufs[i], 0, SIZE,
                                           GL_MAP_READ_BIT);
        gt_assert_low(q, SIZE);
        cr_assert(gt_check(q, SIZE, 30 + i, 0), "buffer %d", i);
        cr_assert(glUnmapNamedBuffer(bufs[i]));
        cr_assert(gt_buffer_holds(bufs[i], 0, SIZE, 30 + i, 0));
    }
    glDeleteBuffers(2, bufs);
    cr_assert_eq(gt_stats().aliases_live, live);
}

/* Destroying the current context defers until it is released; its maps
 * go then. */
Test(life, destroy_current_context_with_live_map)
{
    uint64_t live = gt_stats().aliases_live;
    EGLContext solo = gt_context(EGL_NO_CONTEXT);
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, solo));
    GLuint bufs[2] = {gt_buffer(SIZE, 1), persistent_buffer(2)};
    gt_assert_low(glMapNamedBufferRange(bufs[0], 0, SIZE, GL_MAP_READ_BIT),
                  SIZE);
    gt_assert_low(glMapNamedBufferRange(bufs[1], 0, SIZE, PERSISTENT_RW),
                  SIZE);
    cr_assert_eq(is_mapped(bufs[0]), GL_TRUE);
    cr_assert(eglDestroyContext(gt_dpy, solo));
    /* Still current: still usable (libepoxy needs no new lookup here,
     * which it could not make without a current context). */
    cr_assert_eq(is_mapped(bufs[0]), GL_TRUE);
    cr_assert_geq(gt_stats().aliases_live, live + 1);
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                             gt_ctx));
    cr_assert_eq(gt_stats().aliases_live, live, "destroyed group's views");
}

/* eglTerminate with contexts not current on any thread: their groups and
 * views go at once; initialising again gives a working display. */
Test(life, terminate_not_current_then_reinitialise)
{
    GLuint bufs[2] = {gt_buffer(SIZE, 1), persistent_buffer(2)};
    gt_assert_low(glMapNamedBufferRange(bufs[0], 0, SIZE, GL_MAP_WRITE_BIT),
                  SIZE);
    gt_assert_low(glMapNamedBufferRange(bufs[1], 0, SIZE, PERSISTENT_RW),
                  SIZE);
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                             EGL_NO_CONTEXT));
    cr_assert_geq(gt_stats().aliases_live, 1);
    cr_assert(eglTerminate(gt_dpy));
    cr_assert_eq(gt_stats().aliases_live, 0, "views outlive eglTerminate");

    cr_assert(eglInitialize(gt_dpy, NULL, NULL));
    gt_ctx = gt_context(EGL_NO_CONTEXT);
    cr_assert_neq(gt_ctx, EGL_NO_CONTEXT);
    cr_assert(eglMakeCurrent(gt_dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
                             gt_ctx));
    GLuint buf = gt_buffer(SIZE, 3);
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    cr_assert(gt_check(p, SIZE, 3, 0));
    cr_assert(glUnmapNamedBuffer(buf));
}

/*
 * fork() with maps live: the child scribbles over every mapped pointer
 * and leaves without GL; the parent's maps keep their contents, and
 * writes the parent makes after the fork still reach the GL (dirty
 * tracking survives the copy-on-write the fork started).
 */
Test(life, fork_with_live_maps)
{
    GLuint bufs[3] = {gt_buffer(SIZE, 1), persistent_buffer(2),
                      gt_buffer(SIZE, 3)};
    GLbitfield access[3] = {GL_MAP_READ_BIT | GL_MAP_WRITE_BIT,
                            PERSISTENT_RW, GL_MAP_WRITE_BIT};
    uint8_t *p[3];
    for (int i = 0; i < 3; i++) {
        p[i] = glMapNamedBufferRange(bufs[i], 0, SIZE, access[i]);
        gt_assert_low(p[i], SIZE);
        gt_fill(p[i], SIZE, 10 + i, 0);
    }
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        for (int i = 0; i < 3; i++)
            memset(p[i], 0xee, SIZE);
        _exit(p[0][7] == 0xee ? 0 : 1);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child status %#x", status);
    for (int i = 0; i < 3; i++) {
        cr_assert(gt_check(p[i], SIZE, 10 + i, 0), "map %d changed", i);
        /* Half anew after the fork. */
        gt_fill(p[i], SIZE / 2, 20 + i, 0);
        cr_assert(glUnmapNamedBuffer(bufs[i]));
        cr_assert(gt_buffer_holds(bufs[i], 0, SIZE / 2, 20 + i, 0),
                  "buffer %d: write after fork lost", i);
        cr_assert(gt_buffer_holds(bufs[i], SIZE / 2, SIZE - SIZE / 2, 10 + i,
                                  SIZE / 2),
                  "buffer %d: write before fork lost", i);
    }
    glDeleteBuffers(3, bufs);
}

/* Runs live_exit @how; returns its stderr. */
static char *run_live_exit(const char *how, int *status)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        setenv("LOWMAP_STATS", "1", 1);
        execl(LIVE_EXIT_PATH, "live_exit", how, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    static char err[8192];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof(err) - 1 &&
           (n = read(fds[0], err + len, sizeof(err) - 1 - len)) > 0)
        len += (size_t)n;
    err[len] = '\0';
    close(fds[0]);
    waitpid(pid, status, 0);
    return err;
}

static void exits_cleanly(const char *how)
{
    int status;
    char *err = run_live_exit(how, &status);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "live_exit %s: status %#x\n%s", how, status, err);
    const char *stats = strstr(err, "lowmap: stats:");
    cr_assert_not_null(stats, "no statistics line:\n%s", err);
    cr_assert_not_null(strstr(stats, " high_pointers 0 "),
                       "host pointers went out high:\n%s", err);
}

Test(life, exit_with_live_maps)
{
    exits_cleanly("main");
}

Test(life, exit_from_thread_with_live_maps)
{
    exits_cleanly("thread");
}
