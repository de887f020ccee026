/*
 * The zero-copy strategies and texture mapping end to end, wrapping the
 * fake host vendor (tests/fakevendor) whose storage is driver-like: one
 * heap above 4 GiB, sub-allocated at odd offsets, shared memory or memfd.
 * Each suite picks the heap kind and strategies before its first context.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fakevendor.h"
#include "gl_util.h"

#define SIZE (3 * 4096 + 555)
#define OFF 333
#define LEN (SIZE - OFF - 17)

static void setup_heap(const char *heap, const char *strategies)
{
    setenv("LOWMAPFAKE_HEAP", heap, 1);
    if (strategies)
        setenv("LOWMAP_STRATEGIES", strategies, 1);
    gt_setup();
    cr_assert_str_eq((const char *)glGetString(GL_RENDERER), "lowmapfake",
                     "not wrapping the fake vendor");
}

static uint8_t *host_storage(GLuint buf)
{
    lowmapfake_buffer_storage_fn fn = (lowmapfake_buffer_storage_fn)
        lowmapfake_sym("lowmapfake_buffer_storage");
    size_t size = 0;
    cr_assert_not_null(fn);
    uint8_t *p = fn(buf, &size);
    cr_assert_not_null(p);
    return p;
}

/* Maps twice; checks the view is zero-copy (coherent with the host's own
 * storage while mapped), made by @strategy, and kept across unmap. */
static void zero_copy_round_trip(int strategy)
{
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *host = host_storage(buf);
    cr_assert_gt((uintptr_t)host, lowmap_limit(), "fake heap is low");
    struct lowmap_stats before = gt_stats();

    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, OFF, LEN,
                                  GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    gt_assert_low(p, LEN);
    struct lowmap_stats after = gt_stats();
    cr_assert_eq(after.aliases_created[strategy],
                 before.aliases_created[strategy] + 1, "not %s",
                 lowmap_strategy_name(strategy));
    cr_assert(gt_check(p, LEN, 1, OFF));
    gt_fill(p, LEN, 2, OFF);
    cr_assert(gt_check(host + OFF, LEN, 2, OFF), "not coherent");
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert(gt_buffer_holds(buf, OFF, LEN, 2, OFF));

    /* Steady state: the same view again, no new alias. */
    uint64_t created = 0;
    for (int s = 0; s < LOWMAP_STRATEGY_COUNT; s++)
        created += after.aliases_created[s];
    for (int i = 0; i < 10; i++) {
        uint8_t *q = glMapBufferRange(GL_ARRAY_BUFFER, OFF, LEN,
                                      GL_MAP_READ_BIT);
        cr_assert_eq(q, p);
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    }
    struct lowmap_stats steady = gt_stats();
    uint64_t created2 = 0;
    for (int s = 0; s < LOWMAP_STRATEGY_COUNT; s++)
        created2 += steady.aliases_created[s];
    cr_assert_eq(created2, created, "steady-state maps made new aliases");

    /* Respecification drops the kept view. */
    glBufferData(GL_ARRAY_BUFFER, SIZE, NULL, GL_DYNAMIC_DRAW);
    cr_assert_eq(gt_stats().aliases_live, 0);
}

static void setup_memfd(void) { setup_heap("memfd", NULL); }
static void setup_fdremap(void) { setup_heap("memfd", "fd_remap,shadow"); }
static void setup_shared(void) { setup_heap("shared", NULL); }
static void setup_private(void) { setup_heap("private", NULL); }

TestSuite(fake_memfd, .init = setup_memfd, .fini = gt_teardown);
TestSuite(fake_fdremap, .init = setup_fdremap, .fini = gt_teardown);
TestSuite(fake_shared, .init = setup_shared, .fini = gt_teardown);
TestSuite(fake_private, .init = setup_private, .fini = gt_teardown);

Test(fake_memfd, mremap_zero_copy)
{
    zero_copy_round_trip(LOWMAP_STRATEGY_MREMAP);
}

Test(fake_fdremap, fd_remap_zero_copy)
{
    zero_copy_round_trip(LOWMAP_STRATEGY_FD_REMAP);
}

