/*
 * Placed storage: buffers whose storage lowmap allocates below the limit
 * and hands to the host through GL_AMD_pinned_memory, so every map of them
 * is already low, zero-copy and coherent.
 *
 * How: bind the buffer to GL_EXTERNAL_VIRTUAL_MEMORY_BUFFER_AMD and specify
 * it there with our pointer.  AMD_pinned_memory describes glBufferData; for
 * glBufferStorage the extension is silent, but Mesa's state tracker treats
 * that target the same for both (user-memory resources) and keeps
 * glBufferStorage's immutability and flags, so immutable placed buffers
 * answer GL_BUFFER_IMMUTABLE_STORAGE and GL_BUFFER_STORAGE_FLAGS natively.
 * We verify the host accepted the storage (GL_BUFFER_SIZE read back) and
 * otherwise fall back to the app's own call, which then reports whatever
 * error it deserves.
 *
 * Side effect: the GL_EXTERNAL_VIRTUAL_MEMORY_BUFFER_AMD binding is left at
 * 0 (that binding cannot be queried to restore it; apps using
 * AMD_pinned_memory themselves bind before each use).
 *
 * Freeing: after re-specification or deletion the host may still read the
 * old storage from commands in flight (llvmpipe executes lazily), so the
 * memory waits in the share group's graveyard until a fence issued after
 * the change has signalled, or until the share group is destroyed.  A
 * deleted buffer that stays attached to a VAO or bound in another context
 * keeps being usable in GL; placed storage does not follow it there past
 * the fence, which is why LOWMAP_PLACED defaults to persistent buffers
 * (immutable, mapped long-term, rarely deleted while in use).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gl_private.h"

typedef void(APIENTRY *data_fn)(GLenum, GLsizeiptr, const void *, GLenum);
typedef void(APIENTRY *storage_fn)(GLenum, GLsizeiptr, const void *,
                                   GLbitfield);

static const GLbitfield storage_bits =
    GL_DYNAMIC_STORAGE_BIT | GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
    GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT | GL_CLIENT_STORAGE_BIT;

static bool wanted(struct lm_context *ctx, bool persistent)
{
    if (lm_config.placed == LM_PLACED_OFF)
        return false;
    if (lm_config.placed == LM_PLACED_PERSISTENT && !persistent)
        return false;
    return lm_context_info(ctx)->pinned_memory;
}

/* Low, zeroed, page-rounded memory holding @data. */
static void *alloc_low(GLsizeiptr size, const void *data, size_t *out_size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t bytes = ((size_t)size + page - 1) & ~(page - 1);
    void *mem = NULL;
    int err = lowmap_mem_alloc(bytes, &mem);

    if (err) {
        lm_log(LM_LOG_INFO, "gl: no placed storage of %zu bytes: %s", bytes,
               lowmap_strerror(err));
        return NULL;
    }
    if (data)
        memcpy(mem, data, (size_t)size);
    *out_size = bytes;
    return mem;
}

/* Binds @name at the pinned-memory target and specifies it there with
 * @mem; true when the host took @size bytes. */
static bool pin(GLuint name, GLsizeiptr size, bool storage,
                enum lm_host slot, void *mem, GLenum usage, GLbitfield flags)
{
    const GLenum pinned = GL_EXTERNAL_VIRTUAL_MEMORY_BUFFER_AMD;
    lm_bind_buffer_fn bind = LM_HOST_CALL(lm_bind_buffer_fn, glBindBuffer);
    lm_get_error_fn get_error = LM_HOST_CALL(lm_get_error_fn, glGetError);
    GLint64 got = 0;

    /* An attempt the host refuses must leave no error behind: park the
     * app's pending error with ours (glGetError reports it first), then
     * discard whatever the attempt raised. */
    GLenum pending = get_error();
    if (pending != GL_NO_ERROR)
        lm_set_error(lm_current, pending);
    bind(pinned, name);
    if (storage)
        ((storage_fn)lm_host(slot))(pinned, size, mem, flags);
    else
        ((data_fn)lm_host(slot))(pinned, size, mem, usage);
    lm_get_buffer_parameteri64v_fn get64 = LM_HOST_CALL(
        lm_get_buffer_parameteri64v_fn, glGetBufferParameteri64v);
    if (get64) {
        get64(pinned, GL_BUFFER_SIZE, &got);
    } else {
        GLint got32 = 0;
        LM_HOST_CALL(lm_get_buffer_parameteriv_fn, glGetBufferParameteriv)
        (pinned, GL_BUFFER_SIZE, &got32);
        got = got32;
    }
    bind(pinned, 0);
    if (got != size) {
        for (int i = 0; i < 8 && get_error() != GL_NO_ERROR; i++)
            ;
        return false;
    }
    return true;
}

