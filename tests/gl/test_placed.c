/*
 * Placed storage: with GL_AMD_pinned_memory (llvmpipe has it), persistent
 * buffers get low storage from lowmap, maps of them are zero-copy and
 * coherent, and every GL rule about buffer storage still holds.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gl_util.h"

#define SIZE (5 * 4096 + 999)
#define FLAGS                                                                \
    (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT |            \
     GL_MAP_COHERENT_BIT)

static void setup(void)
{
    gt_setup();
    if (!gt_has_ext("GL_AMD_pinned_memory"))
        cr_skip_test("host lacks GL_AMD_pinned_memory");
}

TestSuite(placed, .init = setup, .fini = gt_teardown);

static uint64_t placed_count(void)
{
    return gt_stats().aliases_created[LOWMAP_STRATEGY_PLACED];
}

static GLuint storage_buffer(GLbitfield flags, unsigned seed)
{
    uint8_t *data = malloc(SIZE);
    GLuint buf;
    gt_fill(data, SIZE, seed, 0);
    glCreateBuffers(1, &buf);
    glNamedBufferStorage(buf, SIZE, data, flags);
    free(data);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    return buf;
}

Test(placed, persistent_storage_is_low_and_coherent)
{
    GLuint buf = storage_buffer(FLAGS, 1);
    uint64_t before = placed_count();
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, FLAGS);
    gt_assert_low(p, SIZE);
    cr_assert_eq(placed_count(), before + 1, "not served by placed storage");
    cr_assert(gt_check(p, SIZE, 1, 0));

    /* Coherent both ways while mapped. */
    gt_fill(p, SIZE, 2, 0);
    cr_assert(gt_copy_holds(buf, 0, SIZE, 2, 0));
    GLuint src = gt_buffer(SIZE, 3);
    glCopyNamedBufferSubData(src, buf, 0, 0, SIZE);
    glFinish();
    cr_assert(gt_check(p, SIZE, 3, 0));
    cr_assert(glUnmapNamedBuffer(buf));

    /* Same storage, same pointer on the next map. */
    uint8_t *q = glMapNamedBufferRange(buf, 100, 200, GL_MAP_READ_BIT);
    cr_assert_eq(q, p + 100);
    cr_assert(glUnmapNamedBuffer(buf));
}

