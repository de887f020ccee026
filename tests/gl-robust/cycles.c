/*
 * The model: every byte the app wrote through a map (and flushed, for an
 * explicit-flush map) or with glBufferSubData must read back; every byte
 * it did not touch keeps its value, except where the GL says contents are
 * undefined (invalidated ranges are always written whole here; the rest
 * of an invalidated buffer is uploaded again after unmap).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cycles.h"

#include <stdlib.h>
#include <string.h>

#include "lowmap.h"

unsigned rb_cycles(unsigned dflt)
{
    const char *s = getenv("ROBUST_CYCLES");
    return s && atoi(s) > 0 ? (unsigned)atoi(s) : dflt;
}

static void random_bytes(struct rng *r, uint8_t *p, size_t len)
{
    uint64_t v = rnd(r);
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(v >> (8 * (i & 7))) ^ (uint8_t)(i >> 3);
}

static void specify(struct rb_worker *w, struct rb_buf *b)
{
    b->size = rnd_size(&w->rng, w->max_size);
    b->immutable = rnd(&w->rng) & 1;
    free(b->model);
    b->model = malloc(b->size);
    random_bytes(&w->rng, b->model, b->size);
    glCreateBuffers(1, &b->name);
    if (b->immutable)
        glNamedBufferStorage(b->name, (GLsizeiptr)b->size, b->model,
                             GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                                 GL_MAP_PERSISTENT_BIT |
                                 GL_MAP_COHERENT_BIT |
                                 GL_DYNAMIC_STORAGE_BIT);
    else
        glNamedBufferData(b->name, (GLsizeiptr)b->size, b->model,
                          GL_DYNAMIC_DRAW);
}

bool rb_worker_start(struct rb_worker *w)
{
    for (int i = 0; i < RB_BUFFERS; i++)
        specify(w, &w->bufs[i]);
    CHECK(&w->fail, glGetError() == GL_NO_ERROR, "buffer set-up failed");
    return true;
}

void rb_worker_stop(struct rb_worker *w)
{
    for (int i = 0; i < RB_BUFFERS; i++) {
        glDeleteBuffers(1, &w->bufs[i].name);
        free(w->bufs[i].model);
        w->bufs[i].model = NULL;
    }
}

/* A legal access for @b: READ and/or WRITE, and modifiers the spec allows
 * with them. */
static GLbitfield pick_access(struct rng *r, const struct rb_buf *b)
{
    uint64_t v = rnd(r);
    GLbitfield a = (GLbitfield)(1 + v % 3); /* READ 1, WRITE 2 */
    v >>= 2;
    if (a & GL_MAP_WRITE_BIT) {
        if (v & 1)
            a |= GL_MAP_FLUSH_EXPLICIT_BIT;
        if (!(a & GL_MAP_READ_BIT)) {
            if (v & 2)
                a |= GL_MAP_INVALIDATE_RANGE_BIT;
            else if (v & 4)
                a |= GL_MAP_INVALIDATE_BUFFER_BIT;
            if (v & 8)
                a |= GL_MAP_UNSYNCHRONIZED_BIT;
        }
    }
    if (b->immutable && (v & 16)) {
        a |= GL_MAP_PERSISTENT_BIT;
        if (v & 32)
            a |= GL_MAP_COHERENT_BIT;
    }
    return a;
}

static const GLenum whole_enum[] = {GL_READ_ONLY, GL_WRITE_ONLY,
                                    GL_READ_WRITE};

/* Maps @b by one of four entry points; stores what was mapped. */
static uint8_t *map(struct rb_worker *w, struct rb_buf *b, size_t *off,
                    size_t *len, GLbitfield *access)
{
    unsigned how = (unsigned)(rnd(&w->rng) % 4);
    if (how >= 2) {
        unsigned e = (unsigned)(rnd(&w->rng) % 3);
        *off = 0;
        *len = b->size;
        *access = (GLbitfield)(e + 1);
        if (how == 2) {
            glBindBuffer(GL_COPY_WRITE_BUFFER, b->name);
            return glMapBuffer(GL_COPY_WRITE_BUFFER, whole_enum[e]);
        }
        return glMapNamedBuffer(b->name, whole_enum[e]);
    }
    *off = (size_t)(rnd(&w->rng) % b->size);
    *len = 1 + (size_t)(rnd(&w->rng) % (b->size - *off));
    *access = pick_access(&w->rng, b);
    if (how == 0) {
        glBindBuffer(GL_ARRAY_BUFFER, b->name);
        return glMapBufferRange(GL_ARRAY_BUFFER, (GLintptr)*off,
                                (GLsizeiptr)*len, *access);
    }
    return glMapNamedBufferRange(b->name, (GLintptr)*off, (GLsizeiptr)*len,
                                 *access);
}

/* [off, off+len) of @b reads back as the model says. */
static bool holds(struct rb_worker *w, struct rb_buf *b, size_t off,
                  size_t len)
{
    uint8_t *got = malloc(len);
    glGetNamedBufferSubData(b->name, (GLintptr)off, (GLsizeiptr)len, got);
    bool ok = memcmp(got, b->model + off, len) == 0;
    free(got);
    w->checks++;
    return ok;
}

