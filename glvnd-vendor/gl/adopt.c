/*
 * Buffers moved into placed storage before a map.
 *
 * On a software rasterizer every buffer lives in system memory, so placed
 * storage costs the GL nothing, and every map of a buffer in host storage
 * would be a shadow.  With LOWMAP_PLACED=auto there (and with =all
 * anywhere), a buffer with mutable storage gets placed storage before its
 * first map, and one whose map fell to the shadow path all the same (its
 * move refused then, say) before its next one: lowmap reads its bytes
 * into a placed block and specifies the buffer again on that block, with
 * its size and usage, as an app orphaning it would.  Every map from then
 * on is zero-copy, the first included, with no shadow made and torn down
 * for it.  Buffers never mapped stay where the host put them: the arena
 * is the 32-bit program's address space, and they need no room there.
 *
 * Cost on the map path: one relaxed load while no buffer waits to move,
 * two while some do (a counting filter of their names), and a lookup
 * when the filter cannot tell, unless this context found the same name
 * not waiting and no buffer was set waiting since.
 *
 * SPDX-License-Identifier: MIT
 */
#include "gl_private.h"

_Atomic unsigned lm_adoptable;
_Atomic unsigned lm_adoptable_slots[LM_ADOPT_SLOTS];
_Atomic unsigned lm_adoptable_gen;

void lm_adoptable_set(struct lm_buffer *buf, bool adoptable)
{
    _Atomic unsigned *slot = &lm_adoptable_slots[buf->name % LM_ADOPT_SLOTS];

    if (buf->adoptable == adoptable)
        return;
    buf->adoptable = adoptable;
    if (adoptable) {
        atomic_fetch_add_explicit(slot, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&lm_adoptable, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&lm_adoptable_gen, 1, memory_order_relaxed);
    } else {
        atomic_fetch_sub_explicit(&lm_adoptable, 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(slot, 1, memory_order_relaxed);
    }
}

bool lm_placed_adopts(struct lm_context *ctx)
{
    const struct lm_context_info *info = lm_context_info(ctx);

    if (lm_placed_backend_of(info) != LM_BACKEND_PINNED)
        return false;
    switch (lm_config.placed) {
    case LM_PLACED_ALL: return true;
    case LM_PLACED_AUTO:
        return info->software && lm_placed_arena_is_ours();
    default: return false;
    }
}

/* Group lock held: whether @buf waits to move, and if so takes it off the
 * list (one attempt per buffer). */
static bool take(struct lm_buffer *buf)
{
    if (!buf || !buf->adoptable)
        return false;
    lm_adoptable_set(buf, false);
    return !buf->placed && !buf->immutable && !buf->mapped;
}

/* The buffer's bytes into @mem, through the host. */
static bool read_back(enum lm_host slot, GLenum target, GLuint name,
                      GLsizeiptr size, void *mem)
{
    if (!lm_slot_names_buffer(slot)) {
        lm_get_buffer_sub_data_fn get =
            LM_HOST_CALL(lm_get_buffer_sub_data_fn, glGetBufferSubData);
        if (!get)
            return false;
        get(target, 0, size, mem);
        return true;
    }
    lm_get_named_buffer_sub_data_fn get = LM_HOST_CALL(
        lm_get_named_buffer_sub_data_fn, glGetNamedBufferSubData);
    if (!get)
        get = LM_HOST_CALL(lm_get_named_buffer_sub_data_fn,
                           glGetNamedBufferSubDataEXT);
    if (!get)
        return false;
    get(name, 0, size, mem);
    return true;
}

void lm_placed_adopt_slow(enum lm_host slot, GLenum target, GLuint name)
{
    struct lm_context *ctx = lm_current;
    struct lm_buffer *buf;
    size_t bytes = 0;
    bool go;

    if (!ctx)
        return;
    /* Read before the lookup: a buffer set waiting after it changes it. */
    unsigned gen = atomic_load_explicit(&lm_adoptable_gen,
                                        memory_order_relaxed);
    if (ctx->adopt_seen == name && ctx->adopt_seen_gen == gen)
        return;
    lm_group_lock(ctx->group);
    buf = lm_buffer_find(ctx->group, (GLuint)name);
    /* Its kept shadow mirrors storage the buffer is about to lose. */
    if ((go = take(buf)))
        lm_buffer_drop_kept(buf);
    lm_group_unlock(ctx->group);
    if (!go) {
        /* Maps of one buffer among many waiting skip the lookup. */
        ctx->adopt_seen = name;
        ctx->adopt_seen_gen = gen;
        return;
    }

    bool ext_dsa = slot == LM_HOST_glMapNamedBufferEXT ||
                   slot == LM_HOST_glMapNamedBufferRangeEXT;
    GLsizeiptr size = (GLsizeiptr)lm_host_buffer_param(
        ctx, target, (GLuint)name, ext_dsa, GL_BUFFER_SIZE);
    GLenum usage = (GLenum)lm_host_buffer_param(ctx, target, (GLuint)name,
                                                ext_dsa, GL_BUFFER_USAGE);
    void *mem;
    if (size <= 0 || !(mem = lm_placed_alloc(ctx->group, size, NULL, &bytes)))
        return;
    if (!read_back(slot, target, (GLuint)name, size, mem) ||
        !lm_placed_pin((GLuint)name, size, false, LM_HOST_glBufferData, mem,
                       usage, 0)) {
        lm_log(LM_LOG_INFO, "gl: buffer %u stays in host storage: the host "
                            "refused placed storage", (GLuint)name);
        lowmap_mem_free(mem);
        return;
    }

    lm_group_lock(ctx->group);
    if ((buf = lm_buffer_find(ctx->group, (GLuint)name)) != NULL) {
        buf->placed = mem;
        buf->placed_size = bytes;
        buf->placed_len = size;
        buf->placed_usage = usage;
    }
    lm_group_unlock(ctx->group);
    lm_log(LM_LOG_INFO, "gl: buffer %u moved into placed storage at %p "
                        "(%zd bytes): its maps were shadows",
           (GLuint)name, mem, (ssize_t)size);
}
