/*
 * Every map entry point and alias, every access-flag combination GL allows:
 * the pointer lies wholly below the limit (end included), data makes the
 * round trip both ways (glGetBufferSubData and a GL-side copy), and
 * glGetBufferPointerv agrees.  Entry points come from eglGetProcAddress,
 * one alias at a time, as libglvnd hands them to an app.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_util.h"

TestSuite(map, .init = gt_setup, .fini = gt_teardown);

/* Buffer shape: an odd size and an odd range, so views are sub-page at
 * both ends. */
#define BUF_SIZE (3 * 4096 + 123)
#define MAP_OFF 100
#define MAP_LEN (BUF_SIZE - MAP_OFF - 50)

enum family { TARGET, NAMED };

/* Parameters cross into a freshly executed test process: indices into the
 * static tables, never pointers. */
struct range_case {
    size_t entry;
    size_t base; /* index into access_bases */
};

typedef void *(APIENTRY *map_range_fn)(GLenum, GLintptr, GLsizeiptr,
                                       GLbitfield);
typedef void *(APIENTRY *map_named_range_fn)(GLuint, GLintptr, GLsizeiptr,
                                             GLbitfield);
typedef GLboolean(APIENTRY *unmap_fn)(GLenum);
typedef GLboolean(APIENTRY *unmap_named_fn)(GLuint);
typedef void(APIENTRY *flush_fn)(GLenum, GLintptr, GLsizeiptr);
typedef void(APIENTRY *flush_named_fn)(GLuint, GLintptr, GLsizeiptr);
typedef void(APIENTRY *pointer_fn)(GLenum, GLenum, void **);
typedef void(APIENTRY *pointer_named_fn)(GLuint, GLenum, void **);

static const struct {
    const char *map, *unmap, *flush, *pointer;
    enum family family;
} range_entries[] = {
    { "glMapBufferRange", "glUnmapBuffer", "glFlushMappedBufferRange",
      "glGetBufferPointerv", TARGET },
    { "glMapBufferRangeEXT", "glUnmapBufferARB",
      "glFlushMappedBufferRangeEXT", "glGetBufferPointervARB", TARGET },
    { "glMapNamedBufferRange", "glUnmapNamedBuffer",
      "glFlushMappedNamedBufferRange", "glGetNamedBufferPointerv", NAMED },
    { "glMapNamedBufferRangeEXT", "glUnmapNamedBufferEXT",
      "glFlushMappedNamedBufferRangeEXT", "glGetNamedBufferPointervEXT",
      NAMED },
};

static const GLbitfield access_bases[] = {
    GL_MAP_READ_BIT, GL_MAP_WRITE_BIT, GL_MAP_READ_BIT | GL_MAP_WRITE_BIT,
};

/* Every access combination GL accepts for MapBufferRange with the given
 * read/write base. */
static size_t access_combos(GLbitfield base, GLbitfield *out)
{
    static const GLbitfield invs[] = {
        0, GL_MAP_INVALIDATE_RANGE_BIT, GL_MAP_INVALIDATE_BUFFER_BIT,
    };
    static const GLbitfield persists[] = {
        0, GL_MAP_PERSISTENT_BIT, GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT,
    };
    bool read = base & GL_MAP_READ_BIT;
    bool write = base & GL_MAP_WRITE_BIT;
    size_t n = 0;
    for (size_t i = 0; i < 3; i++)
        for (int fe = 0; fe < 2; fe++)
            for (int un = 0; un < 2; un++)
                for (size_t p = 0; p < 3; p++) {
                    /* Invalidation and unsynchronised maps exclude
                     * reading; explicit flush needs writing. */
                    if (read && (invs[i] || un))
                        continue;
                    if (fe && !write)
                        continue;
                    out[n++] = base | invs[i] | persists[p] |
                               (fe ? GL_MAP_FLUSH_EXPLICIT_BIT : 0) |
                               (un ? GL_MAP_UNSYNCHRONIZED_BIT : 0);
                }
    return n;
}

