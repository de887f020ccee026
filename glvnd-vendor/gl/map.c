/*
 * Buffer map, unmap, flush and pointer queries.
 *
 * The host maps first: if it fails, the app gets exactly the host's answer
 * and error.  Only a successful host map gets a low view.  Copies back to
 * the host (a shadow's unmap) always happen before the host unmaps.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <unistd.h>

#include "gl_private.h"

typedef void *(APIENTRY *map_fn)(GLenum, GLenum);
typedef void *(APIENTRY *map_range_fn)(GLenum, GLintptr, GLsizeiptr,
                                       GLbitfield);
typedef void *(APIENTRY *map_named_fn)(GLuint, GLenum);
typedef void *(APIENTRY *map_named_range_fn)(GLuint, GLintptr, GLsizeiptr,
                                             GLbitfield);
typedef GLboolean(APIENTRY *unmap_fn)(GLenum);
typedef GLboolean(APIENTRY *unmap_named_fn)(GLuint);
typedef void(APIENTRY *pointer_fn)(GLenum, GLenum, void **);
typedef void(APIENTRY *pointer_named_fn)(GLuint, GLenum, void **);

/* glMapBuffer's enum as MapBufferRange bits. */
static GLbitfield bits_from_enum(GLenum access)
{
    switch (access) {
    case GL_READ_ONLY: return GL_MAP_READ_BIT;
    case GL_WRITE_ONLY: return GL_MAP_WRITE_BIT;
    default: return GL_MAP_READ_BIT | GL_MAP_WRITE_BIT;
    }
}

size_t lm_page_size(void)
{
    static size_t size;
    if (!size)
        size = (size_t)sysconf(_SC_PAGESIZE);
    return size;
}

void lm_view_release(struct lm_view *view, bool host_alive)
{
    /* A shadow's release would copy into storage the host already freed. */
    if (view->alias && host_alive)
        lowmap_alias_release(view->alias);
    else if (view->alias)
        lowmap_alias_discard(view->alias);
    memset(view, 0, sizeof(*view));
}

/* A group's map counters change under its lock only: a load and a store
 * do, with no locked instruction on the map path.  Readers skip the lock. */
static void count(_Atomic unsigned *n, int delta)
{
    atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) +
                                 (unsigned)delta,
                          memory_order_relaxed);
}

void lm_buffer_begin_map(struct lm_buffer *buf)
{
    buf->mapped = true;
    count(&buf->group->tracked_maps, 1);
}

/* Whether any buffer of @ctx's group has a tracked map (buf->mapped): while
 * none has, an unmap or a pointer query has nothing of ours to look up. */
static bool maps_tracked(const struct lm_context *ctx)
{
    return ctx && atomic_load_explicit(&ctx->group->tracked_maps,
                                       memory_order_relaxed) != 0;
}

static bool is_shadow(const struct lm_view *view)
{
    return view->strategy == LOWMAP_STRATEGY_SHADOW;
}


void lm_buffer_drop_kept(struct lm_buffer *buf)
{
    if (!buf->kept.alias)
        return;
    if (buf->mapped && buf->map_kept) {
        /* The live map owns it from now on; unmap releases it. */
        buf->map_kept = false;
        memset(&buf->kept, 0, sizeof(buf->kept));
        return;
    }
    /* A kept shadow published its writes at unmap; what its low pages hold
     * now is stale, and its host range may already be someone else's. */
    lm_view_release(&buf->kept, !is_shadow(&buf->kept));
    buf->kept_in_sync = false;
}