Test(placed, storage_queries_keep_gl_meaning)
{
    GLbitfield flags = FLAGS | GL_DYNAMIC_STORAGE_BIT;
    GLuint buf = storage_buffer(flags, 1);
    GLint v = 0;
    glGetNamedBufferParameteriv(buf, GL_BUFFER_IMMUTABLE_STORAGE, &v);
    cr_assert_eq(v, GL_TRUE);
    glGetNamedBufferParameteriv(buf, GL_BUFFER_STORAGE_FLAGS, &v);
    cr_assert_eq((GLbitfield)v, flags);
    GLint64 size = 0;
    glGetNamedBufferParameteri64v(buf, GL_BUFFER_SIZE, &size);
    cr_assert_eq(size, SIZE);

    /* Immutable: respecifying fails and keeps the data, also while a
     * persistent map is live. */
    void *p = glMapNamedBufferRange(buf, 0, SIZE, FLAGS);
    gt_assert_low(p, SIZE);
    glNamedBufferData(buf, SIZE, NULL, GL_STATIC_DRAW);
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    glNamedBufferStorage(buf, SIZE, NULL, flags);
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    void *q = NULL;
    glGetNamedBufferPointerv(buf, GL_BUFFER_MAP_POINTER, &q);
    cr_assert_eq(q, p, "map lost by a failed respecification");
    cr_assert(gt_check(p, SIZE, 1, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    /* Without MAP_WRITE in the storage flags a write map fails as GL
     * says. */
    GLuint ro = storage_buffer(GL_MAP_READ_BIT | GL_MAP_PERSISTENT_BIT, 4);
    cr_assert_null(glMapNamedBufferRange(ro, 0, SIZE, GL_MAP_WRITE_BIT));
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    p = glMapNamedBufferRange(ro, 0, SIZE,
                              GL_MAP_READ_BIT | GL_MAP_PERSISTENT_BIT);
    gt_assert_low(p, SIZE);
    cr_assert(gt_check(p, SIZE, 4, 0));
    cr_assert(glUnmapNamedBuffer(ro));
}

Test(placed, target_storage_and_draw_source)
{
    GLuint buf;
    glGenBuffers(1, &buf);
    glBindBuffer(GL_COPY_WRITE_BUFFER, buf);
    glBufferStorage(GL_COPY_WRITE_BUFFER, SIZE, NULL, FLAGS);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    uint8_t *p = glMapBufferRange(GL_COPY_WRITE_BUFFER, 0, SIZE, FLAGS);
    gt_assert_low(p, SIZE);
    cr_assert_eq(gt_stats().aliases_created[LOWMAP_STRATEGY_PLACED], 1);
    /* Storage created without data reads as zero... */
    for (size_t i = 0; i < SIZE; i++)
        cr_assert_eq(p[i], 0);
    gt_fill(p, SIZE, 5, 0);
    glMemoryBarrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT);
    cr_assert(gt_copy_holds(buf, 0, SIZE, 5, 0));
    cr_assert(glUnmapBuffer(GL_COPY_WRITE_BUFFER));
    /* ...and the binding the app made is untouched. */
    GLint bound = 0;
    glGetIntegerv(GL_COPY_WRITE_BUFFER_BINDING, &bound);
    cr_assert_eq((GLuint)bound, buf);
}

Test(placed, delete_keeps_storage_for_queued_work)
{
    for (int round = 0; round < 20; round++) {
        GLuint buf = storage_buffer(FLAGS, (unsigned)round);
        uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, FLAGS);
        gt_assert_low(p, SIZE);
        cr_assert(gt_check(p, SIZE, (unsigned)round, 0));
        /* Deleted while mapped and while a copy from it may be queued. */
        GLuint dst = gt_buffer(SIZE, 99);
        glCopyNamedBufferSubData(buf, dst, 0, 0, SIZE);
        glDeleteBuffers(1, &buf);
        cr_assert(gt_buffer_holds(dst, 0, SIZE, (unsigned)round, 0));
        glDeleteBuffers(1, &dst);
    }
}

/* Once the host is done (fence signalled) the storage is freed, and a
 * stale pointer faults instead of reaching reused memory. */
Test(placed, delete_frees_storage, .signal = SIGSEGV)
{
    GLuint buf = storage_buffer(FLAGS, 1);
    volatile uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, FLAGS);
    gt_assert_low((void *)p, SIZE);
    glDeleteBuffers(1, &buf);
    cr_assert_eq(p[0], gt_byte(1, 0), "freed before the host was done");
    glFinish();
    GLuint sweep = 0;
    glCreateBuffers(1, &sweep);
    glDeleteBuffers(1, &sweep); /* frees what signalled fences release */
    (void)p[0];
    cr_assert_fail("stale placed pointer still readable");
}

/* The default (auto) on a software rasterizer: persistent storage is
 * placed at once; a buffer with mutable storage is moved into placed
 * storage before its first map, keeping its bytes, size and usage, so no
 * map of it is a shadow; buffers never mapped take no low memory;
 * immutable storage that is not persistent stays where it is. */