/* One test process per entry point and base access; it runs every
 * combination of the other bits in turn, on a fresh buffer each. */
ParameterizedTestParameters(map, range)
{
    size_t ne = sizeof(range_entries) / sizeof(range_entries[0]);
    struct range_case *cases = cr_malloc(ne * 3 * sizeof(*cases));
    for (size_t e = 0; e < ne; e++)
        for (size_t b = 0; b < 3; b++)
            cases[e * 3 + b] = (struct range_case){ e, b };
    return cr_make_param_array(struct range_case, cases, ne * 3);
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
                            GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT |
                            GL_DYNAMIC_STORAGE_BIT);
    else
        glBufferData(GL_ARRAY_BUFFER, BUF_SIZE, data, GL_DYNAMIC_DRAW);
    free(data);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    return buf;
}

static void check_range(size_t entry, GLbitfield access)
{
    const struct range_case_full {
        const char *map, *unmap, *flush, *pointer;
        enum family family;
        GLbitfield access;
    } full = {
        range_entries[entry].map, range_entries[entry].unmap,
        range_entries[entry].flush, range_entries[entry].pointer,
        range_entries[entry].family, access,
    }, *c = &full;
    GLuint buf = make_buffer(c->access);
    uint8_t *p;

    cr_log_info("%s access %#x", c->map, c->access);
    if (c->family == TARGET)
        p = ((map_range_fn)gt_proc(c->map))(GL_ARRAY_BUFFER, MAP_OFF, MAP_LEN,
                                            c->access);
    else
        p = ((map_named_range_fn)gt_proc(c->map))(buf, MAP_OFF, MAP_LEN,
                                                  c->access);
    cr_assert_eq(glGetError(), GL_NO_ERROR, "%s(%#x)", c->map, c->access);
    gt_assert_low(p, MAP_LEN);

    void *q = NULL;
    if (c->family == TARGET)
        ((pointer_fn)gt_proc(c->pointer))(GL_ARRAY_BUFFER,
                                          GL_BUFFER_MAP_POINTER, &q);
    else
        ((pointer_named_fn)gt_proc(c->pointer))(buf, GL_BUFFER_MAP_POINTER,
                                                &q);
    cr_assert_eq(q, (void *)p, "%s says %p, map said %p", c->pointer, q,
                 (void *)p);

    bool read = c->access & GL_MAP_READ_BIT;
    bool write = c->access & GL_MAP_WRITE_BIT;
    bool explicit = c->access & GL_MAP_FLUSH_EXPLICIT_BIT;
    if (read)
        cr_assert(gt_check(p, MAP_LEN, 1, MAP_OFF), "read through the map, %#x",
                  c->access);

    /* Written: the whole range, or with explicit flush two flushed parts
     * (the rest is undefined by GL and not checked). */
    const size_t f1 = 10, l1 = 4096, f2 = 8000, l2 = MAP_LEN - 8000 - 1;
    if (write) {
        gt_fill(p, MAP_LEN, 2, MAP_OFF);
        if (explicit) {
            if (c->family == TARGET) {
                ((flush_fn)gt_proc(c->flush))(GL_ARRAY_BUFFER, f1, l1);
                ((flush_fn)gt_proc(c->flush))(GL_ARRAY_BUFFER, f2, l2);
            } else {
                ((flush_named_fn)gt_proc(c->flush))(buf, f1, l1);
                ((flush_named_fn)gt_proc(c->flush))(buf, f2, l2);
            }
            cr_assert_eq(glGetError(), GL_NO_ERROR, "%s, %#x", c->flush,
                         c->access);
        }
    }

    GLboolean ok = c->family == TARGET
                       ? ((unmap_fn)gt_proc(c->unmap))(GL_ARRAY_BUFFER)
                       : ((unmap_named_fn)gt_proc(c->unmap))(buf);
    cr_assert(ok, "%s, %#x", c->unmap, c->access);
    cr_assert_eq(glGetError(), GL_NO_ERROR, "%s, %#x", c->unmap, c->access);

    q = (void *)1;
    glGetNamedBufferPointerv(buf, GL_BUFFER_MAP_POINTER, &q);
    cr_assert_null(q, "pointer after unmap, %#x", c->access);

    unsigned want = write ? 2 : 1;
    if (write && explicit) {
        cr_assert(gt_buffer_holds(buf, MAP_OFF + f1, l1, 2, MAP_OFF + f1),
                  "%s %#x", c->map, c->access);
        cr_assert(gt_buffer_holds(buf, MAP_OFF + f2, l2, 2, MAP_OFF + f2),
                  "%s %#x", c->map, c->access);
        cr_assert(gt_copy_holds(buf, MAP_OFF + f2, l2, 2, MAP_OFF + f2),
                  "%s %#x", c->map, c->access);
    } else {
        cr_assert(gt_buffer_holds(buf, MAP_OFF, MAP_LEN, want, MAP_OFF),
                  "%s %#x", c->map, c->access);
        cr_assert(gt_copy_holds(buf, MAP_OFF, MAP_LEN, want, MAP_OFF),
                  "%s %#x", c->map, c->access);
    }
    /* Outside the range nothing changed, unless the whole buffer was
     * invalidated. */
    if (!(c->access & GL_MAP_INVALIDATE_BUFFER_BIT)) {
        cr_assert(gt_buffer_holds(buf, 0, MAP_OFF, 1, 0),
                  "%s %#x", c->map, c->access);
        cr_assert(gt_buffer_holds(buf, MAP_OFF + MAP_LEN, 50, 1,
                                  MAP_OFF + MAP_LEN),
                  "%s %#x", c->map, c->access);
    }
    glDeleteBuffers(1, &buf);
}