void lm_buffer_end_mapped(struct lm_buffer *buf, bool host_alive)
{
    count(&buf->group->tracked_maps, -1);
    if (buf->map_shadow)
        count(&buf->group->shadow_maps, -1);
    buf->map_shadow = false;
    if (buf->flushes)
        lm_flushes_drop(buf);
    if (buf->persistent_linked)
        lm_persist_unlink(buf);
    if (buf->map.alias && !buf->map_kept)
        lm_view_release(&buf->map, host_alive);
    else if (buf->map_kept && host_alive && is_shadow(&buf->map)) {
        /* Kept for the next map: publish now what release would copy.
         * The shadow then equals the buffer if it did at map time. */
        if (buf->map.access & LOWMAP_WRITE)
            lowmap_alias_sync(buf->map.alias);
        buf->kept_writes = lm_gl_writes_now();
    }
    memset(&buf->map, 0, sizeof(buf->map));
    buf->mapped = false;
    buf->map_kept = false;
    buf->map_access = 0;
    buf->map_offset = 0;
}

/* Whether a new shadow made with @acc starts as a copy of the buffer (the
 * core's rule for copying in; explicit flushing is not passed down). */
static bool starts_in_sync(unsigned acc)
{
    return !(acc & LOWMAP_INVALIDATE);
}

/*
 * Whether the kept shadow may serve a map of [host, host+len) with @acc,
 * and if so, bring it up to date.  Only the same range (a dirty page is
 * copied whole, so a page shared with bytes outside the map must hold the
 * buffer's own bytes) and the same read/write shape (the core decides
 * what a sync copies from the access given at create time).
 * Persistent and client-range maps always get views of their own.
 *
 * A shadow that equalled the buffer at the last unmap still does when no
 * command that may write buffers ran since (lm_gl_writes): then the map
 * copies nothing in.
 */
static bool reuse_shadow(struct lm_buffer *buf, const char *host, size_t len,
                         unsigned acc)
{
    const unsigned shape = LOWMAP_READ | LOWMAP_WRITE;
    struct lm_view *kept = &buf->kept;

    if (host != kept->host || len != kept->size ||
        (acc & (LOWMAP_PERSISTENT | LOWMAP_CLIENT_RANGE)) ||
        (acc & shape) != (kept->access & shape))
        return false;
    /* The same rule as a new shadow's copy-in: the app may read the
     * range, or bytes it leaves alone on a page it writes go back. */
    if (!starts_in_sync(acc)) {
        buf->kept_in_sync = false;
        return true;
    }
    if (buf->kept_in_sync && buf->kept_writes == lm_gl_writes_now())
        return true;
    /* A refresh leaves the pages clean: unmap copies back only what the
     * app writes from now on. */
    if (lowmap_alias_refresh(kept->alias, 0, len) != 0)
        return false;
    buf->kept_in_sync = true;
    return true;
}

/* Arena full: give back the low memory that kept views of unmapped buffers
 * of @group hold.  Group lock held. */
static bool drop_group_kept(struct lm_group *group)
{
    struct lm_buffer *b, *tmp;
    bool dropped = false;

    HASH_ITER(hh, group->buffers, b, tmp) {
        if (!b->mapped && b->kept.alias) {
            lm_buffer_drop_kept(b);
            dropped = true;
        }
    }
    return dropped;
}

/* What the caller mapped, and how to undo the host map. */
struct map_req {
    struct lm_context *ctx;
    GLuint name;
    GLenum target;         /* 0 for named calls */
    enum lm_host map;      /* the host map entry point it came through */
    GLintptr offset;
    GLbitfield access;     /* MapBufferRange bits, client bit included */
};

/* The unmap that matches a map entry point. */
static enum lm_host unmap_slot_for(struct lm_context *ctx, enum lm_host map)
{
    switch (map) {
    case LM_HOST_glMapBufferARB: return LM_HOST_glUnmapBufferARB;
    case LM_HOST_glMapBufferOES: return LM_HOST_glUnmapBufferOES;
    case LM_HOST_glMapBufferRangeEXT: {
        /* GLES 2 gets EXT_map_buffer_range's unmap from OES_mapbuffer. */
        const struct lm_context_info *info = lm_context_info(ctx);
        if (info->gles && info->major < 3)
            return LM_HOST_glUnmapBufferOES;
        return LM_HOST_glUnmapBuffer;
    }
    case LM_HOST_glMapNamedBuffer:
    case LM_HOST_glMapNamedBufferRange: return LM_HOST_glUnmapNamedBuffer;
    case LM_HOST_glMapNamedBufferEXT:
    case LM_HOST_glMapNamedBufferRangeEXT: return LM_HOST_glUnmapNamedBufferEXT;
    default: return LM_HOST_glUnmapBuffer;
    }
}