Test(placed, software_rasterizer_places_mapped_buffers)
{
    enum { UNMAPPED = 8, BIG = 1 << 20 };
    const char *renderer = (const char *)glGetString(GL_RENDERER);
    if (!strstr(renderer, "llvmpipe") && !strstr(renderer, "softpipe"))
        cr_skip_test("not a software rasterizer: %s", renderer);
    GLuint buf = storage_buffer(GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, 1);
    for (int i = 0; i < 2; i++) {
        uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT);
        gt_assert_low(p, SIZE);
        cr_assert(gt_check(p, SIZE, 1, 0));
        cr_assert(glUnmapNamedBuffer(buf));
    }
    cr_assert_eq(placed_count(), 0, "immutable storage was moved");

    uint64_t used = gt_stats().arena_used;
    GLuint unmapped[UNMAPPED];
    for (int i = 0; i < UNMAPPED; i++)
        unmapped[i] = gt_buffer(BIG, 9);
    cr_assert_lt(gt_stats().arena_used, used + BIG,
                 "buffers never mapped took low memory");

    GLuint data = gt_buffer(SIZE, 2);
    uint64_t shadows = gt_stats().aliases_created[LOWMAP_STRATEGY_SHADOW];
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    cr_assert_eq(placed_count(), 1, "the first map is not of placed storage");
    cr_assert(gt_check(p, SIZE, 2, 0), "moving lost the buffer's bytes");
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));

    p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                         GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(p, SIZE);
    gt_fill(p + 100, 5000, 3, 100);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert_eq(gt_stats().aliases_created[LOWMAP_STRATEGY_SHADOW], shadows,
                 "a map was a shadow");
    cr_assert(gt_copy_holds(data, 100, 5000, 3, 100));
    cr_assert(gt_copy_holds(data, 5100, SIZE - 5100, 2, 5100));

    GLint v = 0;
    glBindBuffer(GL_ARRAY_BUFFER, data);
    glGetBufferParameteriv(GL_ARRAY_BUFFER, GL_BUFFER_USAGE, &v);
    cr_assert_eq(v, GL_DYNAMIC_DRAW);
    glGetBufferParameteriv(GL_ARRAY_BUFFER, GL_BUFFER_SIZE, &v);
    cr_assert_eq(v, SIZE);
    glGetBufferParameteriv(GL_ARRAY_BUFFER, GL_BUFFER_IMMUTABLE_STORAGE, &v);
    cr_assert_eq(v, GL_FALSE);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    glDeleteBuffers(1, &data);
    glDeleteBuffers(UNMAPPED, unmapped);
}

/* Many buffers waiting to move at once, names sharing the filter's slots
 * (adopt.c), some deleted while waiting, some specified again: each moves
 * at its first map, and once none waits the next one still does. */
