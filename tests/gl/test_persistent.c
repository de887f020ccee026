/*
 * Persistent maps stay valid across GL calls, and data crosses between the
 * app and the GL without an unmap exactly where the GL spec says: coherent
 * writes before any command that reads, non-coherent writes at
 * glMemoryBarrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT) or an explicit
 * flush, GL writes once the app has waited (glFinish, fences,
 * glGetBufferSubData).  ctest runs this suite with the default strategies
 * (placed storage: zero-copy) and with LOWMAP_STRATEGIES=shadow, where
 * every one of these maps is a shadow kept in step by copies.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gl_util.h"

TestSuite(persistent, .init = gt_setup, .fini = gt_teardown);

#define SIZE (2 * 4096 + 300)
#define RW (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT)
#define PC (GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT)

/* Immutable storage holding pattern @seed, persistently mapped with
 * @access over its whole size. */
static GLuint storage(GLbitfield access, unsigned seed, uint8_t **map)
{
    uint8_t *data = malloc(SIZE);
    GLuint buf = 0;

    gt_fill(data, SIZE, seed, 0);
    glCreateBuffers(1, &buf);
    glNamedBufferStorage(buf, SIZE, data,
                         (access & ~(GLbitfield)GL_MAP_FLUSH_EXPLICIT_BIT) |
                             GL_DYNAMIC_STORAGE_BIT);
    free(data);
    *map = glMapNamedBufferRange(buf, 0, SIZE, access);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    gt_assert_low(*map, SIZE);
    return buf;
}

/* Writes through the map reach a copy and a read-back, round after round,
 * with no unmap in between. */
Test(persistent, coherent_writes_reach_copies)
{
    uint8_t *p;
    GLuint buf = storage(GL_MAP_WRITE_BIT | PC, 1, &p);

    for (unsigned round = 0; round < 3; round++) {
        gt_fill(p + 100, 5000, 10 + round, 0);
        cr_assert(gt_copy_holds(buf, 100, 5000, 10 + round, 0), "round %u",
                  round);
        cr_assert(gt_buffer_holds(buf, 100, 5000, 10 + round, 0));
        cr_assert(gt_buffer_holds(buf, 0, 100, 1, 0), "bytes before");
        cr_assert(gt_buffer_holds(buf, 5100, SIZE - 5100, 1, 5100),
                  "bytes after");
    }
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert(gt_buffer_holds(buf, 100, 5000, 12, 0));
}

/* Non-coherent: the barrier makes the writes visible. */
Test(persistent, barrier_publishes_non_coherent_writes)
{
    uint8_t *p;
    GLuint buf = storage(GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT, 1, &p);

    gt_fill(p, SIZE, 20, 0);
    glMemoryBarrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT);
    cr_assert(gt_copy_holds(buf, 0, SIZE, 20, 0));
    gt_fill(p + 4096, 10, 21, 0);
    glMemoryBarrier(GL_ALL_BARRIER_BITS);
    cr_assert(gt_copy_holds(buf, 4096, 10, 21, 0));
    cr_assert(glUnmapNamedBuffer(buf));
}

/* Non-coherent with explicit flushes: exactly the flushed ranges. */
Test(persistent, explicit_flush_publishes_the_range)
{
    uint8_t *p;
    GLuint buf = storage(GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |
                             GL_MAP_FLUSH_EXPLICIT_BIT, 1, &p);

    gt_fill(p + 50, 3000, 30, 0);
    glFlushMappedNamedBufferRange(buf, 50, 3000);
    cr_assert(gt_copy_holds(buf, 50, 3000, 30, 0));
    cr_assert(gt_buffer_holds(buf, 3050, SIZE - 3050, 1, 3050));
    cr_assert(glUnmapNamedBuffer(buf));
}

/* How the app waits for the GL before reading through its map. */
enum wait { FINISH, CLIENT_WAIT, POLL, GET_SUB_DATA };