/* Undoes the host's map, for a map we cannot serve. */
static void host_unmap(const struct map_req *req)
{
    enum lm_host unmap = unmap_slot_for(req->ctx, req->map);

    if (req->target)
        ((unmap_fn)lm_host(unmap))(req->target);
    else
        ((unmap_named_fn)lm_host(unmap))(req->name);
}

static void *untracked(void *host, size_t len)
{
    if (len && (uintptr_t)host + len > lowmap_limit())
        lowmap_report_high_pointer(host, len);
    return host;
}

/*
 * A view of placed storage, which is ours and low already: the app gets
 * the host's own pointer.  Such a map is not tracked: its unmap has
 * nothing of ours to undo, and the kept alias, which owns no memory, stays
 * for the next map.  (Placed buffers are never adopted, so nothing needs
 * to know they are mapped.)
 */
static bool no_view(const struct lm_view *view)
{
    return view->strategy == LOWMAP_STRATEGY_PLACED;
}

/* Group lock held: @buf's map was served from its placed storage. */
static void remember_placed(struct lm_context *ctx,
                            const struct lm_buffer *buf)
{
    if (!buf->placed)
        return;
    ctx->placed_hit.name = buf->name;
    ctx->placed_hit.epoch = atomic_load_explicit(&ctx->group->placed_epoch,
                                                 memory_order_relaxed);
    ctx->placed_hit.lo = buf->placed;
    ctx->placed_hit.hi = (const char *)buf->placed + buf->placed_len;
}

/*
 * Whether the host served this map from the placed storage this context
 * found a buffer in last time, with no buffer of the group having lost
 * placed storage since: then the map is zero-copy and untracked, as the
 * lookup would find, without taking the lock.  Client-range maps get
 * views of their own.
 *
 * The range alone tells: while the epoch stands, those bytes are that
 * buffer's storage, and no other buffer's storage is there unless the app
 * itself pinned memory it mapped from it, whose maps are low already and
 * need nothing of ours either.  So target maps skip the binding query
 * (map_named_first()).
 */
static bool placed_range_hit(const struct lm_context *ctx, const char *host,
                             size_t len, GLbitfield access)
{
    return host >= ctx->placed_hit.lo && host < ctx->placed_hit.hi &&
           len <= (size_t)(ctx->placed_hit.hi - host) &&
           !(access & GL_MAP_CLIENT_POINTER_BIT_MESA) &&
           ctx->placed_hit.epoch ==
               atomic_load_explicit(&ctx->group->placed_epoch,
                                    memory_order_relaxed);
}

static bool placed_hit(const struct map_req *req, const char *host,
                       size_t len)
{
    return req->ctx->placed_hit.name == req->name &&
           placed_range_hit(req->ctx, host, len, req->access);
}

/*
 * Group lock held: a view of @host for @buf's map, where the kept shadow
 * does not serve one.  True when it goes in buf->map, to be tracked;
 * otherwise the lock is released and *@ret is what the app gets.  Kept
 * out of after_map(), whose usual path, a kept shadow, then needs fewer
 * registers saved.
 */
