/*
 * Persistent maps on the shadow path.
 *
 * A persistent map stays in the app's hands while the GL works, so a shadow
 * (a low copy of heap storage such as llvmpipe's) is synchronised where
 * the GL spec lets data cross between client and server:
 *
 *  - Client writes reach the GL before every command that may read buffer
 *    storage (coherent maps; the command hooks of hooks.h call
 *    lm_before_command()), at glMemoryBarrier with
 *    GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT (every map), and at explicit
 *    flushes (map.c copies exactly the flushed range).  Publishing copies
 *    the pages written since the last publish (lowmap_alias_sync).
 *  - GL writes reach readable maps when the client waits for them:
 *    glFinish, a glClientWaitSync or glGetSynciv(GL_SYNC_STATUS) that finds
 *    the fence signalled, and glGetBufferSubData of that buffer (write-only
 *    maps too, after commands that write buffers: see receive()).  Receiving
 *    publishes first, so that client writes not yet published are not
 *    overwritten, then copies host to low (lowmap_alias_refresh).  Every
 *    command hook publishes before the host runs it, so the GL never
 *    writes a page that the client has dirtied and we have not yet copied.
 *
 * Residual races, all in territory the GL leaves undefined or to the app:
 *  - A client thread writing the map while another thread waits: writes
 *    landing between the publish and the refresh are overwritten by the
 *    refresh.  The GL promises nothing for client writes racing a
 *    synchronisation the app performs on another thread.
 *  - Pages, not bytes: a publish copies whole written pages, so a GL write
 *    to bytes the client did not touch, on a page the client wrote after
 *    the last command hook and before the GL write completed (an
 *    asynchronous draw still running, the client writing the same page
 *    meanwhile), can be overwritten with the client's older copy.
 *
 * Cost for everyone else: lm_persistent_live counts live persistent
 * shadows in every share group; a command hook reads it (one relaxed load,
 * one predictable branch) and otherwise calls the host at once.  Hooks are
 * returned for every host rather than decided per host at load: placed
 * storage, which makes persistent maps zero-copy on llvmpipe, can still
 * fall back to a shadow (arena full, GLES contexts, a host refusing the
 * pinned memory), and libGLdispatch asks for every name before any context
 * is current, so no load-time answer is safe.  bench_draw shows the cost.
 *
 * SPDX-License-Identifier: MIT
 */
#include "gl_private.h"

_Atomic unsigned lm_persistent_live;
_Atomic unsigned lm_gl_writes;

void lm_persist_link(struct lm_buffer *buf)
{
    struct lm_group *group = buf->group;

    if (buf->persistent_linked || !group)
        return;
    buf->persistent_next = group->persistent;
    if (group->persistent)
        group->persistent->persistent_pprev = &buf->persistent_next;
    group->persistent = buf;
    buf->persistent_pprev = &group->persistent;
    buf->persistent_linked = true;
    /* The map was just copied in. */
    buf->refreshed_at = atomic_load_explicit(&lm_gl_writes,
                                             memory_order_relaxed);
    atomic_fetch_add_explicit(&group->npersistent, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&lm_persistent_live, 1, memory_order_relaxed);
}

void lm_persist_unlink(struct lm_buffer *buf)
{
    if (!buf->persistent_linked)
        return;
    *buf->persistent_pprev = buf->persistent_next;
    if (buf->persistent_next)
        buf->persistent_next->persistent_pprev = buf->persistent_pprev;
    buf->persistent_next = NULL;
    buf->persistent_pprev = NULL;
    buf->persistent_linked = false;
    atomic_fetch_sub_explicit(&buf->group->npersistent, 1,
                              memory_order_relaxed);
    atomic_fetch_sub_explicit(&lm_persistent_live, 1, memory_order_relaxed);
}

/* Group lock held. */
static void publish(struct lm_buffer *buf)
{
    if (buf->map_access & GL_MAP_WRITE_BIT)
        lowmap_alias_sync(buf->map.alias);
}