static void wait_for_gl(enum wait how, GLuint buf)
{
    GLsync fence;
    uint8_t byte;
    GLint status = 0;

    switch (how) {
    case FINISH:
        glFinish();
        break;
    case CLIENT_WAIT:
        fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
        cr_assert_neq(glClientWaitSync(fence, GL_SYNC_FLUSH_COMMANDS_BIT,
                                       10 * 1000 * 1000 * 1000ull),
                      GL_TIMEOUT_EXPIRED);
        glDeleteSync(fence);
        break;
    case POLL:
        fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
        glFlush();
        for (int i = 0; i < 1000000 && status != GL_SIGNALED; i++)
            glGetSynciv(fence, GL_SYNC_STATUS, 1, NULL, &status);
        cr_assert_eq(status, GL_SIGNALED);
        glDeleteSync(fence);
        break;
    case GET_SUB_DATA:
        glGetNamedBufferSubData(buf, 0, 1, &byte);
        break;
    }
}

/* GL writes into a readable persistent map show once the app waited; the
 * app's own writes survive that refresh. */
static void gl_writes_seen(enum wait how, GLbitfield coherent)
{
    uint8_t *p;
    GLuint buf = storage(RW | GL_MAP_PERSISTENT_BIT | coherent, 1, &p);
    GLuint src = gt_buffer(SIZE, 40);

    cr_assert(gt_check(p, SIZE, 1, 0));
    gt_fill(p, 100, 41, 0);
    if (!coherent)
        glMemoryBarrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT);
    glCopyNamedBufferSubData(src, buf, 100, 100, 5000);
    if (!coherent)
        glMemoryBarrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT);
    wait_for_gl(how, buf);
    cr_assert(gt_check(p, 100, 41, 0), "the app's writes");
    cr_assert(gt_check(p + 100, 5000, 40, 100), "the GL's writes");
    cr_assert(gt_check(p + 5100, SIZE - 5100, 1, 5100), "untouched bytes");
    /* The app keeps writing after the refresh. */
    gt_fill(p + 6000, 10, 42, 0);
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert(gt_buffer_holds(buf, 6000, 10, 42, 0));
    cr_assert(gt_buffer_holds(buf, 100, 5000, 40, 100));
}

Test(persistent, gl_writes_after_finish)
{
    gl_writes_seen(FINISH, GL_MAP_COHERENT_BIT);
}

Test(persistent, gl_writes_after_client_wait)
{
    gl_writes_seen(CLIENT_WAIT, GL_MAP_COHERENT_BIT);
}

Test(persistent, gl_writes_after_polled_fence)
{
    gl_writes_seen(POLL, GL_MAP_COHERENT_BIT);
}

Test(persistent, gl_writes_after_get_sub_data)
{
    gl_writes_seen(GET_SUB_DATA, GL_MAP_COHERENT_BIT);
}

Test(persistent, gl_writes_non_coherent_after_finish)
{
    gl_writes_seen(FINISH, 0);
}

Test(persistent, gl_writes_non_coherent_after_client_wait)
{
    gl_writes_seen(CLIENT_WAIT, 0);
}

/* A read-only persistent map sees every GL update after a wait. */
Test(persistent, read_only_map_follows_updates)
{
    uint8_t *p, data[256];
    GLuint buf = storage(GL_MAP_READ_BIT | PC, 1, &p);

    for (unsigned round = 0; round < 4; round++) {
        gt_fill(data, sizeof(data), 50 + round, 0);
        glNamedBufferSubData(buf, 4000, sizeof(data), data);
        wait_for_gl(round % 2 ? FINISH : CLIENT_WAIT, buf);
        cr_assert(gt_check(p + 4000, sizeof(data), 50 + round, 0),
                  "round %u", round);
    }
    cr_assert(glUnmapNamedBuffer(buf));
}

/* Reading a write-only map is undefined in GL but works natively; after a
 * copy into the buffer and a fence it works through lowmap too (piglit's
 * bufferstorage-persistent read does this). */
Test(persistent, write_only_map_sees_copies_after_fence)
{
    uint8_t *p;
    GLuint buf = storage(GL_MAP_WRITE_BIT | PC, 1, &p);
    GLuint src = gt_buffer(SIZE, 70);

    glCopyNamedBufferSubData(src, buf, 0, 0, SIZE);
    wait_for_gl(CLIENT_WAIT, buf);
    cr_assert(gt_check(p, SIZE, 70, 0));
    cr_assert(glUnmapNamedBuffer(buf));
}
