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
 * Which buffers (LOWMAP_PLACED): by default (auto) immutable storage with
 * GL_MAP_PERSISTENT_BIT, and a buffer whose maps fell to the shadow path:
 * at its next specification, and on a software rasterizer before its next
 * map (adopt.c).  GPU drivers' other buffers stay in their memory, where
 * their maps are zero-copy views already (fd re-mmap).  LOWMAP_PLACED=all
 * places every buffer.  llvmpipe does not order its queued draws with
 * commands on placed storage buffers: order.c does.
 *
 * Freeing: after re-specification or deletion the host may still read the
 * old storage from commands in flight (llvmpipe executes lazily), so the
 * memory waits in the share group's graveyard until a fence issued after
 * the change has signalled, or until the share group is destroyed; then
 * it goes to the group's pool, where the next placed storage of the same
 * size takes it (orphaning every frame costs no mmap and no page faults).
 * A deleted buffer may live on in GL (attached to a VAO or a texture
 * buffer, bound in another context): before the host deletes a buffer
 * with mutable placed storage, the buffer gets host storage holding the
 * same bytes, so whatever still refers to it reads its contents, never our
 * freed memory.  Immutable storage cannot be given new storage; a deleted
 * immutable placed buffer's memory is freed (not reused) after the fence,
 * so GL use past its deletion is the one case left to the app.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
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

/* The pool keeps at most this many blocks of at most this size. */
#define POOL_BLOCKS 32
#define POOL_BLOCK_MAX ((size_t)16 << 20)

enum lm_placed_backend lm_placed_backend_of(const struct lm_context_info *info)
{
    switch (lm_config.backend) {
    case LM_BACKEND_OFF: return LM_BACKEND_OFF;
    case LM_BACKEND_PINNED:
        return info->pinned_memory ? LM_BACKEND_PINNED : LM_BACKEND_OFF;
    case LM_BACKEND_MEMORY_OBJECT:
        return info->memory_object ? LM_BACKEND_MEMORY_OBJECT
                                   : LM_BACKEND_OFF;
    default:
        return info->pinned_memory   ? LM_BACKEND_PINNED
               : info->memory_object ? LM_BACKEND_MEMORY_OBJECT
                                     : LM_BACKEND_OFF;
    }
}

const char *lm_placed_rule(const struct lm_context_info *info)
{
    enum lm_placed_backend backend = lm_placed_backend_of(info);

    if (backend == LM_BACKEND_OFF || lm_config.placed == LM_PLACED_OFF)
        return "no buffer";
    if (backend == LM_BACKEND_MEMORY_OBJECT)
        return lm_config.placed == LM_PLACED_ALL
                   ? "every immutable storage (memory objects)"
                   : "persistent storage (memory objects)";
    switch (lm_config.placed) {
    case LM_PLACED_ALL: return "every buffer";
    case LM_PLACED_PERSISTENT: return "persistent storage";
    default:
        return info->software ? "persistent storage, and buffers whose maps "
                                "were shadows, before their next map, in "
                                "lowmap's own arena"
                              : "persistent storage, and buffers whose maps "
                                "were shadows, at their next specification, "
                                "in lowmap's own arena";
    }
}

/* Whether the arena is lowmap's own.  Low memory a translator supplies
 * (callbacks, donated ranges) is its to share out: there lowmap=auto
 * places only persistent storage and pools nothing. */
bool lm_placed_arena_is_ours(void)
{
    struct lowmap_caps caps = {
        .size = offsetof(struct lowmap_caps, arena_source) + sizeof(int)};

    return lowmap_probe(&caps) == 0 && caps.arena_source == 0;
}

static bool wanted(struct lm_context *ctx, bool persistent, bool shadowed)
{
    const struct lm_context_info *info = lm_context_info(ctx);

    if (lm_placed_backend_of(info) != LM_BACKEND_PINNED)
        return false;
    switch (lm_config.placed) {
    case LM_PLACED_OFF: return false;
    case LM_PLACED_ALL: return true;
    case LM_PLACED_PERSISTENT: return persistent;
    default:
        return persistent || (shadowed && lm_placed_arena_is_ours());
    }
}

