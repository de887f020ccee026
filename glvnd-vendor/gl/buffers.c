/*
 * Buffer (re)specification and deletion: the implicit unmaps.
 *
 * glBufferData and glBufferStorage on a mapped buffer unmap it when the
 * host accepts them; we end our view then, without copying back (new
 * storage, new contents), and drop the kept alias, since new storage
 * means a new host pointer.  glDeleteBuffers ends the view first, so a
 * shadow copies back while the host storage still exists.  Placed storage
 * the host may still read goes to the share group's graveyard after the
 * host call.
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
 * A re-specification replaces a buffer's storage and unmaps it -- if the
 * host accepts it.  With a bad usage, bad flags or immutable storage the
 * host raises an error and the buffer stays as it was, mapped or not, so
 * lowmap changes its own state only after the host has taken the call.
 * Nothing needs copying back first: new storage means new contents.
 */
struct respec {
    GLenum target; /* 0 for the named entry points */
    bool ext_dsa;  /* named through EXT_direct_state_access */
    int64_t name;  /* <= 0: no buffer (bound), nothing of ours to update */
    bool storage;
    bool known;    /* the buffer was in our table */
    bool shadowed; /* its maps fell to the shadow path */
    bool adopt;    /* on a context that moves mapped buffers (adopt.c) */
    void *old;     /* its placed storage, retired once the host accepted */
    size_t old_size;
};

/* Returns false when the host will refuse (immutable storage), in which
 * case nothing is to be done but calling it. */
static bool respec_begin(struct lm_context *ctx, struct respec *r)
{
    bool ok = true;

    if (ctx->group->graveyard)
        lm_graveyard_sweep(ctx->group, false);
    lm_group_lock(ctx->group);
    struct lm_buffer *buf = lm_buffer_find(ctx->group, (GLuint)r->name);
    if (buf && buf->immutable) {
        ok = false;
    } else if (buf) {
        /* Out of the way of placed.c, which may give the buffer new
         * placed storage; put back if the host refuses the call. */
        r->known = true;
        r->shadowed = buf->shadowed;
        r->old = buf->placed;
        r->old_size = buf->placed_size;
        buf->placed = NULL;
        buf->placed_size = 0;
        atomic_fetch_add_explicit(&ctx->group->placed_epoch, 1,
                                  memory_order_relaxed);
    }
    lm_group_unlock(ctx->group);
    return ok;
}

static GLint64 host_param(struct lm_context *ctx, const struct respec *r,
                          GLenum pname)
{
    return lm_host_buffer_param(ctx, r->target, (GLuint)r->name, r->ext_dsa,
                                pname);
}

/* Did the host take the re-specification just made?  Asks only about a
 * buffer that exists, so the question raises no error of its own. */
static bool host_accepted(struct lm_context *ctx, const struct respec *r,
                          GLsizeiptr size, GLenum usage, GLbitfield flags)
{
    lm_is_buffer_fn is_buffer = LM_HOST_CALL(lm_is_buffer_fn, glIsBuffer);

    if (is_buffer && !is_buffer((GLuint)r->name))
        return false;
    if (host_param(ctx, r, GL_BUFFER_MAPPED) ||
        host_param(ctx, r, GL_BUFFER_SIZE) != size)
        return false;
    if (r->storage)
        return host_param(ctx, r, GL_BUFFER_IMMUTABLE_STORAGE) &&
               host_param(ctx, r, GL_BUFFER_STORAGE_FLAGS) == (GLint64)flags;
    return host_param(ctx, r, GL_BUFFER_USAGE) == (GLint64)usage;
}

/* Placed storage the buffer no longer has: reusable once the host is
 * done with it, unless a deleted immutable buffer may still be in use. */
static void retire(struct lm_context *ctx, void *old, size_t size,
                   bool reusable)
{
    if (old)
        lm_graveyard_add(ctx->group, old, size, reusable);
}

static void respec_end(struct lm_context *ctx, struct respec *r,
                       bool accepted)
{
    struct lm_buffer *buf;

    lm_group_lock(ctx->group);
    buf = accepted && r->storage ? lm_buffer_get(ctx->group, (GLuint)r->name)
                                 : lm_buffer_find(ctx->group, (GLuint)r->name);
    if (!accepted) {
        if (buf && r->old) {
            buf->placed = r->old;
            buf->placed_size = r->old_size;
        }
        r->old = NULL;
    } else if (buf) {
        /* The old storage is gone: nothing to copy back into it. */
        lm_buffer_end_map(buf, false);
        lm_buffer_drop_kept(buf);
        buf->immutable = r->storage;
    }
    /* Mutable storage not placed now moves before the buffer's first map
     * (adopt.c).  Storage the host refused to replace may move all the
     * same. */
    if (r->adopt && !buf)
        buf = lm_buffer_get(ctx->group, (GLuint)r->name);
    if (r->adopt && buf && !buf->placed && !buf->immutable)
        lm_adoptable_set(buf, true);
    lm_group_unlock(ctx->group);
    retire(ctx, r->old, r->old_size, true);
}