ParameterizedTest(struct range_case *rc, map, range)
{
    GLbitfield acc[64];
    size_t n = access_combos(access_bases[rc->base], acc);

    cr_assert(n > 0 && n <= sizeof(acc) / sizeof(acc[0]));
    for (size_t a = 0; a < n; a++)
        check_range(rc->entry, acc[a]);
}

/* glMapBuffer-style entry points: whole buffer, access enum. */
static const struct {
    const char *map, *unmap;
    enum family family;
} whole_entries[] = {
    { "glMapBuffer", "glUnmapBuffer", TARGET },
    { "glMapBufferARB", "glUnmapBufferARB", TARGET },
    { "glMapNamedBuffer", "glUnmapNamedBuffer", NAMED },
    { "glMapNamedBufferEXT", "glUnmapNamedBufferEXT", NAMED },
};

struct whole_case {
    size_t entry;
    GLenum access;
};

ParameterizedTestParameters(map, whole)
{
    static const GLenum accs[] = { GL_READ_ONLY, GL_WRITE_ONLY,
                                   GL_READ_WRITE };
    struct whole_case *cases = cr_malloc(12 * sizeof(*cases));
    for (size_t e = 0; e < 4; e++)
        for (size_t a = 0; a < 3; a++)
            cases[e * 3 + a] = (struct whole_case){ e, accs[a] };
    return cr_make_param_array(struct whole_case, cases, 12);
}

typedef void *(APIENTRY *map_fn)(GLenum, GLenum);
typedef void *(APIENTRY *map_named_fn)(GLuint, GLenum);