/*
 * Group lock held.  Readable maps are refreshed at every wait, as the spec
 * asks.  Reading a write-only map is undefined in GL, yet works on every
 * coherent driver and apps (and piglit) do it after copying into the
 * buffer; refreshing write-only maps at every wait would cost upload rings
 * a full copy per fence.  So a write-only map is refreshed only when a
 * command made to write buffers (a copy, an update, a pixel pack, a
 * dispatch, transform feedback) ran since its last refresh.
 */
static void receive(struct lm_buffer *buf)
{
    unsigned writes = atomic_load_explicit(&lm_gl_writes,
                                           memory_order_relaxed);
    if (!(buf->map_access & GL_MAP_READ_BIT) && buf->refreshed_at == writes)
        return;
    buf->refreshed_at = writes;
    publish(buf);
    /* A refresh leaves the pages it copied clean: only the client's own
     * later writes count as written. */
    lowmap_alias_refresh(buf->map.alias, buf->map.alias_offset,
                         buf->map.size);
}

/* The current share group when it has persistent shadows, locked. */
static struct lm_group *locked_group(void)
{
    struct lm_context *ctx = lm_current;

    if (!ctx ||
        !atomic_load_explicit(&ctx->group->npersistent, memory_order_relaxed))
        return NULL;
    lm_group_lock(ctx->group);
    return ctx->group;
}

void lm_persist_publish(bool all)
{
    struct lm_group *group = locked_group();

    if (!group)
        return;
    for (struct lm_buffer *b = group->persistent; b; b = b->persistent_next)
        if (all || (b->map_access & GL_MAP_COHERENT_BIT))
            publish(b);
    lm_group_unlock(group);
}

static void receive_all(void)
{
    struct lm_group *group = locked_group();

    if (!group)
        return;
    for (struct lm_buffer *b = group->persistent; b; b = b->persistent_next)
        receive(b);
    lm_group_unlock(group);
}

static void receive_one(int64_t name)
{
    struct lm_group *group = name > 0 ? locked_group() : NULL;

    if (!group)
        return;
    struct lm_buffer *buf = lm_buffer_find(group, (GLuint)name);
    if (buf && buf->persistent_linked)
        receive(buf);
    lm_group_unlock(group);
}

static bool live(void)
{
    return atomic_load_explicit(&lm_persistent_live, memory_order_relaxed);
}

void lm_finish(enum lm_host slot)
{
    ((lm_finish_fn)lm_host(slot))();
    if (live())
        receive_all();
}

GLenum lm_client_wait_sync(enum lm_host slot, GLsync sync, GLbitfield flags,
                           GLuint64 timeout)
{
    GLenum r = ((lm_client_wait_sync_fn)lm_host(slot))(sync, flags, timeout);
    if (live() && (r == GL_ALREADY_SIGNALED || r == GL_CONDITION_SATISFIED))
        receive_all();
    return r;
}

/* Apps that poll fences instead of waiting learn of completion here. */
void lm_get_synciv(enum lm_host slot, GLsync sync, GLenum pname,
                   GLsizei count, GLsizei *length, GLint *values)
{
    ((lm_get_synciv_fn)lm_host(slot))(sync, pname, count, length, values);
    if (live() && pname == GL_SYNC_STATUS && count > 0 && values &&
        values[0] == GL_SIGNALED)
        receive_all();
}

void lm_memory_barrier(enum lm_host slot, GLbitfield barriers)
{
    if (live())
        lm_persist_publish(barriers & GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT);
    ((lm_memory_barrier_fn)lm_host(slot))(barriers);
}

/* The read waits for the GL's writes to the buffer: the map sees them. */
void lm_get_buffer_sub_data(enum lm_host slot, GLenum target,
                            GLintptr offset, GLsizeiptr size, void *data)
{
    lm_order_buffer(slot, target);
    lm_before_command();
    ((lm_get_buffer_sub_data_fn)lm_host(slot))(target, offset, size, data);
    if (live())
        receive_one(lm_bound_buffer(target));
}

void lm_get_named_buffer_sub_data(enum lm_host slot, GLuint buffer,
                                  GLintptr offset, GLsizeiptr size,
                                  void *data)
{
    lm_order_buffer(slot, buffer);
    lm_before_command();
    ((lm_get_named_buffer_sub_data_fn)lm_host(slot))(buffer, offset, size,
                                                     data);
    if (live())
        receive_one(buffer);
}