static bool place(struct lm_context *ctx, enum lm_host slot, GLuint name,
                  GLsizeiptr size, const void *data, bool storage,
                  GLenum usage, GLbitfield flags)
{
    size_t bytes = 0;
    void *mem = alloc_low(size, data, &bytes);
    if (!mem)
        return false;
    /* Named entry points have no target form of their own: use the core
     * target-based one, which pinned-memory hosts (desktop GL) have. */
    if (slot == LM_HOST_glNamedBufferData ||
        slot == LM_HOST_glNamedBufferDataEXT)
        slot = LM_HOST_glBufferData;
    else if (slot == LM_HOST_glNamedBufferStorage ||
             slot == LM_HOST_glNamedBufferStorageEXT)
        slot = LM_HOST_glBufferStorage;
    if (!lm_host(slot) || !pin(name, size, storage, slot, mem, usage, flags)) {
        lm_log(LM_LOG_INFO, "gl: host refused placed storage for buffer %u",
               name);
        lowmap_mem_free(mem);
        return false;
    }

    lm_group_lock(ctx->group);
    struct lm_buffer *buf = lm_buffer_get(ctx->group, name);
    if (buf) {
        buf->placed = mem;
        buf->placed_size = bytes;
    }
    lm_group_unlock(ctx->group);
    if (!buf) {
        /* Cannot track it: never free what the host uses. */
        lm_log(LM_LOG_WARN, "gl: untracked placed storage for buffer %u",
               name);
    }
    lm_log(LM_LOG_TRACE, "gl: buffer %u placed at %p (%zu bytes)", name, mem,
           bytes);
    return true;
}

bool lm_placed_data(struct lm_context *ctx, enum lm_host slot, GLenum target,
                    GLuint name, GLsizeiptr size, const void *data,
                    GLenum usage)
{
    (void)target;
    if (size <= 0 || !wanted(ctx, false))
        return false;
    return place(ctx, slot, name, size, data, false, usage, 0);
}

bool lm_placed_storage(struct lm_context *ctx, enum lm_host slot,
                       GLenum target, GLuint name, GLsizeiptr size,
                       const void *data, GLbitfield flags)
{
    (void)target;
    if (size <= 0 || !wanted(ctx, flags & GL_MAP_PERSISTENT_BIT))
        return false;
    /* Leave invalid flag sets to the host's own error. */
    if ((flags & ~storage_bits) ||
        ((flags & GL_MAP_PERSISTENT_BIT) &&
         !(flags & (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT))) ||
        ((flags & GL_MAP_COHERENT_BIT) && !(flags & GL_MAP_PERSISTENT_BIT)))
        return false;
    return place(ctx, slot, name, size, data, true, 0, flags);
}

void lm_graveyard_add(struct lm_group *group, void *mem)
{
    struct lm_context *ctx = lm_current;
    struct lm_graveyard *g = NULL;

    if (ctx && lm_context_info(ctx)->has_sync &&
        (g = calloc(1, sizeof(*g))) != NULL) {
        g->fence = LM_HOST_CALL(lm_fence_sync_fn, glFenceSync)(
            GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
        if (!g->fence) {
            free(g);
            g = NULL;
        }
    }
    if (!g) {
        /* No fence to wait for: wait for everything, then free. */
        lm_finish_fn finish = LM_HOST_CALL(lm_finish_fn, glFinish);
        if (ctx && finish)
            finish();
        lowmap_mem_free(mem);
        return;
    }
    g->mem = mem;
    lm_group_lock(group);
    g->next = group->graveyard;
    group->graveyard = g;
    lm_group_unlock(group);
}

void lm_graveyard_sweep(struct lm_group *group, bool all)
{
    struct lm_graveyard *list, *keep = NULL;

    if (all) {
        /* The share group is gone, and with it every host use. */
        for (list = group->graveyard; list;) {
            struct lm_graveyard *next = list->next;
            lowmap_mem_free(list->mem);
            free(list);
            list = next;
        }
        group->graveyard = NULL;
        return;
    }

    lm_group_lock(group);
    list = group->graveyard;
    group->graveyard = NULL;
    lm_group_unlock(group);

    lm_client_wait_sync_fn wait =
        LM_HOST_CALL(lm_client_wait_sync_fn, glClientWaitSync);
    lm_delete_sync_fn del = LM_HOST_CALL(lm_delete_sync_fn, glDeleteSync);
    while (list) {
        struct lm_graveyard *next = list->next;
        GLenum r = list->fence && wait ? wait(list->fence, 0, 0)
                                       : GL_ALREADY_SIGNALED;
        if (r == GL_ALREADY_SIGNALED || r == GL_CONDITION_SATISFIED) {
            if (list->fence && del)
                del(list->fence);
            lowmap_mem_free(list->mem);
            free(list);
        } else {
            list->next = keep;
            keep = list;
        }
        list = next;
    }
    if (!keep)
        return;
    lm_group_lock(group);
    struct lm_graveyard *tail = keep;
    while (tail->next)
        tail = tail->next;
    tail->next = group->graveyard;
    group->graveyard = keep;
    lm_group_unlock(group);
}