static __attribute__((noinline)) bool new_view(const struct map_req *req,
                                               struct lm_buffer *buf,
                                               char *host, size_t len,
                                               unsigned acc, void **ret)
{
    struct lm_group *group = req->ctx->group;
    struct lm_view *kept = &buf->kept;
    lowmap_alias *alias;
    int err;

    if (kept->alias && !is_shadow(kept) && host >= kept->host &&
        host + len <= kept->host + kept->size &&
        !(acc & LOWMAP_CLIENT_RANGE)) {
        if (no_view(kept)) {
            remember_placed(req->ctx, buf);
            lm_group_unlock(group);
            *ret = host;
            return false;
        }
        size_t delta = (size_t)(host - kept->host);
        buf->map = *kept;
        buf->map.alias_offset += delta;
        buf->map.host = host;
        buf->map.low = kept->low + delta;
        buf->map.size = len;
        buf->map_kept = true;
        return true;
    }
    lm_buffer_drop_kept(buf);

    err = lowmap_alias_create(host, len, acc, &alias);
    if (err == LOWMAP_ENOMEM && drop_group_kept(group))
        err = lowmap_alias_create(host, len, acc, &alias);
    if (err == 0) {
        buf->map = (struct lm_view){
            .alias = alias,
            .host = host,
            .low = lowmap_alias_ptr(alias),
            .size = len,
            .access = acc,
            .strategy = lowmap_alias_strategy(alias),
        };
        /* Views in client ranges are not kept: the app gets its range
         * back once it unmaps (the spec's promise).  Persistent shadows
         * are rarely unmapped, and are synchronised while mapped. */
        bool shadow = is_shadow(&buf->map);
        /* LOWMAP_PLACED=auto places this buffer's next storage. */
        if (shadow && !(acc & LOWMAP_PERSISTENT) && !buf->shadowed) {
            buf->shadowed = true;
            /* On a software rasterizer, before its next map. */
            if (!buf->immutable && lm_placed_adopts(req->ctx))
                lm_adoptable_set(buf, true);
        }
        if (!(acc & LOWMAP_CLIENT_RANGE) &&
            !(shadow && (acc & LOWMAP_PERSISTENT))) {
            buf->kept = buf->map;
            buf->map_kept = true;
            buf->kept_in_sync = starts_in_sync(acc);
        }
        if (shadow && (acc & LOWMAP_PERSISTENT))
            lm_persist_link(buf);
        if (buf->map_kept && no_view(&buf->map)) {
            memset(&buf->map, 0, sizeof(buf->map));
            buf->map_kept = false;
            remember_placed(req->ctx, buf);
            lm_group_unlock(group);
            *ret = host;
            return false;
        }
        return true;
    }

    if (acc & LOWMAP_CLIENT_RANGE) {
        size_t page = lm_page_size();
        size_t need = ((uintptr_t)host & (page - 1)) + len;
        buf->client_size_needed = (GLint64)((need + page - 1) & ~(page - 1));
        lm_group_unlock(group);
        host_unmap(req);
        lm_set_error(req->ctx, GL_OUT_OF_MEMORY);
        lm_log(LM_LOG_INFO, "gl: no room for %zu bytes of buffer %u in "
                            "client ranges (%s): GL_OUT_OF_MEMORY",
               len, req->name, lowmap_strerror(err));
        *ret = NULL;
        return false;
    }
    if (lm_config.strict) {
        lm_group_unlock(group);
        host_unmap(req);
        lm_set_error(req->ctx, GL_OUT_OF_MEMORY);
        lm_log(LM_LOG_ERROR, "gl: LOWMAP_STRICT: no low view of %zu bytes "
                             "of buffer %u at %p (%s): GL_OUT_OF_MEMORY",
               len, req->name, (void *)host, lowmap_strerror(err));
        *ret = NULL;
        return false;
    }
    lm_log(LM_LOG_WARN, "gl: no low view of %zu bytes of buffer %u at %p "
                        "(%s): returning the host pointer",
           len, req->name, (void *)host, lowmap_strerror(err));
    untracked(host, len);
    buf->map = (struct lm_view){ .host = host, .low = host, .size = len };
    return true;
}

/*
 * Our side of a map the host made: a low view of @host (kept from the
 * last map where it still serves), tracked until the unmap.
 */
