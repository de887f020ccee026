/*
 * Buffer (re)specification and deletion: the implicit unmaps.
 *
 * glBufferData, glBufferStorage and glDeleteBuffers on a mapped buffer
 * unmap it; we end our view first (a shadow copies back while the host
 * storage still exists) and drop the kept alias, since new storage means a
 * new host pointer.  Placed storage the host may still read goes to the
 * share group's graveyard after the host call.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "gl_private.h"

typedef void(APIENTRY *data_fn)(GLenum, GLsizeiptr, const void *, GLenum);
typedef void(APIENTRY *named_data_fn)(GLuint, GLsizeiptr, const void *,
                                      GLenum);
typedef void(APIENTRY *storage_fn)(GLenum, GLsizeiptr, const void *,
                                   GLbitfield);
typedef void(APIENTRY *named_storage_fn)(GLuint, GLsizeiptr, const void *,
                                         GLbitfield);
typedef void(APIENTRY *delete_fn)(GLsizei, const GLuint *);

/*
 * Ends @name's views before new storage replaces the old.  Returns false
 * when the host will refuse (immutable storage): nothing changes then.
 * *old receives the old placed storage, retired after the host call.
 */
static bool respecify(struct lm_context *ctx, int64_t name, bool storage,
                      void **old)
{
    bool ok = true;

    *old = NULL;
    if (name <= 0)
        return true;
    if (ctx->group->graveyard)
        lm_graveyard_sweep(ctx->group, false);
    lm_group_lock(ctx->group);
    struct lm_buffer *buf = lm_buffer_find(ctx->group, (GLuint)name);
    if (buf && buf->immutable) {
        ok = false;
    } else if (buf) {
        lm_buffer_end_map(buf, true);
        lm_buffer_drop_kept(buf);
        *old = buf->placed;
        buf->placed = NULL;
        buf->placed_size = 0;
    }
    if (ok && storage && (buf = lm_buffer_get(ctx->group, (GLuint)name)))
        buf->immutable = true;
    lm_group_unlock(ctx->group);
    return ok;
}

static void retire(struct lm_context *ctx, void *old)
{
    if (old)
        lm_graveyard_add(ctx->group, old);
}

void lm_buffer_data(enum lm_host slot, GLenum target, GLsizeiptr size,
                    const void *data, GLenum usage)
{
    struct lm_context *ctx = lm_current;
    void *old = NULL;

    /* Invalid sizes leave the buffer as it was: leave our state too. */
    if (ctx && size >= 0 && target != GL_EXTERNAL_VIRTUAL_MEMORY_BUFFER_AMD) {
        int64_t name = lm_bound_buffer(target);
        if (respecify(ctx, name, false, &old) && name > 0 &&
            lm_placed_data(ctx, slot, target, (GLuint)name, size, data,
                           usage)) {
            retire(ctx, old);
            return;
        }
    }
    ((data_fn)lm_host(slot))(target, size, data, usage);
    retire(ctx, old);
}

void lm_named_buffer_data(enum lm_host slot, GLuint buffer, GLsizeiptr size,
                          const void *data, GLenum usage)
{
    struct lm_context *ctx = lm_current;
    void *old = NULL;

    if (ctx && size >= 0 && respecify(ctx, buffer, false, &old) &&
        lm_placed_data(ctx, slot, 0, buffer, size, data, usage)) {
        retire(ctx, old);
        return;
    }
    ((named_data_fn)lm_host(slot))(buffer, size, data, usage);
    retire(ctx, old);
}

void lm_buffer_storage(enum lm_host slot, GLenum target, GLsizeiptr size,
                       const void *data, GLbitfield flags)
{
    struct lm_context *ctx = lm_current;
    void *old = NULL;

    if (ctx && size > 0 && target != GL_EXTERNAL_VIRTUAL_MEMORY_BUFFER_AMD) {
        int64_t name = lm_bound_buffer(target);
        if (respecify(ctx, name, true, &old) && name > 0 &&
            lm_placed_storage(ctx, slot, target, (GLuint)name, size, data,
                              flags)) {
            retire(ctx, old);
            return;
        }
    }
    ((storage_fn)lm_host(slot))(target, size, data, flags);
    retire(ctx, old);
}

void lm_named_buffer_storage(enum lm_host slot, GLuint buffer,
                             GLsizeiptr size, const void *data,
                             GLbitfield flags)
{
    struct lm_context *ctx = lm_current;
    void *old = NULL;

    if (ctx && size > 0 && respecify(ctx, buffer, true, &old) &&
        lm_placed_storage(ctx, slot, 0, buffer, size, data, flags)) {
        retire(ctx, old);
        return;
    }
    ((named_storage_fn)lm_host(slot))(buffer, size, data, flags);
    retire(ctx, old);
}

void lm_delete_buffers(enum lm_host slot, GLsizei n, const GLuint *buffers)
{
    struct lm_context *ctx = lm_current;
    void *stack[16], **old = stack;
    size_t nold = 0;

    if (ctx && n > 0 && buffers) {
        if (ctx->group->graveyard)
            lm_graveyard_sweep(ctx->group, false);
        if ((size_t)n > sizeof(stack) / sizeof(stack[0]))
            old = calloc((size_t)n, sizeof(*old));
        lm_group_lock(ctx->group);
        for (GLsizei i = 0; i < n; i++) {
            struct lm_buffer *buf = lm_buffer_find(ctx->group, buffers[i]);
            if (!buf)
                continue;
            /* Without room to remember it, placed storage stays allocated
             * rather than being freed under the host's feet. */
            if (buf->placed && old)
                old[nold++] = buf->placed;
            buf->placed = NULL;
            lm_buffer_forget(ctx->group, buf, true);
        }
        lm_group_unlock(ctx->group);
    }
    ((delete_fn)lm_host(slot))(n, buffers);
    for (size_t i = 0; i < nold; i++)
        retire(ctx, old[i]);
    if (old && old != stack)
        free(old);
}