Test(placed, every_buffer_moves_at_its_first_map_whatever_its_name)
{
    enum { N = 1100, SMALL = 4096 + 123 };
    static GLuint bufs[N];
    const char *renderer = (const char *)glGetString(GL_RENDERER);
    if (!strstr(renderer, "llvmpipe") && !strstr(renderer, "softpipe"))
        cr_skip_test("not a software rasterizer: %s", renderer);

    for (unsigned round = 0; round < 2; round++) {
        for (unsigned i = 0; i < N; i++)
            bufs[i] = gt_buffer(SMALL, i % 250 + 1);
        for (unsigned i = 0; i < N; i += 7)
            glDeleteBuffers(1, &bufs[i]);
        /* Specified again before any map: still waits, new bytes. */
        for (unsigned i = 3; i < N; i += 7) {
            glBindBuffer(GL_ARRAY_BUFFER, bufs[i]);
            uint8_t data[SMALL];
            gt_fill(data, SMALL, 251, 0);
            glBufferData(GL_ARRAY_BUFFER, SMALL, data, GL_STREAM_DRAW);
        }
        uint64_t placed = placed_count();
        uint64_t shadows = gt_stats().aliases_created[LOWMAP_STRATEGY_SHADOW];
        unsigned mapped = 0;
        for (unsigned i = 0; i < N; i++) {
            if (i % 7 == 0)
                continue;
            unsigned seed = i % 7 == 3 ? 251 : i % 250 + 1;
            glBindBuffer(GL_ARRAY_BUFFER, bufs[i]);
            uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SMALL,
                                          GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
            gt_assert_low(p, SMALL);
            cr_assert(gt_check(p, SMALL, seed, 0), "buffer %u lost bytes", i);
            cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
            cr_assert_eq(placed_count(), placed + ++mapped,
                         "round %u: buffer %u (name %u) did not move", round,
                         i, bufs[i]);
        }
        cr_assert_eq(gt_stats().aliases_created[LOWMAP_STRATEGY_SHADOW],
                     shadows, "round %u: a first map was a shadow", round);
        for (unsigned i = 0; i < N; i++)
            if (i % 7)
                glDeleteBuffers(1, &bufs[i]);
    }
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

/* Target maps of placed storage skip the binding query when the host
 * serves them from the storage the context mapped last (map.c): maps of
 * other buffers through the same targets, placed or shadows, whole or in
 * part, each still get their own buffer's bytes, and their writes land
 * there. */
Test(placed, target_maps_of_other_buffers_between_placed_ones)
{
    const char *renderer = (const char *)glGetString(GL_RENDERER);
    if (!strstr(renderer, "llvmpipe") && !strstr(renderer, "softpipe"))
        cr_skip_test("not a software rasterizer: %s", renderer);
    GLuint x = gt_buffer(SIZE, 1), z = gt_buffer(SIZE, 3);
    GLuint y = storage_buffer(GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, 2);
    const GLbitfield rw = GL_MAP_READ_BIT | GL_MAP_WRITE_BIT;
    uint64_t placed = placed_count();

    for (unsigned round = 0; round < 3; round++) {
        glBindBuffer(GL_ARRAY_BUFFER, x);
        uint8_t *px = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, rw);
        gt_assert_low(px, SIZE);
        cr_assert(gt_check(px + 8192, SIZE - 8192, 1, 8192));
        gt_fill(px, 100, 10 + round, 0);
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));

        /* Immutable storage is never moved: its maps are shadows. */
        glBindBuffer(GL_ARRAY_BUFFER, y);
        uint8_t *py = glMapBufferRange(GL_ARRAY_BUFFER, 4096, 4096, rw);
        gt_assert_low(py, 4096);
        cr_assert(py < px || py >= px + SIZE);
        cr_assert(gt_check(py + 100, 4096 - 100, 2, 4096 + 100));
        gt_fill(py, 100, 20 + round, 4096);
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));

        glBindBuffer(GL_COPY_WRITE_BUFFER, z);
        uint8_t *pz = glMapBuffer(GL_COPY_WRITE_BUFFER, GL_READ_WRITE);
        gt_assert_low(pz, SIZE);
        cr_assert(gt_check(pz + 100, SIZE - 100, 3, 100));
        gt_fill(pz, 100, 30 + round, 0);
        cr_assert(glUnmapBuffer(GL_COPY_WRITE_BUFFER));

        /* Part of the buffer mapped last, then the whole of it. */
        glBindBuffer(GL_ARRAY_BUFFER, x);
        uint8_t *part = glMapBufferRange(GL_ARRAY_BUFFER, 4096, 8192, rw);
        cr_assert_eq(part, px + 4096, "a placed buffer's map moved");
        cr_assert(gt_check(part + 4096, 4096, 1, 8192));
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
        cr_assert_eq(glMapBuffer(GL_ARRAY_BUFFER, GL_READ_ONLY), px);
        cr_assert(gt_check(px, 100, 10 + round, 0));
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));

        cr_assert(gt_copy_holds(x, 0, 100, 10 + round, 0));
        cr_assert(gt_copy_holds(y, 4096, 100, 20 + round, 4096));
        cr_assert(gt_copy_holds(z, 0, 100, 30 + round, 0));
    }
    cr_assert_eq(placed_count(), placed + 2, "x and z were not placed once");

    /* A name used again after a delete is another buffer. */
    glDeleteBuffers(1, &x);
    GLuint again = gt_buffer(SIZE, 4);
    uint8_t *pa = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(pa, SIZE);
    cr_assert(gt_check(pa, SIZE, 4, 0), "buffer %u shows a deleted one's "
                                        "bytes", again);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    GLuint rest[] = {y, z, again};
    glDeleteBuffers(3, rest);
}

static void setup_persistent(void)
{
    setenv("LOWMAP_PLACED", "persistent", 1);
    setup();
}

TestSuite(placed_persistent, .init = setup_persistent, .fini = gt_teardown);

Test(placed_persistent, non_persistent_not_placed)
{
    GLuint buf = storage_buffer(GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, 1);
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, SIZE);
    cr_assert_eq(placed_count(), 0);
    cr_assert(gt_check(p, SIZE, 1, 0));
    cr_assert(glUnmapNamedBuffer(buf));
}

static void *map_pointer(GLuint buf)
{
    void *p = NULL;
    glGetNamedBufferPointerv(buf, GL_BUFFER_MAP_POINTER, &p);
    return p;
}

/* Maps of placed storage are not tracked; a shadow mapped meanwhile is,
 * and neither disturbs the other, whatever the order of the unmaps. */
