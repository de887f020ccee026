/*
 * Explicit-flush maps: bytes written but never flushed reach the buffer by
 * the unmap, as they do on every driver that maps its storage directly
 * (llvmpipe among them).  GL calls them undefined; programs rely on them
 * all the same (piglit's ext_direct_state_access-named-buffers writes one
 * float and flushes a different byte).  Bytes of the range the app leaves
 * alone keep their contents, and nothing outside the range changes.
 *
 * Every range entry point with its own flush, for write-only, read/write,
 * unsynchronised and persistent maps, twice on the same buffer: the second
 * map may be served by a view kept from the first.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "gl_util.h"

TestSuite(flush, .init = gt_setup, .fini = gt_teardown);

/* Sub-page at both ends, three pages and a bit. */
#define BUF_SIZE (3 * 4096 + 123)
#define MAP_OFF 100
#define MAP_LEN (BUF_SIZE - MAP_OFF - 50)

typedef void *(APIENTRY *map_range_fn)(GLenum, GLintptr, GLsizeiptr,
                                       GLbitfield);
typedef void *(APIENTRY *map_named_range_fn)(GLuint, GLintptr, GLsizeiptr,
                                             GLbitfield);
typedef GLboolean(APIENTRY *unmap_fn)(GLenum);
typedef GLboolean(APIENTRY *unmap_named_fn)(GLuint);
typedef void(APIENTRY *flush_fn)(GLenum, GLintptr, GLsizeiptr);
typedef void(APIENTRY *flush_named_fn)(GLuint, GLintptr, GLsizeiptr);

static const struct {
    const char *map, *unmap, *flush;
    bool named;
} entries[] = {
    { "glMapBufferRange", "glUnmapBuffer", "glFlushMappedBufferRange", false },
    { "glMapBufferRangeEXT", "glUnmapBufferARB",
      "glFlushMappedBufferRangeEXT", false },
    { "glMapNamedBufferRange", "glUnmapNamedBuffer",
      "glFlushMappedNamedBufferRange", true },
    { "glMapNamedBufferRangeEXT", "glUnmapNamedBufferEXT",
      "glFlushMappedNamedBufferRangeEXT", true },
};

static const GLbitfield accesses[] = {
    GL_MAP_WRITE_BIT,
    GL_MAP_WRITE_BIT | GL_MAP_UNSYNCHRONIZED_BIT,
    GL_MAP_READ_BIT | GL_MAP_WRITE_BIT,
    GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT,
    GL_MAP_READ_BIT | GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT,
};

#define N_ENTRIES (sizeof(entries) / sizeof(entries[0]))
#define N_ACCESSES (sizeof(accesses) / sizeof(accesses[0]))

/* Indices, never pointers: parameters cross into a new process. */
struct flush_case {
    size_t entry, access;
};

ParameterizedTestParameters(flush, unflushed_writes_land)
{
    struct flush_case *cases =
        cr_malloc(N_ENTRIES * N_ACCESSES * sizeof(*cases));
    for (size_t e = 0; e < N_ENTRIES; e++)
        for (size_t a = 0; a < N_ACCESSES; a++)
            cases[e * N_ACCESSES + a] = (struct flush_case){ e, a };
    return cr_make_param_array(struct flush_case, cases,
                               N_ENTRIES * N_ACCESSES);
}

static void *map(size_t e, GLuint buf, GLintptr off, GLsizeiptr len,
                 GLbitfield access)
{
    access |= GL_MAP_FLUSH_EXPLICIT_BIT;
    if (entries[e].named)
        return ((map_named_range_fn)gt_proc(entries[e].map))(buf, off, len,
                                                             access);
    return ((map_range_fn)gt_proc(entries[e].map))(GL_ARRAY_BUFFER, off, len,
                                                   access);
}

static void flush(size_t e, GLuint buf, GLintptr off, GLsizeiptr len)
{
    if (entries[e].named)
        ((flush_named_fn)gt_proc(entries[e].flush))(buf, off, len);
    else
        ((flush_fn)gt_proc(entries[e].flush))(GL_ARRAY_BUFFER, off, len);
}

static GLboolean unmap(size_t e, GLuint buf)
{
    if (entries[e].named)
        return ((unmap_named_fn)gt_proc(entries[e].unmap))(buf);
    return ((unmap_fn)gt_proc(entries[e].unmap))(GL_ARRAY_BUFFER);
}