static void *after_map(const struct map_req *req, char *host, size_t len)
{
    struct lm_group *group = req->ctx->group;
    unsigned acc = lm_access_from_bits(req->access);
    struct lm_buffer *buf;
    void *ret;

    if (len == 0 || req->name == 0)
        return untracked(host, len);
    if (placed_hit(req, host, len))
        return host;

    lm_group_lock(group);
    buf = lm_buffer_get(group, req->name);
    if (!buf) {
        lm_group_unlock(group);
        return untracked(host, len);
    }
    /* The host mapped it, so any map we remember is stale. */
    lm_buffer_end_map(buf, true);
    /* Orphaning may move the storage without moving the address: a
     * zero-copy view would show the old pages.  A shadow only copies, to
     * whatever the address holds, and placed storage is ours: it never
     * moves. */
    if ((req->access & GL_MAP_INVALIDATE_BUFFER_BIT) && !buf->placed &&
        !is_shadow(&buf->kept))
        lm_buffer_drop_kept(buf);

    struct lm_view *kept = &buf->kept;
    if (kept->alias && is_shadow(kept) && reuse_shadow(buf, host, len, acc)) {
        buf->map = *kept;
        buf->map.access = acc;
        buf->map_kept = true;
    } else if (!new_view(req, buf, host, len, acc, &ret)) {
        return ret;
    }
    if ((buf->map_shadow = is_shadow(&buf->map)))
        count(&group->shadow_maps, 1);
    lm_buffer_begin_map(buf);
    buf->map_access = req->access;
    buf->map_offset = req->offset;
    char *low = buf->map.low;
    lm_group_unlock(group);
    return low;
}

static bool use_i64(const struct lm_context_info *info)
{
    return info->gles ? info->major >= 3
                      : info->major > 3 || (info->major == 3 && info->minor >= 2);
}

GLint64 lm_host_buffer_param(struct lm_context *ctx, GLenum target,
                             GLuint name, bool ext_dsa, GLenum pname)
{
    GLint64 v64 = 0;
    GLint v = 0;

    if (target && use_i64(lm_context_info(ctx))) {
        LM_HOST_CALL(lm_get_buffer_parameteri64v_fn, glGetBufferParameteri64v)
        (target, pname, &v64);
        return v64;
    }
    if (target) {
        LM_HOST_CALL(lm_get_buffer_parameteriv_fn, glGetBufferParameteriv)
        (target, pname, &v);
        return v;
    }
    /* Core direct state access came with GL 4.5, which has the 64-bit
     * query; EXT_direct_state_access has only its own. */
    if (!ext_dsa) {
        LM_HOST_CALL(lm_get_named_buffer_parameteri64v_fn,
                     glGetNamedBufferParameteri64v)(name, pname, &v64);
        return v64;
    }
    LM_HOST_CALL(lm_get_named_buffer_parameteriv_fn,
                 glGetNamedBufferParameterivEXT)(name, pname, &v);
    return v;
}

static size_t size_of(GLint64 size)
{
    return size > 0 ? (size_t)size : 0;
}

/* Strips the client-pointer bit where the extension applies; elsewhere the
 * host sees it and rejects it, as it should. */
static GLbitfield host_bits(struct lm_context *ctx, GLbitfield access)
{
    if ((access & GL_MAP_CLIENT_POINTER_BIT_MESA) && ctx &&
        lm_context_info(ctx)->client_pointer)
        return access & ~(GLbitfield)GL_MAP_CLIENT_POINTER_BIT_MESA;
    return access;
}

/*
 * Whether a target map must know its buffer before the host call: memory
 * objects serve their maps themselves, a buffer waiting for placed storage
 * moves first (adopt.c), and placed storage shaders write waits for the
 * draws (order.c).  Otherwise the binding is asked after the host map, and
 * only where the map is not served from the placed storage this context
 * mapped last (placed_range_hit()): a map changes no binding.
 */
static inline bool map_named_first(void)
{
    return lm_memobj_any() ||
           atomic_load_explicit(&lm_adoptable, memory_order_relaxed) != 0 ||
           atomic_load_explicit(&lm_storage_bound, memory_order_relaxed);
}