ParameterizedTest(struct whole_case *wc, map, whole)
{
    const struct {
        const char *map, *unmap;
        enum family family;
        GLenum access;
    } full = {
        whole_entries[wc->entry].map, whole_entries[wc->entry].unmap,
        whole_entries[wc->entry].family, wc->access,
    }, *c = &full;
    GLuint buf = make_buffer(0);
    uint8_t *p = c->family == TARGET
                     ? ((map_fn)gt_proc(c->map))(GL_ARRAY_BUFFER, c->access)
                     : ((map_named_fn)gt_proc(c->map))(buf, c->access);
    cr_assert_eq(glGetError(), GL_NO_ERROR, "%s", c->map);
    gt_assert_low(p, BUF_SIZE);
    void *q = NULL;
    glGetBufferPointerv(GL_ARRAY_BUFFER, GL_BUFFER_MAP_POINTER, &q);
    cr_assert_eq(q, (void *)p);
    if (c->access != GL_WRITE_ONLY)
        cr_assert(gt_check(p, BUF_SIZE, 1, 0));
    if (c->access != GL_READ_ONLY)
        gt_fill(p, BUF_SIZE, 3, 0);
    GLboolean ok = c->family == TARGET
                       ? ((unmap_fn)gt_proc(c->unmap))(GL_ARRAY_BUFFER)
                       : ((unmap_named_fn)gt_proc(c->unmap))(buf);
    cr_assert(ok);
    unsigned want = c->access == GL_READ_ONLY ? 1 : 3;
    cr_assert(gt_buffer_holds(buf, 0, BUF_SIZE, want, 0));
    cr_assert(gt_copy_holds(buf, 0, BUF_SIZE, want, 0));
}

/* GL writes (BufferSubData, CopyBufferSubData) show through a read map,
 * also on the second map of the same buffer (kept views stay coherent). */
Test(map, gl_writes_seen_through_read_map)
{
    GLuint buf = make_buffer(0), src = gt_buffer(BUF_SIZE, 5);
    uint8_t *data = malloc(BUF_SIZE);

    for (unsigned round = 0; round < 3; round++) {
        gt_fill(data, BUF_SIZE, 10 + round, 0);
        glNamedBufferSubData(buf, 0, BUF_SIZE, data);
        void *p = glMapNamedBufferRange(buf, 0, BUF_SIZE, GL_MAP_READ_BIT);
        gt_assert_low(p, BUF_SIZE);
        cr_assert(gt_check(p, BUF_SIZE, 10 + round, 0));
        cr_assert(glUnmapNamedBuffer(buf));
    }
    glCopyNamedBufferSubData(src, buf, 0, 0, BUF_SIZE);
    void *p = glMapNamedBufferRange(buf, 0, BUF_SIZE, GL_MAP_READ_BIT);
    gt_assert_low(p, BUF_SIZE);
    cr_assert(gt_check(p, BUF_SIZE, 5, 0));
    cr_assert(glUnmapNamedBuffer(buf));
    free(data);
}

/* Repeated maps of one buffer: every pointer low, data right each time. */
Test(map, steady_state)
{
    GLuint buf = make_buffer(0);
    for (unsigned i = 0; i < 50; i++) {
        uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, BUF_SIZE,
                                      GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
        gt_assert_low(p, BUF_SIZE);
        cr_assert(gt_check(p, BUF_SIZE, 1 + i, 0));
        gt_fill(p, BUF_SIZE, 2 + i, 0);
        cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    }
    cr_assert(gt_buffer_holds(buf, 0, BUF_SIZE, 51, 0));
}

/* A failing host map fails the same way through lowmap. */
Test(map, host_errors_kept)
{
    GLuint buf = make_buffer(0);
    void *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, BUF_SIZE * 2,
                               GL_MAP_READ_BIT);
    cr_assert_null(p);
    cr_assert_eq(glGetError(), GL_INVALID_VALUE);
    p = glMapBufferRange(GL_ARRAY_BUFFER, 0, 16,
                         GL_MAP_READ_BIT | GL_MAP_INVALIDATE_RANGE_BIT);
    cr_assert_null(p);
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    cr_assert(!glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    glBindBuffer(GL_ARRAY_BUFFER, 0);
    cr_assert_null(glMapBuffer(GL_ARRAY_BUFFER, GL_READ_ONLY));
    cr_assert_eq(glGetError(), GL_INVALID_OPERATION);
    glDeleteBuffers(1, &buf);
}

