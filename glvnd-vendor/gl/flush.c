/*
 * Explicit flushes: glFlushMappedBufferRange and its named forms.
 *
 * A flush of a zero-copy map has nothing of ours to copy.  A flush of a
 * persistent shadow copies its range down at once: the GL may read it
 * with the next command.  A flush of any other shadow waits for the unmap.
 * While such a map lives no GL command may read the buffer, and the unmap
 * writes back what the app wrote in any case (explicit maps publish their
 * unflushed writes too, see lm_access_from_bits()), so copying at the
 * flush as well would copy each flushed byte twice, or compare it with the
 * host again at the unmap.
 *
 * The host's own flush waits with it and comes after the write-back: a
 * host that maps a staging copy publishes what its flushes cover, and must
 * find our bytes there.  Only flushes the host will accept wait (a shadow
 * map with GL_MAP_FLUSH_EXPLICIT_BIT, inside the mapped range); any other
 * goes through at once, with whatever error the host gives it.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "gl_private.h"

typedef void(APIENTRY *flush_fn)(GLenum, GLintptr, GLsizeiptr);
typedef void(APIENTRY *flush_named_fn)(GLuint, GLintptr, GLsizeiptr);

/* Whether any live map of @ctx's group is a shadow: zero-copy maps'
 * flushes have nothing to copy. */
static bool shadows_mapped(const struct lm_context *ctx)
{
    return ctx && atomic_load_explicit(&ctx->group->shadow_maps,
                                       memory_order_relaxed) != 0;
}

/* Group lock held: whether the flush of [offset, offset+length) of @buf's
 * map, through @slot and @target (0: named), may wait for the unmap; if
 * so it is recorded.  The ranges of one map all come through one entry
 * point; a range that joins the last one extends it. */
static bool defer(struct lm_buffer *buf, enum lm_host slot, GLenum target,
                  GLintptr offset, GLsizeiptr length)
{
    struct lm_flushes *f = buf->flushes;

    if (!buf->map_shadow || length <= 0 ||
        (buf->map_access & GL_MAP_PERSISTENT_BIT) ||
        !(buf->map_access & GL_MAP_FLUSH_EXPLICIT_BIT))
        return false;
    if (!f && !(f = buf->flushes = calloc(1, sizeof(*f))))
        return false;
    if (f->n && (f->slot != slot || f->target != target))
        return false;
    if (f->n) {
        struct lm_flush_range *last = &f->range[f->n - 1];
        if (offset >= last->offset &&
            offset <= last->offset + last->length) {
            GLintptr end = offset + length;
            if (end > last->offset + last->length)
                last->length = end - last->offset;
            return true;
        }
    }
    if (f->n == LM_FLUSHES_MAX)
        return false;
    f->slot = slot;
    f->target = target;
    f->range[f->n++] = (struct lm_flush_range){offset, length};
    return true;
}

/* Copies [offset, offset+length) of @name's mapped range down to the host
 * now, or records it for the unmap; true when the host's flush waits too.
 * Out-of-range flushes are left to the host, which rejects them. */
static bool flush_of(struct lm_context *ctx, int64_t name, enum lm_host slot,
                     GLenum target, GLintptr offset, GLsizeiptr length)
{
    bool deferred = false;

    if (!ctx || name <= 0 || offset < 0 || length < 0)
        return false;
    lm_group_lock(ctx->group);
    struct lm_buffer *buf = lm_buffer_find(ctx->group, (GLuint)name);
    if (buf && buf->mapped && buf->map.alias &&
        (size_t)offset + (size_t)length <= buf->map.size) {
        deferred = defer(buf, slot, target, offset, length);
        if (!deferred)
            lowmap_alias_flush(buf->map.alias,
                               buf->map.alias_offset + (size_t)offset,
                               (size_t)length);
    }
    lm_group_unlock(ctx->group);
    return deferred;
}

void lm_flush_mapped_range(enum lm_host slot, GLenum target, GLintptr offset,
                           GLsizeiptr length)
{
    struct lm_context *ctx = lm_current;

    if (ctx && (lm_memobj_any() || shadows_mapped(ctx))) {
        int64_t name = lm_bound_buffer(target);
        if (lm_memobj_any() && lm_memobj_flush(ctx, name, offset, length))
            return;
        if (flush_of(ctx, name, slot, target, offset, length))
            return;
    }
    ((flush_fn)lm_host(slot))(target, offset, length);
}

void lm_flush_mapped_named_range(enum lm_host slot, GLuint buffer,
                                 GLintptr offset, GLsizeiptr length)
{
    if (lm_memobj_any() &&
        lm_memobj_flush(lm_current, buffer, offset, length))
        return;
    if (shadows_mapped(lm_current) &&
        flush_of(lm_current, buffer, slot, 0, offset, length))
        return;
    ((flush_named_fn)lm_host(slot))(buffer, offset, length);
}

bool lm_flushes_take(struct lm_buffer *buf, struct lm_flushes *out)
{
    if (!buf->flushes || !buf->flushes->n)
        return false;
    *out = *buf->flushes;
    buf->flushes->n = 0;
    return true;
}

void lm_flushes_drop(struct lm_buffer *buf)
{
    if (buf->flushes)
        buf->flushes->n = 0;
}

void lm_flushes_free(struct lm_buffer *buf)
{
    free(buf->flushes);
    buf->flushes = NULL;
}

void lm_flushes_issue(const struct lm_flushes *f, GLuint name, GLenum known)
{
    GLenum target = f->target;
    int64_t bound = !target || target == known ? name
                                               : lm_bound_buffer(target);

    if (!target) {
        for (unsigned i = 0; i < f->n; i++)
            ((flush_named_fn)lm_host(f->slot))(name, f->range[i].offset,
                                               f->range[i].length);
        return;
    }
    /* The app may have bound another buffer there since its flushes:
     * ours go to the buffer they were meant for. */
    if (bound != name)
        LM_HOST_CALL(lm_bind_buffer_fn, glBindBuffer)(target, name);
    for (unsigned i = 0; i < f->n; i++)
        ((flush_fn)lm_host(f->slot))(target, f->range[i].offset,
                                     f->range[i].length);
    if (bound != name)
        LM_HOST_CALL(lm_bind_buffer_fn, glBindBuffer)(target,
                                                      (GLuint)bound);
}