static GLuint make_buffer(GLbitfield access)
{
    uint8_t *data = malloc(BUF_SIZE);
    GLuint buf = 0;

    gt_fill(data, BUF_SIZE, 1, 0);
    glGenBuffers(1, &buf);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    if (access & GL_MAP_PERSISTENT_BIT)
        glBufferStorage(GL_ARRAY_BUFFER, BUF_SIZE, data,
                        GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                            GL_MAP_PERSISTENT_BIT | GL_DYNAMIC_STORAGE_BIT);
    else
        glBufferData(GL_ARRAY_BUFFER, BUF_SIZE, data, GL_DYNAMIC_DRAW);
    free(data);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    return buf;
}

/* The whole buffer as the GL holds it. */
static void read_back(GLuint buf, uint8_t *out)
{
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    glGetBufferSubData(GL_ARRAY_BUFFER, 0, BUF_SIZE, out);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
}

/* Bytes the round writes, as offsets into the map, with no flush
 * covering them: one inside the first (partial) page, one in a middle
 * page, the last byte of the range; and a flushed run elsewhere. */
static const size_t unflushed[] = { 7, 5000, MAP_LEN - 1 };
#define FLUSHED_OFF 9000
#define FLUSHED_LEN 64

static void round_trip(size_t e, GLbitfield access, GLuint buf,
                       uint8_t *expect, uint8_t value)
{
    uint8_t *p = map(e, buf, MAP_OFF, MAP_LEN, access);
    cr_assert_eq(glGetError(), GL_NO_ERROR, "%s(%#x)", entries[e].map,
                 access);
    gt_assert_low(p, MAP_LEN);

    for (size_t i = 0; i < sizeof(unflushed) / sizeof(unflushed[0]); i++) {
        p[unflushed[i]] = value;
        expect[MAP_OFF + unflushed[i]] = value;
    }
    memset(p + FLUSHED_OFF, value ^ 0x5a, FLUSHED_LEN);
    memset(expect + MAP_OFF + FLUSHED_OFF, value ^ 0x5a, FLUSHED_LEN);
    /* A flush that covers none of the unflushed bytes, like piglit's. */
    flush(e, buf, FLUSHED_OFF, FLUSHED_LEN);
    cr_assert_eq(glGetError(), GL_NO_ERROR, "%s", entries[e].flush);
    cr_assert(unmap(e, buf), "%s", entries[e].unmap);
    cr_assert_eq(glGetError(), GL_NO_ERROR);

    uint8_t *got = malloc(BUF_SIZE);
    read_back(buf, got);
    for (size_t i = 0; i < BUF_SIZE; i++)
        cr_assert_eq(got[i], expect[i],
                     "%s(%#x): byte %zu is %#x, wrote/kept %#x",
                     entries[e].map, access, i, got[i], expect[i]);
    free(got);
}

ParameterizedTest(struct flush_case *fc, flush, unflushed_writes_land)
{
    GLbitfield access = accesses[fc->access];
    GLuint buf = make_buffer(access);
    uint8_t *expect = malloc(BUF_SIZE);

    cr_log_info("%s access %#x", entries[fc->entry].map, access);
    gt_fill(expect, BUF_SIZE, 1, 0);
    round_trip(fc->entry, access, buf, expect, 0xa1);
    /* Again: the view kept from the first map must serve the same. */
    round_trip(fc->entry, access, buf, expect, 0xb2);
    free(expect);
    glDeleteBuffers(1, &buf);
}

/* The shape of piglit's named-buffers subtest: 16 bytes, float 2 written,
 * byte 3 flushed, then read through a new read map. */
Test(flush, named_ext_sub_page)
{
    static const float data[4] = { 1, 2, 3, 4 };
    GLuint buf;

    glGenBuffers(1, &buf);
    glNamedBufferDataEXT(buf, sizeof(data), data, GL_STATIC_DRAW);
    float *p = glMapNamedBufferRangeEXT(buf, 0, sizeof(data),
                                        GL_MAP_FLUSH_EXPLICIT_BIT |
                                            GL_MAP_WRITE_BIT);
    gt_assert_low(p, sizeof(data));
    p[2] = 5;
    glFlushMappedNamedBufferRangeEXT(buf, 3, 1);
    cr_assert(glUnmapNamedBufferEXT(buf));
    cr_assert_eq(glGetError(), GL_NO_ERROR);

    const float *q = glMapNamedBufferRangeEXT(buf, 0, sizeof(data),
                                              GL_MAP_READ_BIT);
    gt_assert_low(q, sizeof(data));
    cr_assert_eq(q[0], 1.0f);
    cr_assert_eq(q[1], 2.0f);
    cr_assert_eq(q[2], 5.0f, "unflushed write lost: %g", (double)q[2]);
    cr_assert_eq(q[3], 4.0f);
    cr_assert(glUnmapNamedBufferEXT(buf));
    glDeleteBuffers(1, &buf);
}