/* A pooled block of @bytes, or NULL. */
static void *pool_take(struct lm_group *group, size_t bytes)
{
    struct lm_graveyard **at, *g;
    void *mem = NULL;

    lm_group_lock(group);
    for (at = &group->pool; (g = *at) != NULL; at = &g->next) {
        if (g->size == bytes) {
            *at = g->next;
            group->pool_count--;
            mem = g->mem;
            free(g);
            break;
        }
    }
    lm_group_unlock(group);
    return mem;
}

/* A block the host is done with: into the pool if it may be reused and
 * there is room, else freed. */
static void pool_put(struct lm_group *group, void *mem, size_t size,
                     bool reusable)
{
    struct lm_graveyard *g = NULL;

    if (reusable && size <= POOL_BLOCK_MAX && lm_placed_arena_is_ours() &&
        (g = calloc(1, sizeof(*g))) != NULL) {
        g->mem = mem;
        g->size = size;
        lm_group_lock(group);
        if (group->pool_count < POOL_BLOCKS) {
            g->next = group->pool;
            group->pool = g;
            group->pool_count++;
            g = NULL;
            mem = NULL;
        }
        lm_group_unlock(group);
    }
    free(g);
    if (mem)
        lowmap_mem_free(mem);
}

/* Low, page-rounded memory holding @data (zeroed when fresh). */
void *lm_placed_alloc(struct lm_group *group, GLsizeiptr size,
                      const void *data, size_t *out_size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t bytes = ((size_t)size + page - 1) & ~(page - 1);
    void *mem = pool_take(group, bytes);
    int err;

    if (!mem && (err = lowmap_mem_alloc(bytes, &mem))) {
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
bool lm_placed_pin(GLuint name, GLsizeiptr size, bool storage,
                   enum lm_host slot, void *mem, GLenum usage,
                   GLbitfield flags)
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
    /* Any error is the attempt's: a refused call leaves the old storage,
     * which may well have the same size. */
    GLenum err = get_error();
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
    if (err != GL_NO_ERROR || got != size) {
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
    void *mem;

    /* Named entry points have no target form of their own: use the core
     * target-based one, which pinned-memory hosts (desktop GL) have.
     * Binding would create a buffer where the named call must fail (a
     * name never bound, or not a buffer): leave those to the host. */
    if (slot == LM_HOST_glNamedBufferData ||
        slot == LM_HOST_glNamedBufferDataEXT ||
        slot == LM_HOST_glNamedBufferStorage ||
        slot == LM_HOST_glNamedBufferStorageEXT) {
        lm_is_buffer_fn is_buffer = LM_HOST_CALL(lm_is_buffer_fn, glIsBuffer);
        if (!is_buffer || !is_buffer(name))
            return false;
        storage = slot == LM_HOST_glNamedBufferStorage ||
                  slot == LM_HOST_glNamedBufferStorageEXT;
        slot = storage ? LM_HOST_glBufferStorage : LM_HOST_glBufferData;
    }
    if (!(mem = lm_placed_alloc(ctx->group, size, data, &bytes)))
        return false;
    if (!lm_host(slot) || !lm_placed_pin(name, size, storage, slot, mem, usage,
                                          flags)) {
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
        buf->placed_len = size;
        buf->placed_usage = storage ? 0 : usage;
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
                    GLenum usage, bool shadowed)
{
    (void)target;
    if (size <= 0 || !wanted(ctx, false, shadowed))
        return false;
    return place(ctx, slot, name, size, data, false, usage, 0);
}

bool lm_placed_storage(struct lm_context *ctx, enum lm_host slot,
                       GLenum target, GLuint name, GLsizeiptr size,
                       const void *data, GLbitfield flags)
{
    bool persistent = flags & GL_MAP_PERSISTENT_BIT;

    /* Leave invalid flag sets to the host's own error. */
    if (size <= 0 || (flags & ~storage_bits) ||
        (persistent && !(flags & (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT))) ||
        ((flags & GL_MAP_COHERENT_BIT) && !persistent))
        return false;
    if (lm_placed_backend_of(lm_context_info(ctx)) ==
        LM_BACKEND_MEMORY_OBJECT) {
        if (lm_config.placed == LM_PLACED_OFF ||
            (lm_config.placed != LM_PLACED_ALL && !persistent))
            return false;
        return lm_memobj_storage(ctx, slot, target, name, size, data, flags);
    }
    if (!wanted(ctx, persistent, false))
        return false;
    return place(ctx, slot, name, size, data, true, 0, flags);
}

/* Frees what a graveyard entry holds, or pools it. */
static void bury(struct lm_group *group, struct lm_graveyard *g, bool gl_alive)
{
    if (g->memobj)
        lm_memobj_free(g->memobj, gl_alive);
    else
        pool_put(group, g->mem, g->size, g->reusable);
}

static void graveyard_add(struct lm_group *group, struct lm_memobj *mo,
                          void *mem, size_t size, bool reusable)
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
        struct lm_graveyard now = {.memobj = mo, .mem = mem, .size = size,
                                   .reusable = reusable};
        if (ctx && finish)
            finish();
        bury(group, &now, ctx != NULL);
        return;
    }
    g->memobj = mo;
    g->mem = mem;
    g->size = size;
    g->reusable = reusable;
    lm_group_lock(group);
    g->next = group->graveyard;
    group->graveyard = g;
    lm_group_unlock(group);
}

void lm_graveyard_add(struct lm_group *group, void *mem, size_t size,
                      bool reusable)
{
    graveyard_add(group, NULL, mem, size, reusable);
}

void lm_graveyard_add_memobj(struct lm_group *group, struct lm_memobj *mo)
{
    if (mo)
        graveyard_add(group, mo, NULL, 0, false);
}

void lm_graveyard_sweep(struct lm_group *group, bool all)
{
    struct lm_graveyard *list, *keep = NULL;

    if (all) {
        /* The share group is gone, and with it every host use. */
        struct lm_graveyard *lists[] = {group->graveyard, group->pool};
        for (int i = 0; i < 2; i++) {
            for (list = lists[i]; list;) {
                struct lm_graveyard *next = list->next;
                if (list->memobj)
                    lm_memobj_free(list->memobj, false);
                else
                    lowmap_mem_free(list->mem);
                free(list);
                list = next;
            }
        }
        group->graveyard = group->pool = NULL;
        group->pool_count = 0;
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
            bury(group, list, true);
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

void lm_placed_migrate(struct lm_context *ctx, GLuint name, void *mem,
                       GLsizeiptr len, GLenum usage)
{
    lm_bind_buffer_fn bind = LM_HOST_CALL(lm_bind_buffer_fn, glBindBuffer);
    lm_get_error_fn get_error = LM_HOST_CALL(lm_get_error_fn, glGetError);
    lm_get_integerv_fn get_integerv =
        LM_HOST_CALL(lm_get_integerv_fn, glGetIntegerv);
    lm_finish_fn finish = LM_HOST_CALL(lm_finish_fn, glFinish);
    GLint bound = 0;

    if (!bind || !get_error || !get_integerv || !lm_host(LM_HOST_glBufferData))
        return;
    /* As in pin(): the app's pending error first, ours discarded. */
    GLenum pending = get_error();
    if (pending != GL_NO_ERROR)
        lm_set_error(ctx, pending);
    /* The GL may still be writing the storage (transform feedback, shader
     * stores, copies in flight): the copy must see the end result. */
    if (finish)
        finish();
    get_integerv(GL_ARRAY_BUFFER_BINDING, &bound);
    bind(GL_ARRAY_BUFFER, name);
    /* Another usage hint than the buffer's: with the same size and usage
     * Mesa copies into the existing storage, which is ours.  Nobody can
     * ask a deleted buffer for its usage. */
    ((data_fn)lm_host(LM_HOST_glBufferData))(
        GL_ARRAY_BUFFER, len, mem,
        usage == GL_STREAM_DRAW ? GL_STATIC_DRAW : GL_STREAM_DRAW);
    bind(GL_ARRAY_BUFFER, (GLuint)bound);
    GLenum err = get_error();
    for (int i = 0; i < 8 && get_error() != GL_NO_ERROR; i++)
        ;
    lm_log(err ? LM_LOG_WARN : LM_LOG_TRACE,
           "gl: buffer %u moved to host storage before its deletion (%zd "
           "bytes): GL error %#x", name, (ssize_t)len, err);
}