/* Writes a random sub-range of the map (all of it when invalidated) and
 * flushes it when the map asks for explicit flushes. */
static void write_some(struct rb_worker *w, struct rb_buf *b, uint8_t *p,
                       size_t off, size_t len, GLbitfield access)
{
    size_t a = 0, n = len;
    if (!(access & (GL_MAP_INVALIDATE_RANGE_BIT |
                    GL_MAP_INVALIDATE_BUFFER_BIT))) {
        a = (size_t)(rnd(&w->rng) % len);
        n = 1 + (size_t)(rnd(&w->rng) % (len - a));
    }
    random_bytes(&w->rng, b->model + off + a, n);
    memcpy(p + a, b->model + off + a, n);
    if (access & GL_MAP_FLUSH_EXPLICIT_BIT) {
        /* Two flushes where there is room, to cover partial ones. */
        size_t half = n / 2;
        if (half)
            glFlushMappedNamedBufferRange(b->name, (GLintptr)a,
                                          (GLsizeiptr)half);
        glFlushMappedNamedBufferRange(b->name, (GLintptr)(a + half),
                                      (GLsizeiptr)(n - half));
    }
}

/* Something other than a map between maps: the host side changes. */
static bool meddle(struct rb_worker *w, struct rb_buf *b)
{
    unsigned what = (unsigned)(rnd(&w->rng) % 64);
    if (what < 8) {
        size_t a = (size_t)(rnd(&w->rng) % b->size);
        size_t n = 1 + (size_t)(rnd(&w->rng) % (b->size - a));
        random_bytes(&w->rng, b->model + a, n);
        glNamedBufferSubData(b->name, (GLintptr)a, (GLsizeiptr)n,
                             b->model + a);
    } else if (what == 8 && !b->immutable) {
        /* Orphan, then upload the same contents again. */
        glNamedBufferData(b->name, (GLsizeiptr)b->size, NULL,
                          GL_DYNAMIC_DRAW);
        glNamedBufferSubData(b->name, 0, (GLsizeiptr)b->size, b->model);
    } else if (what == 9) {
        glDeleteBuffers(1, &b->name);
        specify(w, b);
    }
    CHECK(&w->fail, glGetError() == GL_NO_ERROR, "meddling (%u) failed",
          what);
    return true;
}

bool rb_cycle(struct rb_worker *w)
{
    struct rb_buf *b = &w->bufs[rnd(&w->rng) % RB_BUFFERS];
    size_t off, len;
    GLbitfield access;

    if (!meddle(w, b))
        return false;
    uint8_t *p = map(w, b, &off, &len, &access);
    CHECK(&w->fail, p != NULL, "map of %zu+%zu (access %#x) of %zu failed: "
          "%#x", off, len, access, b->size, glGetError());
    CHECK(&w->fail, (uintptr_t)p + len <= lowmap_limit(),
          "map %p+%zu above the limit", (void *)p, len);
    w->maps++;
    w->persistent += (access & GL_MAP_PERSISTENT_BIT) != 0;
    if ((access & GL_MAP_READ_BIT) &&
        !(access & (GL_MAP_INVALIDATE_RANGE_BIT |
                    GL_MAP_INVALIDATE_BUFFER_BIT)))
        CHECK(&w->fail, memcmp(p, b->model + off, len) == 0,
              "map of %zu+%zu (access %#x) reads stale data", off, len,
              access);
    void *q = NULL;
    glGetNamedBufferPointerv(b->name, GL_BUFFER_MAP_POINTER, &q);
    CHECK(&w->fail, q == p, "GL reports map pointer %p, map gave %p", q,
          (void *)p);
    if (access & GL_MAP_WRITE_BIT)
        write_some(w, b, p, off, len, access);
    CHECK(&w->fail, glUnmapNamedBuffer(b->name), "unmap failed: %#x",
          glGetError());
    if ((access & GL_MAP_INVALIDATE_BUFFER_BIT) && off)
        glNamedBufferSubData(b->name, 0, (GLsizeiptr)off, b->model);
    if ((access & GL_MAP_INVALIDATE_BUFFER_BIT) && off + len < b->size)
        glNamedBufferSubData(b->name, (GLintptr)(off + len),
                             (GLsizeiptr)(b->size - off - len),
                             b->model + off + len);
    CHECK(&w->fail, holds(w, b, off, len),
          "after unmap of %zu+%zu (access %#x) of %zu: contents differ",
          off, len, access, b->size);
    if ((rnd(&w->rng) & 7) == 0)
        CHECK(&w->fail, holds(w, b, 0, b->size),
              "after unmap: buffer of %zu differs outside %zu+%zu (access "
              "%#x)", b->size, off, len, access);
    CHECK(&w->fail, glGetError() == GL_NO_ERROR, "GL error %#x",
          glGetError());
    return true;
}