void *lm_map_buffer(enum lm_host slot, GLenum target, GLenum access)
{
    struct lm_context *ctx = lm_current;
    int64_t name = ctx && map_named_first() ? lm_bound_buffer(target) : -1;
    void *host;

    if (lm_memobj_any() && ctx &&
        (access == GL_READ_ONLY || access == GL_WRITE_ONLY ||
         access == GL_READ_WRITE) &&
        lm_memobj_map(ctx, name, 0, 0, bits_from_enum(access), true, &host))
        return host;
    lm_placed_adopt(slot, target, name);
    lm_order_name(name);
    host = ((map_fn)lm_host(slot))(target, access);
    if (!host || !ctx)
        return host;
    /* The whole buffer: it lies in the storage its start lies in. */
    if (name < 0 && placed_range_hit(ctx, host, 1, bits_from_enum(access)))
        return host;
    if (name < 0)
        name = lm_bound_buffer(target);
    if (name <= 0)
        return untracked(host, size_of(lm_host_buffer_param(
            ctx, target, 0, false, GL_BUFFER_SIZE)));
    struct map_req req = {
        .ctx = ctx, .name = (GLuint)name, .target = target,
        .map = slot, .offset = 0,
        .access = bits_from_enum(access),
    };
    return after_map(&req, host, size_of(lm_host_buffer_param(
                                      ctx, target, 0, false, GL_BUFFER_SIZE)));
}

void *lm_map_buffer_range(enum lm_host slot, GLenum target, GLintptr offset,
                          GLsizeiptr length, GLbitfield access)
{
    struct lm_context *ctx = lm_current;
    GLbitfield bits = host_bits(ctx, access);
    int64_t name = ctx && map_named_first() ? lm_bound_buffer(target) : -1;
    void *host;

    if (lm_memobj_any() && ctx &&
        lm_memobj_map(ctx, name, offset, length, access, false, &host))
        return host;
    lm_placed_adopt(slot, target, name);
    if (!(access & GL_MAP_UNSYNCHRONIZED_BIT))
        lm_order_name(name);
    host = ((map_range_fn)lm_host(slot))(target, offset, length, bits);
    if (!host || !ctx || length <= 0)
        return host;
    if (name < 0 && placed_range_hit(ctx, host, (size_t)length, access))
        return host;
    if (name < 0)
        name = lm_bound_buffer(target);
    if (name <= 0)
        return untracked(host, (size_t)length);
    struct map_req req = {
        .ctx = ctx, .name = (GLuint)name, .target = target,
        .map = slot, .offset = offset,
        .access = bits == access ? bits
                                 : bits | GL_MAP_CLIENT_POINTER_BIT_MESA,
    };
    return after_map(&req, host, (size_t)length);
}

void *lm_map_named_buffer(enum lm_host slot, GLuint buffer, GLenum access)
{
    struct lm_context *ctx = lm_current;
    void *host;

    if (lm_memobj_any() && ctx &&
        (access == GL_READ_ONLY || access == GL_WRITE_ONLY ||
         access == GL_READ_WRITE) &&
        lm_memobj_map(ctx, buffer, 0, 0, bits_from_enum(access), true,
                      &host))
        return host;
    lm_placed_adopt(slot, 0, buffer);
    lm_order_name(buffer);
    host = ((map_named_fn)lm_host(slot))(buffer, access);
    if (!host || !ctx)
        return host;
    struct map_req req = {
        .ctx = ctx, .name = buffer, .map = slot,
        .offset = 0, .access = bits_from_enum(access),
    };
    return after_map(&req, host,
                     size_of(lm_host_buffer_param(
                         ctx, 0, buffer, slot == LM_HOST_glMapNamedBufferEXT,
                         GL_BUFFER_SIZE)));
}