/* Common to the four entry points: placed storage where wanted, else the
 * app's own call, then our state once we know what the host did. */
static void respecify(struct lm_context *ctx, struct respec *r,
                      enum lm_host slot, GLsizeiptr size, const void *data,
                      GLenum usage, GLbitfield flags)
{
    bool placed = false, accepted;
    /* Invalid sizes and immutable storage leave the buffer as it was; the
     * host says so with its own error, and our state stays too. */
    bool track = ctx && r->name > 0 && (r->storage ? size > 0 : size >= 0) &&
                 respec_begin(ctx, r);

    /* Storage that was placed, or whose maps were shadows, is placed
     * again where the rule says so. */
    if (track)
        placed = r->storage
                     ? lm_placed_storage(ctx, slot, r->target, (GLuint)r->name,
                                         size, data, flags)
                     : lm_placed_data(ctx, slot, r->target, (GLuint)r->name,
                                      size, data, usage,
                                      r->shadowed || r->old);
    r->adopt = track && !placed && !r->storage && size > 0 &&
               lm_placed_adopts(ctx);
    if (!placed) {
        if (r->storage && r->target)
            ((storage_fn)lm_host(slot))(r->target, size, data, flags);
        else if (r->storage)
            ((named_storage_fn)lm_host(slot))((GLuint)r->name, size, data,
                                              flags);
        else if (r->target)
            ((data_fn)lm_host(slot))(r->target, size, data, usage);
        else
            ((named_data_fn)lm_host(slot))((GLuint)r->name, size, data,
                                           usage);
    }
    if (!track)
        return;
    accepted = placed ||
               ((r->known || r->storage) && host_accepted(ctx, r, size, usage, flags));
    respec_end(ctx, r, accepted);
}

void lm_buffer_data(enum lm_host slot, GLenum target, GLsizeiptr size,
                    const void *data, GLenum usage)
{
    struct lm_context *ctx = lm_current;
    struct respec r = {.target = target};

    /* Binding a buffer at the pinned-memory target specifies pinned
     * memory, not storage of ours to track. */
    if (ctx && target != GL_EXTERNAL_VIRTUAL_MEMORY_BUFFER_AMD)
        r.name = lm_bound_buffer(target);
    respecify(ctx, &r, slot, size, data, usage, 0);
}

void lm_named_buffer_data(enum lm_host slot, GLuint buffer, GLsizeiptr size,
                          const void *data, GLenum usage)
{
    struct respec r = {.name = buffer,
                       .ext_dsa = slot == LM_HOST_glNamedBufferDataEXT};

    respecify(lm_current, &r, slot, size, data, usage, 0);
}

void lm_buffer_storage(enum lm_host slot, GLenum target, GLsizeiptr size,
                       const void *data, GLbitfield flags)
{
    struct lm_context *ctx = lm_current;
    struct respec r = {.target = target, .storage = true};

    if (ctx && target != GL_EXTERNAL_VIRTUAL_MEMORY_BUFFER_AMD)
        r.name = lm_bound_buffer(target);
    respecify(ctx, &r, slot, size, data, 0, flags);
}

void lm_named_buffer_storage(enum lm_host slot, GLuint buffer,
                             GLsizeiptr size, const void *data,
                             GLbitfield flags)
{
    struct respec r = {.name = buffer, .storage = true,
                       .ext_dsa = slot == LM_HOST_glNamedBufferStorageEXT};

    respecify(lm_current, &r, slot, size, data, 0, flags);
}

/* A deleted buffer's placed storage, and whether it had to be moved to
 * host storage first. */
struct doomed {
    GLuint name;
    void *mem;
    size_t size;
    GLsizeiptr len;
    GLenum usage; /* 0: immutable, cannot be moved */
    struct lm_memobj *memobj; /* memory-object storage instead */
};

void lm_delete_buffers(enum lm_host slot, GLsizei n, const GLuint *buffers)
{
    struct lm_context *ctx = lm_current;
    struct doomed stack[16], *old = stack;
    size_t nold = 0;

    lm_bindings_changed(); /* a deleted buffer is unbound */
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
            if ((buf->placed || buf->memobj) && old)
                old[nold++] = (struct doomed){buf->name, buf->placed,
                                              buf->placed_size,
                                              buf->placed_len,
                                              buf->placed_usage,
                                              lm_memobj_take(buf)};
            buf->placed = NULL;
            lm_buffer_forget(ctx->group, buf, true);
        }
        lm_group_unlock(ctx->group);
    }
    for (size_t i = 0; i < nold; i++)
        if (old[i].usage && old[i].mem)
            lm_placed_migrate(ctx, old[i].name, old[i].mem, old[i].len,
                              old[i].usage);
    ((delete_fn)lm_host(slot))(n, buffers);
    for (size_t i = 0; i < nold; i++) {
        retire(ctx, old[i].mem, old[i].size, old[i].usage != 0);
        lm_graveyard_add_memobj(ctx->group, old[i].memobj);
    }
    if (old && old != stack)
        free(old);
}