Test(fake_shared, mremap_zero_copy)
{
    zero_copy_round_trip(LOWMAP_STRATEGY_MREMAP);
}

Test(fake_private, shadow_round_trip)
{
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *p = glMapNamedBufferRange(buf, OFF, LEN,
                                       GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    gt_assert_low(p, LEN);
    cr_assert_eq(gt_stats().aliases_created[LOWMAP_STRATEGY_SHADOW], 1);
    cr_assert(gt_check(p, LEN, 1, OFF));
    gt_fill(p, LEN, 2, OFF);
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert(gt_buffer_holds(buf, OFF, LEN, 2, OFF));
}

/* GL_INTEL_map_texture: the level's storage seen low, both ways. */
static void texture_round_trip(int strategy)
{
    const int w = 13, h = 7;
    uint8_t pixels[13 * 7 * 4];
    GLuint tex;
    gt_fill(pixels, sizeof(pixels), 1, 0);
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA,
                 GL_UNSIGNED_BYTE, pixels);
    cr_assert_eq(glGetError(), GL_NO_ERROR);

    typedef void *(APIENTRY *map_fn)(GLuint, GLint, GLbitfield, GLint *,
                                     GLenum *);
    typedef void(APIENTRY *unmap_fn)(GLuint, GLint);
    GLint stride = 0;
    GLenum layout = 0;
    struct lowmap_stats before = gt_stats();
    uint8_t *p = ((map_fn)gt_proc("glMapTexture2DINTEL"))(
        tex, 0, GL_MAP_READ_BIT | GL_MAP_WRITE_BIT, &stride, &layout);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    cr_assert_geq(stride, w * 4);
    gt_assert_low(p, (size_t)stride * h);
    cr_assert_eq(gt_stats().aliases_created[strategy],
                 before.aliases_created[strategy] + 1);
    for (int y = 0; y < h; y++) {
        cr_assert(gt_check(p + y * stride, (size_t)w * 4, 1,
                           (size_t)y * w * 4));
        gt_fill(p + y * stride, (size_t)w * 4, 2, (size_t)y * w * 4);
    }
    ((unmap_fn)gt_proc("glUnmapTexture2DINTEL"))(tex, 0);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    memset(pixels, 0, sizeof(pixels));
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
    cr_assert(gt_check(pixels, sizeof(pixels), 2, 0));
    cr_assert_eq(gt_stats().aliases_live, 0);
}

Test(fake_memfd, map_texture_intel)
{
    cr_assert(gt_has_ext("GL_INTEL_map_texture"));
    texture_round_trip(LOWMAP_STRATEGY_MREMAP);
}

Test(fake_private, map_texture_intel_shadow)
{
    texture_round_trip(LOWMAP_STRATEGY_SHADOW);
}