Test(placed_persistent, placed_and_shadow_maps_interleave)
{
    GLuint placed = storage_buffer(FLAGS, 1);
    GLuint shadowed = storage_buffer(GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, 4);
    uint64_t shadows = gt_stats().aliases_created[LOWMAP_STRATEGY_SHADOW];

    uint8_t *pa = glMapNamedBufferRange(placed, 0, SIZE, FLAGS);
    uint8_t *pb = glMapNamedBufferRange(shadowed, 0, SIZE,
                                        GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(pa, SIZE);
    gt_assert_low(pb, SIZE);
    cr_assert_eq(placed_count(), 1);
    cr_assert_eq(gt_stats().aliases_created[LOWMAP_STRATEGY_SHADOW],
                 shadows + 1, "the second buffer is no shadow");
    cr_assert_eq(map_pointer(placed), pa);
    cr_assert_eq(map_pointer(shadowed), pb);

    gt_fill(pa, SIZE, 2, 0);
    cr_assert(glUnmapNamedBuffer(placed));
    cr_assert_eq(map_pointer(placed), NULL);
    gt_fill(pb, SIZE, 5, 0);
    cr_assert_eq(map_pointer(shadowed), pb);
    cr_assert_eq(glMapNamedBufferRange(placed, 0, SIZE, FLAGS), pa);
    cr_assert(glUnmapNamedBuffer(shadowed));
    cr_assert(gt_copy_holds(shadowed, 0, SIZE, 5, 0),
              "the shadow's writes were lost");
    cr_assert(gt_copy_holds(placed, 0, SIZE, 2, 0));
    cr_assert_eq(map_pointer(placed), pa);
    cr_assert(glUnmapNamedBuffer(placed));

    /* Unmapping what is not mapped stays the host's error. */
    cr_assert_not(glUnmapNamedBuffer(placed));
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

static void setup_all(void)
{
    setenv("LOWMAP_PLACED", "all", 1);
    setup();
}

TestSuite(placed_all, .init = setup_all, .fini = gt_teardown);

/* LOWMAP_PLACED=all places glBufferData buffers too; orphaning and
 * re-specification keep GL semantics. */
Test(placed_all, buffer_data_orphaning)
{
    GLuint buf = gt_buffer(SIZE, 1);
    GLint usage = 0;
    glGetBufferParameteriv(GL_ARRAY_BUFFER, GL_BUFFER_USAGE, &usage);
    cr_assert_eq(usage, GL_DYNAMIC_DRAW);
    GLint immutable = -1;
    glGetBufferParameteriv(GL_ARRAY_BUFFER, GL_BUFFER_IMMUTABLE_STORAGE,
                           &immutable);
    cr_assert_eq(immutable, GL_FALSE);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE,
                                  GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(p, SIZE);
    cr_assert_eq(placed_count(), 1);
    cr_assert(gt_check(p, SIZE, 1, 0));
    gt_fill(p, SIZE, 2, 0);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));

    GLuint copy = 0;
    glCreateBuffers(1, &copy);
    glNamedBufferData(copy, SIZE, NULL, GL_STREAM_COPY);
    glCopyNamedBufferSubData(buf, copy, 0, 0, SIZE);
    /* Orphan while the copy may be in flight, then fill anew. */
    glBufferData(GL_ARRAY_BUFFER, SIZE * 2, NULL, GL_STREAM_DRAW);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    cr_assert(gt_buffer_holds(copy, 0, SIZE, 2, 0));
    p = glMapBufferRange(GL_ARRAY_BUFFER, 0, SIZE * 2,
                         GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT);
    gt_assert_low(p, SIZE * 2);
    gt_fill(p, SIZE * 2, 3, 0);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert(gt_buffer_holds(buf, 0, SIZE * 2, 3, 0));
    GLint64 size = 0;
    glGetBufferParameteri64v(GL_ARRAY_BUFFER, GL_BUFFER_SIZE, &size);
    cr_assert_eq(size, SIZE * 2);
    /* Zero-sized data is legal and leaves nothing to map. */
    glBufferData(GL_ARRAY_BUFFER, 0, NULL, GL_STREAM_DRAW);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

static void setup_off(void)
{
    setenv("LOWMAP_PLACED", "off", 1);
    setup();
}

TestSuite(placed_off, .init = setup_off, .fini = gt_teardown);

Test(placed_off, persistent_maps_still_low)
{
    GLuint buf = storage_buffer(FLAGS, 1);
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, FLAGS);
    gt_assert_low(p, SIZE);
    cr_assert_eq(placed_count(), 0);
    cr_assert(gt_check(p, SIZE, 1, 0));
    cr_assert(glUnmapNamedBuffer(buf));
}