void *lm_map_named_buffer_range(enum lm_host slot, GLuint buffer,
                                GLintptr offset, GLsizeiptr length,
                                GLbitfield access)
{
    struct lm_context *ctx = lm_current;
    GLbitfield bits = host_bits(ctx, access);
    void *host;

    if (lm_memobj_any() && ctx &&
        lm_memobj_map(ctx, buffer, offset, length, access, false, &host))
        return host;
    lm_placed_adopt(slot, 0, buffer);
    if (!(access & GL_MAP_UNSYNCHRONIZED_BIT))
        lm_order_name(buffer);
    host = ((map_named_range_fn)lm_host(slot))(buffer, offset, length, bits);
    if (!host || !ctx || length <= 0)
        return host;
    struct map_req req = {
        .ctx = ctx, .name = buffer, .map = slot,
        .offset = offset,
        .access = bits == access ? bits
                                 : bits | GL_MAP_CLIENT_POINTER_BIT_MESA,
    };
    return after_map(&req, host, (size_t)length);
}

/* Ends our side of @name's map, before the host unmaps: the write-back,
 * then the host's flushes that waited for it.  @target: the unmap's, whose
 * binding is @name; 0 for named unmaps. */
static inline void end_map_of(struct lm_context *ctx, int64_t name,
                              GLenum target)
{
    struct lm_flushes flushes;
    bool flush = false;

    if (!ctx || name <= 0)
        return;
    lm_group_lock(ctx->group);
    struct lm_buffer *buf = lm_buffer_find(ctx->group, (GLuint)name);
    lm_log(LM_LOG_TRACE, "gl: unmap buffer %u: %s", (unsigned)name,
           !buf ? "untracked" : buf->mapped ? "mapped" : "not mapped");
    if (buf) {
        flush = buf->mapped && buf->flushes &&
                lm_flushes_take(buf, &flushes);
        lm_buffer_end_map(buf, true);
    }
    lm_group_unlock(ctx->group);
    if (flush)
        lm_flushes_issue(&flushes, (GLuint)name, target);
}

GLboolean lm_unmap_buffer(enum lm_host slot, GLenum target)
{
    struct lm_context *ctx = lm_current;
    bool tracked = maps_tracked(ctx);
    int64_t name = ctx && (lm_memobj_any() || tracked)
                       ? lm_bound_buffer(target) : -1;
    GLboolean ret;

    if (lm_memobj_any() && ctx && lm_memobj_unmap(ctx, name, &ret))
        return ret;
    if (tracked)
        end_map_of(ctx, name, target);
    return ((unmap_fn)lm_host(slot))(target);
}

GLboolean lm_unmap_named_buffer(enum lm_host slot, GLuint buffer)
{
    GLboolean ret;

    if (lm_memobj_any() && lm_memobj_unmap(lm_current, buffer, &ret))
        return ret;
    if (maps_tracked(lm_current))
        end_map_of(lm_current, buffer, 0);
    return ((unmap_named_fn)lm_host(slot))(buffer);
}

static void pointer_of(struct lm_context *ctx, int64_t name, void **params)
{
    if (!ctx || name <= 0)
        return;
    lm_group_lock(ctx->group);
    struct lm_buffer *buf = lm_buffer_find(ctx->group, (GLuint)name);
    if (buf && buf->mapped)
        *params = buf->map.low;
    lm_group_unlock(ctx->group);
}

void lm_get_buffer_pointer(enum lm_host slot, GLenum target, GLenum pname,
                           void **params)
{
    struct lm_context *ctx = lm_current;
    if (lm_memobj_any() && ctx && pname == GL_BUFFER_MAP_POINTER &&
        lm_memobj_pointer(ctx, lm_bound_buffer(target), params))
        return;
    ((pointer_fn)lm_host(slot))(target, pname, params);
    if (ctx && params && pname == GL_BUFFER_MAP_POINTER && *params &&
        maps_tracked(ctx))
        pointer_of(ctx, lm_bound_buffer(target), params);
}

void lm_get_named_buffer_pointer(enum lm_host slot, GLuint buffer,
                                 GLenum pname, void **params)
{
    if (lm_memobj_any() && pname == GL_BUFFER_MAP_POINTER &&
        lm_memobj_pointer(lm_current, buffer, params))
        return;
    ((pointer_named_fn)lm_host(slot))(buffer, pname, params);
    if (params && pname == GL_BUFFER_MAP_POINTER && *params &&
        maps_tracked(lm_current))
        pointer_of(lm_current, buffer, params);
}