/* Persistent maps on a zero-copy host: coherent without any flush. */
Test(fake_memfd, persistent_coherent)
{
    const GLbitfield flags = GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                             GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
    GLuint buf;
    glCreateBuffers(1, &buf);
    glNamedBufferStorage(buf, SIZE, NULL, flags);
    uint8_t *p = glMapNamedBufferRange(buf, 0, SIZE, flags);
    gt_assert_low(p, SIZE);
    gt_fill(p, SIZE, 5, 0);
    cr_assert(gt_check(host_storage(buf), SIZE, 5, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    glDeleteBuffers(1, &buf);
    cr_assert_eq(gt_stats().aliases_live, 0);
}

/*
 * A host that stages explicit-flush maps (LOWMAPFAKE_STAGING=1) publishes
 * only what its flushes cover, at the flush.  Lowmap's flushes of such a
 * shadow wait for the unmap (glvnd-vendor/gl/flush.c): they must reach the
 * host after the write-back, for the buffer the app flushed, whatever is
 * bound by then.
 */
static void setup_staging(void)
{
    setenv("LOWMAPFAKE_STAGING", "1", 1);
    setup_heap("private", NULL);
}

TestSuite(fake_staging, .init = setup_staging, .fini = gt_teardown);

#define EXPLICIT (GL_MAP_WRITE_BIT | GL_MAP_FLUSH_EXPLICIT_BIT)

/* Writes and flushes @n ranges of @len bytes, @gap apart, in the map @p
 * of [OFF, OFF+LEN); @named: through glFlushMappedNamedBufferRange. */
static void write_and_flush(GLuint buf, uint8_t *p, int n, size_t len,
                            size_t gap, bool named)
{
    for (int i = 0; i < n; i++) {
        size_t at = 50 + (size_t)i * (len + gap);
        cr_assert_leq(at + len, LEN);
        gt_fill(p + at, len, 2, OFF + at);
        if (named)
            glFlushMappedNamedBufferRange(buf, (GLintptr)at,
                                          (GLsizeiptr)len);
        else
            glFlushMappedBufferRange(GL_ARRAY_BUFFER, (GLintptr)at,
                                     (GLsizeiptr)len);
        cr_assert_eq(glGetError(), GL_NO_ERROR);
    }
}

/* The host's storage holds the flushed ranges' new bytes and the old ones
 * everywhere else: the unflushed rest of the staging copy was dropped. */
static void assert_flushed(GLuint buf, int n, size_t len, size_t gap)
{
    const uint8_t *host = host_storage(buf);
    size_t next = 0;

    for (int i = 0; i < n; i++) {
        size_t at = OFF + 50 + (size_t)i * (len + gap);
        cr_assert(gt_check(host + next, at - next, 1, next),
                  "bytes before flushed range %d changed", i);
        cr_assert(gt_check(host + at, len, 2, at),
                  "flushed range %d did not reach the host", i);
        next = at + len;
    }
    cr_assert(gt_check(host + next, SIZE - next, 1, next),
              "bytes after the flushed ranges changed");
}

Test(fake_staging, flushes_reach_the_host_after_the_write_back)
{
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, OFF, LEN, EXPLICIT);
    gt_assert_low(p, LEN);
    cr_assert_eq(gt_stats().aliases_created[LOWMAP_STRATEGY_SHADOW], 1);

    struct lowmap_stats before = gt_stats();
    write_and_flush(buf, p, 3, 300, 4000, false);
    /* Nothing copied yet: the flushes wait for the unmap. */
    cr_assert_eq(gt_stats().bytes_copied_out, before.bytes_copied_out);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    assert_flushed(buf, 3, 300, 4000);
}

Test(fake_staging, named_flushes)
{
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *p = glMapNamedBufferRange(buf, OFF, LEN, EXPLICIT);
    gt_assert_low(p, LEN);
    write_and_flush(buf, p, 2, 1000, 3000, true);
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    assert_flushed(buf, 2, 1000, 3000);
}

/* The app binds another buffer before it unmaps by name: the waiting
 * flushes still go to the mapped buffer, and the binding stays the app's. */
Test(fake_staging, flushes_follow_the_buffer_not_the_binding)
{
    GLuint buf = gt_buffer(SIZE, 1), other = gt_buffer(SIZE, 7);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, OFF, LEN, EXPLICIT);
    gt_assert_low(p, LEN);
    write_and_flush(buf, p, 2, 100, 200, false);
    glBindBuffer(GL_ARRAY_BUFFER, other);
    cr_assert(glUnmapNamedBuffer(buf));
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    GLint bound = 0;
    glGetIntegerv(GL_ARRAY_BUFFER_BINDING, &bound);
    cr_assert_eq((GLuint)bound, other);
    assert_flushed(buf, 2, 100, 200);
    cr_assert(gt_check(host_storage(other), SIZE, 7, 0));
}

/* More ranges than wait at once: the rest are copied and flushed at
 * once, and all of them land. */
Test(fake_staging, more_flushes_than_wait)
{
    GLuint buf = gt_buffer(SIZE, 1);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, OFF, LEN, EXPLICIT);
    gt_assert_low(p, LEN);
    write_and_flush(buf, p, 20, 40, 500, false);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    assert_flushed(buf, 20, 40, 500);
}