/* Flush with APPLE_flush_buffer_range's name where the host offers it. */
Test(map, flush_apple_alias)
{
    void *fn = (void *)eglGetProcAddress("glFlushMappedBufferRangeAPPLE");
    if (!fn || !gt_has_ext("GL_APPLE_flush_buffer_range"))
        cr_skip_test("host lacks GL_APPLE_flush_buffer_range");
    GLuint buf = make_buffer(0);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, BUF_SIZE,
                                  GL_MAP_WRITE_BIT |
                                      GL_MAP_FLUSH_EXPLICIT_BIT);
    gt_assert_low(p, BUF_SIZE);
    gt_fill(p, BUF_SIZE, 4, 0);
    ((flush_fn)fn)(GL_ARRAY_BUFFER, 0, BUF_SIZE);
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert(gt_buffer_holds(buf, 0, BUF_SIZE, 4, 0));
}

/* Vertex data written through a low pointer reaches a draw. */
Test(map, draw_sees_mapped_writes)
{
    static const char *vs_src =
        "#version 330 core\n"
        "layout(location = 0) in vec2 pos;\n"
        "layout(location = 1) in vec4 color;\n"
        "out vec4 c;\n"
        "void main() { c = color; gl_Position = vec4(pos, 0.0, 1.0); }\n";
    static const char *fs_src = "#version 330 core\n"
                                "in vec4 c; out vec4 o;\n"
                                "void main() { o = c; }\n";
    GLuint prog = glCreateProgram();
    GLuint vs = glCreateShader(GL_VERTEX_SHADER);
    GLuint fs = glCreateShader(GL_FRAGMENT_SHADER);
    glShaderSource(vs, 1, &vs_src, NULL);
    glShaderSource(fs, 1, &fs_src, NULL);
    glCompileShader(vs);
    glCompileShader(fs);
    glAttachShader(prog, vs);
    glAttachShader(prog, fs);
    glLinkProgram(prog);
    GLint linked = 0;
    glGetProgramiv(prog, GL_LINK_STATUS, &linked);
    cr_assert(linked);

    GLuint tex, fbo, vao, vbo;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, 4, 4);
    glGenFramebuffers(1, &fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
                           GL_TEXTURE_2D, tex, 0);
    cr_assert_eq(glCheckFramebufferStatus(GL_FRAMEBUFFER),
                 GL_FRAMEBUFFER_COMPLETE);
    glViewport(0, 0, 4, 4);

    struct vertex { float pos[2]; float color[4]; };
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glGenBuffers(1, &vbo);
    glBindBuffer(GL_ARRAY_BUFFER, vbo);
    glBufferData(GL_ARRAY_BUFFER, 3 * sizeof(struct vertex), NULL,
                 GL_STREAM_DRAW);
    struct vertex *v = glMapBufferRange(GL_ARRAY_BUFFER, 0, 3 * sizeof(*v),
                                        GL_MAP_WRITE_BIT |
                                            GL_MAP_INVALIDATE_BUFFER_BIT);
    gt_assert_low(v, 3 * sizeof(*v));
    const struct vertex tri[3] = {
        { { -1, -1 }, { 0.0f, 1.0f, 0.0f, 1.0f } },
        { { 3, -1 }, { 0.0f, 1.0f, 0.0f, 1.0f } },
        { { -1, 3 }, { 0.0f, 1.0f, 0.0f, 1.0f } },
    };
    memcpy(v, tri, sizeof(tri));
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, sizeof(struct vertex),
                          (void *)0);
    glVertexAttribPointer(1, 4, GL_FLOAT, GL_FALSE, sizeof(struct vertex),
                          (void *)(2 * sizeof(float)));
    glEnableVertexAttribArray(0);
    glEnableVertexAttribArray(1);
    glUseProgram(prog);
    glClearColor(1, 0, 0, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    uint8_t px[4 * 4 * 4];
    glReadPixels(0, 0, 4, 4, GL_RGBA, GL_UNSIGNED_BYTE, px);
    cr_assert_eq(glGetError(), GL_NO_ERROR);
    for (int i = 0; i < 16; i++)
        cr_assert(px[i * 4] == 0 && px[i * 4 + 1] == 255,
                  "pixel %d is %u,%u,%u", i, px[i * 4], px[i * 4 + 1],
                  px[i * 4 + 2]);
}
