/*
 * Internal interfaces of the GL layer.  Everything here is private to
 * glvnd-vendor/gl/; the front doors see only ../gl_layer.h.
 *
 * Locking: `lm_registry_lock` (state.c) guards the context and share-group
 * registry; each share group's `lock` guards its buffer table and the
 * buffers in it (a mutex biased toward the group's first thread, lock.h:
 * a program using the group from one thread takes it without a locked
 * instruction).  Neither lock is ever held while calling the host vendor:
 * host calls may block on the GPU, and a host that calls back into the
 * window system must not find us holding anything.  Calls into liblowmap
 * (which may copy for a shadow) happen with the group lock held so that a
 * buffer's mapping state and its alias change together; liblowmap never
 * calls back into the GL layer.
 *
 * Persistent shadows (persist.c): a share group's list of buffers whose
 * live map is a persistent shadow is guarded by the group lock like the
 * rest of the group; `lm_persistent_live` (all groups) and each group's
 * `npersistent` are atomics, written under the group lock and read without
 * any lock by the command hooks, which only need a hint: a hook that sees
 * zero calls the host straight away, one that sees more takes the lock and
 * walks the list.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_GL_PRIVATE_H
#define LOWMAP_GL_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <GL/gl.h>
#include <GL/glext.h>

#include <uthash.h>

#include "hooks.h"
#include "lock.h"
#include "lowmap.h"

/* Tokens Debian 12's headers lack. */
#ifndef GL_MAP_CLIENT_POINTER_BIT_MESA
#define GL_MAP_CLIENT_POINTER_BIT_MESA 0x4000
#endif
#ifndef GL_BUFFER_CLIENT_POINTER_SIZE_MESA
#define GL_BUFFER_CLIENT_POINTER_SIZE_MESA 0x9790
#endif
#ifndef GL_CLIENT_POINTER_RELEASE_ALL_MESA
#define GL_CLIENT_POINTER_RELEASE_ALL_MESA 0x0001
#endif
#ifndef GL_EXTERNAL_VIRTUAL_MEMORY_BUFFER_AMD
#define GL_EXTERNAL_VIRTUAL_MEMORY_BUFFER_AMD 0x9160
#endif

#define LM_CLIENT_POINTER_EXT "GL_MESA_map_buffer_client_pointer"

/* ---- host functions (hooks.c) ---------------------------------------- */

enum lm_host {
#define LM_HOST_SLOT(name, ...) LM_HOST_##name,
    LOWMAP_GL_HOOKS(LM_HOST_SLOT)
    LOWMAP_GL_HOST_ONLY(LM_HOST_SLOT)
#undef LM_HOST_SLOT
    LM_HOST_COUNT
};

/* The host's implementation of @slot, resolved on first use and cached;
 * NULL when the host lacks it. */
void *lm_host_resolve(enum lm_host slot);
extern _Atomic(void *) lm_host_cache[LM_HOST_COUNT];

static inline void *lm_host(enum lm_host slot)
{
    void *fn = atomic_load_explicit(&lm_host_cache[slot], memory_order_acquire);
    return fn ? fn : lm_host_resolve(slot);
}

/* Calls the host function @name with the signature @type. */
#define LM_HOST_CALL(type, name) ((type)lm_host(LM_HOST_##name))

typedef void(APIENTRY *lm_get_integerv_fn)(GLenum, GLint *);
typedef const GLubyte *(APIENTRY *lm_get_string_fn)(GLenum);
typedef const GLubyte *(APIENTRY *lm_get_stringi_fn)(GLenum, GLuint);
typedef void(APIENTRY *lm_bind_buffer_fn)(GLenum, GLuint);
typedef GLboolean(APIENTRY *lm_is_buffer_fn)(GLuint);
typedef void(APIENTRY *lm_finish_fn)(void);
typedef GLsync(APIENTRY *lm_fence_sync_fn)(GLenum, GLbitfield);
typedef GLenum(APIENTRY *lm_client_wait_sync_fn)(GLsync, GLbitfield,
                                                 GLuint64);
typedef void(APIENTRY *lm_delete_sync_fn)(GLsync);
typedef void(APIENTRY *lm_get_synciv_fn)(GLsync, GLenum, GLsizei, GLsizei *,
                                         GLint *);
typedef void(APIENTRY *lm_memory_barrier_fn)(GLbitfield);
typedef void(APIENTRY *lm_get_buffer_sub_data_fn)(GLenum, GLintptr,
                                                  GLsizeiptr, void *);
typedef void(APIENTRY *lm_get_named_buffer_sub_data_fn)(GLuint, GLintptr,
                                                        GLsizeiptr, void *);
typedef GLenum(APIENTRY *lm_get_error_fn)(void);
typedef void(APIENTRY *lm_get_buffer_parameteriv_fn)(GLenum, GLenum, GLint *);
typedef void(APIENTRY *lm_get_buffer_parameteri64v_fn)(GLenum, GLenum,
                                                       GLint64 *);
typedef void(APIENTRY *lm_get_named_buffer_parameteriv_fn)(GLuint, GLenum,
                                                           GLint *);
typedef void(APIENTRY *lm_get_named_buffer_parameteri64v_fn)(GLuint, GLenum,
                                                             GLint64 *);

/* ---- configuration and logging (config.c) ---------------------------- */

/* LOWMAP_PLACED: which buffers get placed storage where the host can. */
enum lm_placed_mode {
    LM_PLACED_AUTO,       /* persistent ones, and those whose maps were
                           * shadows (placed.c, adopt.c) */
    LM_PLACED_OFF,
    LM_PLACED_PERSISTENT, /* immutable storage with GL_MAP_PERSISTENT_BIT */
    LM_PLACED_ALL,
};

/* LOWMAP_PLACED_BACKEND: how placed storage is made. */
enum lm_placed_backend {
    LM_BACKEND_AUTO,          /* pinned where the host has it, else
                               * memory objects */
    LM_BACKEND_PINNED,        /* GL_AMD_pinned_memory (placed.c) */
    LM_BACKEND_MEMORY_OBJECT, /* exportable Vulkan memory (memobj.c) */
    LM_BACKEND_OFF,
};

struct lm_config {
    bool strict;                 /* LOWMAP_STRICT=1 */
    enum lm_placed_mode placed;  /* LOWMAP_PLACED */
    enum lm_placed_backend backend; /* LOWMAP_PLACED_BACKEND */
    unsigned log_mask;           /* LOWMAP_DEBUG */
};
extern struct lm_config lm_config;
void lm_config_load(void);

enum { LM_LOG_ERROR = 1, LM_LOG_WARN = 2, LM_LOG_INFO = 4, LM_LOG_TRACE = 8 };
void lm_log_(unsigned level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define lm_log(level, ...)                                                   \
    do {                                                                     \
        if (lm_config.log_mask & (level))                                    \
            lm_log_((level), __VA_ARGS__);                                   \
    } while (0)

/* ---- contexts, share groups, buffers (state.c) ----------------------- */

/* One mapping the app currently holds, or one kept for reuse. */
struct lm_view {
    lowmap_alias *alias; /* NULL: host pointer handed out as is */
    size_t alias_offset; /* of `host` inside the alias */
    const char *host;    /* host pointer of the view's first byte */
    char *low;           /* what the app got */
    size_t size;
    unsigned access;     /* LOWMAP_* the alias was made with */
    int strategy;        /* the alias's, asked once; 0 without one */
};

/* Explicit flushes of a shadow map waiting for its unmap (flush.c). */
#define LM_FLUSHES_MAX 8
struct lm_flush_range {
    GLintptr offset; /* in the mapped range */
    GLsizeiptr length;
};
struct lm_flushes {
    enum lm_host slot; /* the app's flush entry point */
    GLenum target;     /* its target; 0 for the named ones */
    unsigned n;
    struct lm_flush_range range[LM_FLUSHES_MAX];
};

struct lm_buffer {
    GLuint name;
    UT_hash_handle hh;
    struct lm_group *group;

    /* The app's current mapping (mapped == true); maps of placed storage
     * are not tracked (map.c, no_view()). */
    bool mapped;
    GLbitfield map_access; /* GL access bits as the app gave them */
    GLintptr map_offset;
    struct lm_view map;
    bool map_kept;         /* map.alias is also `kept` */
    bool map_shadow;       /* map is a shadow: counted in shadow_maps */
    struct lm_flushes *flushes; /* NULL until a flush waits (flush.c) */

    /* An alias kept across unmap/map while the host pointer stays the
     * same: a steady-state map is then a hash lookup (zero-copy views), or
     * a copy without mmap, userfaultfd registration or faults (shadows,
     * whose writes were published at unmap; see map.c for when one may be
     * reused). */
    struct lm_view kept;
    /* A kept shadow equal to the buffer over its whole range as of
     * lm_gl_writes == kept_writes (map.c). */
    bool kept_in_sync;
    unsigned kept_writes;

    /* The live map is a persistent shadow, linked in group->persistent. */
    bool persistent_linked;
    struct lm_buffer *persistent_next, **persistent_pprev;
    unsigned refreshed_at; /* lm_gl_writes at the last refresh */

    /* Immutable storage (glBufferStorage seen): respecifying it fails on
     * the host and changes nothing, so our state must not change either. */
    bool immutable;

    /* Placed storage (placed.c): the buffer's storage is ours, low. */
    void *placed;
    size_t placed_size;
    GLsizeiptr placed_len; /* what the app asked for */
    GLenum placed_usage;   /* glBufferData's usage; 0 for immutable */
    /* Memory-object storage (memobj.c): maps are served from its view. */
    struct lm_memobj *memobj;
    /* A map of this buffer fell to the shadow path: with LOWMAP_PLACED=auto
     * its next storage is placed. */
    bool shadowed;
    /* Bound as a storage or atomic counter buffer on a software
     * rasterizer (order.c). */
    bool shader_storage;
    /* A shadowed map made it a candidate for placed storage (adopt.c). */
    bool adoptable;

    /* GL_BUFFER_CLIENT_POINTER_SIZE_MESA after a failed client map. */
    GLint64 client_size_needed;
};

/* A texture level mapped with glMapTexture2DINTEL. */
struct lm_texmap {
    uint64_t key; /* texture name << 32 | level */
    UT_hash_handle hh;
    struct lm_view map;
};

/* Storage the host may still read: reused or freed once the fence has
 * signalled.  Also the pool of such blocks ready for reuse. */
struct lm_graveyard {
    struct lm_graveyard *next;
    struct lm_memobj *memobj; /* set: memory-object storage, not mem */
    void *mem;
    size_t size;   /* page multiple */
    bool reusable; /* nothing may reach it once the fence signalled */
    GLsync fence;  /* NULL: freed at the next glFinish-free point */
};

struct lm_group {
    struct lm_lock lock; /* guards everything below but the counters */
    struct lm_buffer *buffers;
    struct lm_buffer *last; /* last found: apps map one buffer at a time */
    struct lm_texmap *texmaps;
    struct lm_graveyard *graveyard;
    /* Placed blocks the host is done with, for the next placed storage of
     * the same size: orphaning a buffer every frame costs no mmap. */
    struct lm_graveyard *pool;
    unsigned pool_count;
    /* Buffers whose live map is a persistent shadow (persist.c). */
    struct lm_buffer *persistent;
    _Atomic unsigned npersistent;
    /* Blocks small memory-object buffers share, and whether the host
     * honours offsets into them (0 not known yet, 1 yes, -1 no): guarded
     * by memblock.c's lock, not this group's. */
    struct lm_memblock *memblocks;
    int memblock_offsets;
    /* Bumped, under the lock, whenever a buffer of the group loses its
     * placed storage or is forgotten: what contexts remember of placed
     * storage (lm_context.placed_hit) holds while it stays the same. */
    _Atomic unsigned placed_epoch;
    /* Buffers with a tracked map (buf->mapped), and those of them whose
     * map is a shadow: while none is, unmaps and flushes skip the lookup.
     * Changed under the lock, read without it (map.c). */
    _Atomic unsigned tracked_maps, shadow_maps;
    /* Registry-lock protected: live contexts, threads having one current. */
    unsigned contexts;
    unsigned current;
};

struct lm_context_info {
    bool known;
    bool gles;
    int major, minor;
    bool client_pointer; /* GL_MESA_map_buffer_client_pointer applies */
    bool pinned_memory;  /* host has GL_AMD_pinned_memory */
    bool memory_object;  /* host has GL_EXT_memory_object_fd */
    bool map_texture;    /* host has GL_INTEL_map_texture */
    bool has_sync;       /* fences usable */
    bool software;       /* a software rasterizer: buffers live in RAM */
};

struct lm_context {
    void *key; /* the host's context handle */
    void *dpy;
    UT_hash_handle hh;
    struct lm_group *group;
    bool destroyed;
    unsigned current; /* threads having it current */
    GLenum error;     /* pending lowmap error for glGetError */
    bool vk_checked;  /* memobj.c looked up the Vulkan device */
    struct lm_vk_device *vk;
    struct lm_context_info info;
    unsigned ordered_draws; /* lm_gl_draws at this context's last wait */
    /* The last name adopt.c looked up and found not waiting to move, as of
     * lm_adoptable_gen == adopt_seen_gen. */
    GLuint adopt_seen;
    unsigned adopt_seen_gen;
    /* The placed storage [lo, hi) of the buffer this context last mapped
     * zero-copy, as of group->placed_epoch == epoch: a map of it that the
     * host serves from there needs no lookup (map.c). */
    struct {
        GLuint name;
        unsigned epoch;
        const char *lo, *hi;
    } placed_hit;
    /* The buffer one target was last found bound to (lm_bound_buffer()),
     * while @known: every call that may change a buffer binding of the
     * context forgets it (binds.c). */
    struct {
        GLenum target;
        GLuint name;
        bool known;
    } bound;
};

/* The context current on this thread, or NULL.  Every hook reads it, so
 * it lives in static TLS (as libglvnd's and Mesa's current dispatch
 * tables do): a load off the thread pointer, where the default model for
 * a dlopen()ed library calls __tls_get_addr() each time.  Eight bytes of
 * the space glibc keeps for such libraries; the share-group lock's mark
 * of the thread (lock.h) takes one more. */
#define LM_STATIC_TLS __attribute__((tls_model("initial-exec")))
extern _Thread_local struct lm_context *lm_current LM_STATIC_TLS;

/* Info for @ctx, queried from the host on first use (ctx is current). */
const struct lm_context_info *lm_context_info(struct lm_context *ctx);

/* Record @error for the next glGetError of the current context. */
void lm_set_error(struct lm_context *ctx, GLenum error);

/* Buffer lookup; call with group->lock held.  _get creates.  The buffer
 * looked up last answers inline: a map and its unmap ask for the same. */
struct lm_buffer *lm_buffer_find_hashed(struct lm_group *group, GLuint name);
struct lm_buffer *lm_buffer_get_hashed(struct lm_group *group, GLuint name);

static inline struct lm_buffer *lm_buffer_find(struct lm_group *group,
                                               GLuint name)
{
    struct lm_buffer *buf = group->last;
    return buf && buf->name == name ? buf : lm_buffer_find_hashed(group, name);
}

static inline struct lm_buffer *lm_buffer_get(struct lm_group *group,
                                              GLuint name)
{
    struct lm_buffer *buf = group->last;
    return buf && buf->name == name ? buf : lm_buffer_get_hashed(group, name);
}
/* Drop every view of @buf (a live map included, which copies back when
 * @host_alive) and forget it; placed storage goes to the graveyard. */
void lm_buffer_forget(struct lm_group *group, struct lm_buffer *buf,
                      bool host_alive);

/* Drops the kept views of every unmapped buffer everywhere, so the arena
 * space they hold (donated ranges included) can go back. */
void lm_drop_all_kept(void);

/* Name of the buffer bound to @target in the current context: 0 when none,
 * -1 when @target is not a buffer target we know.  Asked of the host once
 * while no binding changes (binds.c), for targets whose binding only
 * binding calls change. */
int64_t lm_bound_buffer_query(GLenum target);

static inline int64_t lm_bound_buffer(GLenum target)
{
    struct lm_context *ctx = lm_current;

    if (ctx && ctx->bound.known && ctx->bound.target == target)
        return ctx->bound.name;
    return lm_bound_buffer_query(target);
}

/* ---- views (map.c) --------------------------------------------------- */

/* One parameter of the buffer bound at @target, or of @name when @target
 * is 0 (@ext_dsa: through EXT_direct_state_access), asked of the host with
 * a query the context has. */
GLint64 lm_host_buffer_param(struct lm_context *ctx, GLenum target,
                             GLuint name, bool ext_dsa, GLenum pname);
/* MapBufferRange bits as the core's access: inline, as every map asks,
 * and mostly shifts, as the bits line up (checked here). */
_Static_assert(GL_MAP_READ_BIT == LOWMAP_READ &&
                   GL_MAP_WRITE_BIT == LOWMAP_WRITE &&
                   GL_MAP_PERSISTENT_BIT >> 4 == LOWMAP_PERSISTENT &&
                   GL_MAP_COHERENT_BIT >> 4 == LOWMAP_COHERENT &&
                   GL_MAP_CLIENT_POINTER_BIT_MESA >> 8 == LOWMAP_CLIENT_RANGE,
               "GL map bits and lowmap access bits line up");
static inline unsigned lm_access_from_bits(GLbitfield a)
{
    unsigned acc = (a & (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT)) |
                   (a & (GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT)) >> 4;
    if (a & (GL_MAP_INVALIDATE_RANGE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT))
        acc |= LOWMAP_INVALIDATE;
    /* GL_MAP_FLUSH_EXPLICIT_BIT is not passed down.  GL leaves bytes
     * written but never flushed undefined, yet every driver that maps its
     * storage directly (llvmpipe, most GTT buffers) shows them after the
     * unmap, and programs rely on it (piglit's named-buffers test writes
     * one float and flushes another byte).  So a shadow of an explicit
     * map behaves like any write map: copied in, its written pages back at
     * unmap and at persistent maps' synchronisation points.  A flush of
     * a persistent shadow copies its range at once; other flushes wait
     * for the unmap (flush.c). */
    acc |= (a & GL_MAP_CLIENT_POINTER_BIT_MESA) >> 8;
    /* GL_MAP_UNSYNCHRONIZED_BIT concerns the host's synchronisation only. */
    return acc;
}

/* The page size, and @v rounded up to a multiple of it. */
size_t lm_page_size(void);
static inline size_t lm_page_up(size_t v)
{
    return (v + lm_page_size() - 1) & ~(lm_page_size() - 1);
}
void lm_view_release(struct lm_view *view, bool host_alive);
/* Group lock held: marks @buf mapped (counted in tracked_maps): its unmap
 * must end our side of the map. */
void lm_buffer_begin_map(struct lm_buffer *buf);
/* Drop the app's mapping of @buf, if it has one (before the host unmaps
 * it).  Every map asks first, so the question is inline. */
void lm_buffer_end_mapped(struct lm_buffer *buf, bool host_alive);
static inline void lm_buffer_end_map(struct lm_buffer *buf, bool host_alive)
{
    if (buf->mapped)
        lm_buffer_end_mapped(buf, host_alive);
}
void lm_buffer_drop_kept(struct lm_buffer *buf);

/* ---- explicit flushes (flush.c) -------------------------------------- */

/* Group lock held: moves the flushes waiting for @buf's unmap to @out;
 * false when none waits. */
bool lm_flushes_take(struct lm_buffer *buf, struct lm_flushes *out);
/* Group lock held: the map ended some other way; its flushes are moot. */
void lm_flushes_drop(struct lm_buffer *buf);
void lm_flushes_free(struct lm_buffer *buf);
/* No lock, after the write-back and before the host's unmap: the host's
 * flushes of buffer @name as the app made them.  @known: a target whose
 * binding is known to be @name, or 0. */
void lm_flushes_issue(const struct lm_flushes *f, GLuint name, GLenum known);

/* ---- persistent shadows (persist.c) ---------------------------------- */

/* Live persistent shadow maps in every share group: the command hooks'
 * one-branch test. */
extern _Atomic unsigned lm_persistent_live;

/* Group lock held: @buf's live map is (no longer) a persistent shadow. */
void lm_persist_link(struct lm_buffer *buf);
void lm_persist_unlink(struct lm_buffer *buf);

/* Publish client writes of the current share group's persistent shadows:
 * coherent maps only, or every map (@all). */
void lm_persist_publish(bool all);

/* Called by every hook of a command that may read or write buffer storage,
 * before the host runs it.  Free while no persistent shadow is live. */
static inline void lm_before_command(void)
{
    if (__builtin_expect(atomic_load_explicit(&lm_persistent_live,
                                              memory_order_relaxed) != 0, 0))
        lm_persist_publish(false);
}

/*
 * Bumped by every command that may write buffer storage: a shadow is still
 * equal to its buffer while the count is what it was when the two were
 * last made equal (map.c on kept shadows, persist.c on write-only maps).
 * Draws count once the app has bound storage buffers or images, or begun
 * transform feedback: from then on any draw may write a buffer.
 */
extern _Atomic unsigned lm_gl_writes;
extern _Atomic bool lm_draws_write;

static inline unsigned lm_gl_writes_now(void)
{
    return atomic_load_explicit(&lm_gl_writes, memory_order_relaxed);
}

static inline void lm_before_writer(void)
{
    atomic_fetch_add_explicit(&lm_gl_writes, 1, memory_order_relaxed);
    if (__builtin_expect(atomic_load_explicit(&lm_persistent_live,
                                              memory_order_relaxed) != 0, 0))
        lm_persist_publish(false);
}

/*
 * Placed storage buffers and the draws that use them (order.c): once a
 * buffer is bound as a storage buffer on a software rasterizer, draws are
 * counted, and commands that write or read a placed one through the GL
 * first wait for the draws before them.
 */
extern _Atomic bool lm_storage_bound;
extern _Atomic unsigned lm_gl_draws;

void lm_order_note_binding(GLenum target, GLuint buffer);
/* Whether @slot's first argument names a buffer rather than a target. */
bool lm_slot_names_buffer(enum lm_host slot);
void lm_order_slow(enum lm_host slot, GLuint target_or_name);
void lm_order_name_slow(int64_t name);

/* Before @slot's host call on the buffer named by its first argument. */
static inline void lm_order_buffer(enum lm_host slot, GLuint target_or_name)
{
    if (__builtin_expect(atomic_load_explicit(&lm_storage_bound,
                                              memory_order_relaxed), 0))
        lm_order_slow(slot, target_or_name);
}

/* The same for buffer @name (lm_bound_buffer()'s answer, or a name). */
static inline void lm_order_name(int64_t name)
{
    if (__builtin_expect(atomic_load_explicit(&lm_storage_bound,
                                              memory_order_relaxed), 0))
        lm_order_name_slow(name);
}

/* Commands that write buffers only through shaders: draws. */
static inline void lm_before_draw(void)
{
    if (__builtin_expect(atomic_load_explicit(&lm_draws_write,
                                              memory_order_relaxed), 0)) {
        atomic_fetch_add_explicit(&lm_gl_writes, 1, memory_order_relaxed);
        if (atomic_load_explicit(&lm_storage_bound, memory_order_relaxed))
            atomic_fetch_add_explicit(&lm_gl_draws, 1, memory_order_relaxed);
    }
    lm_before_command();
}

/* Calls that may change the current context's buffer bindings (binds.c):
 * each ends what lm_bound_buffer() knows. */
void lm_bind_buffer(enum lm_host slot, GLenum target, GLuint buffer);
void lm_pop_client_attrib(enum lm_host slot);
void lm_client_attrib_default(enum lm_host slot, GLbitfield mask);
void lm_bindings_changed(void);

/* Bindings that let shaders write (binds.c): turn lm_draws_write on;
 * they also end what lm_bound_buffer() knows. */
void lm_bind_buffer_base(enum lm_host slot, GLenum target, GLuint index,
                         GLuint buffer);
void lm_bind_buffer_range(enum lm_host slot, GLenum target, GLuint index,
                          GLuint buffer, GLintptr offset, GLsizeiptr size);
void lm_bind_buffers(enum lm_host slot, GLenum target, GLuint first,
                     GLsizei count, const GLuint *buffers,
                     const GLintptr *offsets, const GLsizeiptr *sizes);
void lm_bind_image_texture(enum lm_host slot, GLuint unit, GLuint texture,
                           GLint level, GLboolean layered, GLint layer,
                           GLenum access, GLenum format);
void lm_bind_image_textures(enum lm_host slot, GLuint first, GLsizei count,
                            const GLuint *textures);

/* ---- placed storage (placed.c) --------------------------------------- */

/* Try to give the buffer bound at @target (or @name when @target is 0) low
 * storage; returns true when the host call was made here. */
bool lm_placed_data(struct lm_context *ctx, enum lm_host slot, GLenum target,
                    GLuint name, GLsizeiptr size, const void *data,
                    GLenum usage, bool shadowed);
/* Which buffers get placed storage in a context like @info, in words. */
const char *lm_placed_rule(const struct lm_context_info *info);
bool lm_placed_storage(struct lm_context *ctx, enum lm_host slot,
                       GLenum target, GLuint name, GLsizeiptr size,
                       const void *data, GLbitfield flags);
/* Before the host deletes a buffer that has mutable placed storage: give
 * it host storage holding the same bytes, so that whatever still refers
 * to the buffer (a VAO, a texture buffer, another context) keeps reading
 * its contents after our memory is gone.  No group lock held. */
void lm_placed_migrate(struct lm_context *ctx, GLuint name, void *mem,
                       GLsizeiptr len, GLenum usage);
void lm_graveyard_add(struct lm_group *group, void *mem, size_t size,
                      bool reusable);
/* Free what the host is done with; @all at group destruction. */
void lm_graveyard_sweep(struct lm_group *group, bool all);

/* Placed storage internals shared with adopt.c. */
bool lm_placed_arena_is_ours(void);
void *lm_placed_alloc(struct lm_group *group, GLsizeiptr size,
                      const void *data, size_t *out_size);
bool lm_placed_pin(GLuint name, GLsizeiptr size, bool storage,
                   enum lm_host slot, void *mem, GLenum usage,
                   GLbitfield flags);

/*
 * Buffers moved into placed storage before their next map (adopt.c): on a
 * software rasterizer, every buffer specified with glBufferData, and
 * buffers whose maps were shadows.  lm_adoptable counts the buffers
 * waiting to move, and lm_adoptable_slots[name % LM_ADOPT_SLOTS] those
 * with names of that residue: a counting filter, so that maps of other
 * buffers skip the lookup (GL names are small and dense, so buffers
 * created but never mapped share few slots with those mapped).
 * lm_adoptable_gen counts the buffers ever set waiting: while it stays the
 * same, a name a context found not waiting still is not.
 */
#define LM_ADOPT_SLOTS 1024
extern _Atomic unsigned lm_adoptable;
extern _Atomic unsigned lm_adoptable_slots[LM_ADOPT_SLOTS];
extern _Atomic unsigned lm_adoptable_gen;
/* Whether @ctx moves such buffers. */
bool lm_placed_adopts(struct lm_context *ctx);
/* Group lock held: @buf waits to move, or no longer does. */
void lm_adoptable_set(struct lm_buffer *buf, bool adoptable);
void lm_placed_adopt_slow(enum lm_host slot, GLenum target, GLuint name);

/* Before a map's host call: @name is the buffer mapped, through @target
 * (0 for the named entry points), or not a buffer (<= 0). */
static inline void lm_placed_adopt(enum lm_host slot, GLenum target,
                                   int64_t name)
{
    if (__builtin_expect(atomic_load_explicit(&lm_adoptable,
                                              memory_order_relaxed) != 0,
                         0) &&
        name > 0 &&
        atomic_load_explicit(&lm_adoptable_slots[name % LM_ADOPT_SLOTS],
                             memory_order_relaxed) != 0)
        lm_placed_adopt_slow(slot, target, (GLuint)name);
}

/* The backend placed storage of a context like @info uses. */
enum lm_placed_backend lm_placed_backend_of(const struct lm_context_info *info);
/* Memory-object storage (or any placed block, @mem) the host may still
 * use: freed once a fence issued now has signalled. */
void lm_graveyard_add_memobj(struct lm_group *group, struct lm_memobj *mo);

/* ---- memory-object storage (memobj.c) -------------------------------- */

/* Buffers with memory-object storage in every share group: the map and
 * query hooks' one-branch test. */
extern _Atomic unsigned lm_memobj_live;

/* Gives the buffer immutable storage from exportable memory; true when
 * the host call was made here and succeeded. */
bool lm_memobj_storage(struct lm_context *ctx, enum lm_host slot,
                       GLenum target, GLuint name, GLsizeiptr size,
                       const void *data, GLbitfield flags);
/* Group lock held: detaches @buf's storage (NULL when it has none). */
struct lm_memobj *lm_memobj_take(struct lm_buffer *buf);
/* Frees storage nothing uses any more; @gl_alive: a context of its share
 * group is current, so its GL memory object is deleted too. */
void lm_memobj_free(struct lm_memobj *mo, bool gl_alive);
/* Each serves the call when @name has memory-object storage (true),
 * errors included; false: not such a buffer, the host serves. */
bool lm_memobj_map(struct lm_context *ctx, int64_t name, GLintptr offset,
                   GLsizeiptr length, GLbitfield access, bool whole,
                   void **out);
bool lm_memobj_unmap(struct lm_context *ctx, int64_t name, GLboolean *ret);
bool lm_memobj_flush(struct lm_context *ctx, int64_t name, GLintptr offset,
                     GLsizeiptr length);
bool lm_memobj_param(struct lm_context *ctx, int64_t name, GLenum pname,
                     GLint64 *value);
bool lm_memobj_pointer(struct lm_context *ctx, int64_t name, void **params);

/* Discards whatever errors the host raised; returns the first. */
GLenum lm_drain_host_errors(void);

/* ---- blocks small memory-object buffers share (memblock.c) ------------- */

/* Buffers up to this size share blocks. */
#define LM_MEMBLOCK_MAX ((size_t)64 << 10)

struct lm_memblock;
/* A block of @dev's memory in @ctx's share group with a page-aligned part
 * of @size bytes at *@offset set aside; NULL where blocks cannot serve
 * (too large, the host ignores offsets, no memory).  May call the GL. */
struct lm_memblock *lm_memblock_reserve(struct lm_context *ctx,
                                        struct lm_vk_device *dev,
                                        size_t size, uint64_t *offset);
/* The block's GL memory object, and the low view of its first byte. */
GLuint lm_memblock_gl(const struct lm_memblock *block);
char *lm_memblock_low(const struct lm_memblock *block);
/* Puts a part back: its pages fault from now on, and the block goes with
 * its last part (@gl_alive as for lm_memobj_free). */
void lm_memblock_put(struct lm_memblock *block, uint64_t offset, size_t size,
                     bool gl_alive);

static inline bool lm_memobj_any(void)
{
    return __builtin_expect(atomic_load_explicit(&lm_memobj_live,
                                                 memory_order_relaxed) != 0,
                            0);
}

/* ---- share groups (state.c) ------------------------------------------ */

static inline void lm_group_lock(struct lm_group *group)
{
    lm_lock(&group->lock);
}

static inline void lm_group_unlock(struct lm_group *group)
{
    lm_unlock(&group->lock);
}

/* ---- hook implementations, one per family of hooks.h ---------------
 * Each takes the host slot of the name the app called first, so that the
 * host function of the same name does the work. */

void *lm_map_buffer(enum lm_host slot, GLenum target, GLenum access);
void *lm_map_buffer_range(enum lm_host slot, GLenum target, GLintptr offset,
                          GLsizeiptr length, GLbitfield access);
void *lm_map_named_buffer(enum lm_host slot, GLuint buffer, GLenum access);
void *lm_map_named_buffer_range(enum lm_host slot, GLuint buffer,
                                GLintptr offset, GLsizeiptr length,
                                GLbitfield access);
GLboolean lm_unmap_buffer(enum lm_host slot, GLenum target);
GLboolean lm_unmap_named_buffer(enum lm_host slot, GLuint buffer);
void lm_flush_mapped_range(enum lm_host slot, GLenum target, GLintptr offset,
                           GLsizeiptr length);
void lm_flush_mapped_named_range(enum lm_host slot, GLuint buffer,
                                 GLintptr offset, GLsizeiptr length);
void lm_get_buffer_pointer(enum lm_host slot, GLenum target, GLenum pname,
                           void **params);
void lm_get_named_buffer_pointer(enum lm_host slot, GLuint buffer,
                                 GLenum pname, void **params);
void lm_buffer_data(enum lm_host slot, GLenum target, GLsizeiptr size,
                    const void *data, GLenum usage);
void lm_named_buffer_data(enum lm_host slot, GLuint buffer, GLsizeiptr size,
                          const void *data, GLenum usage);
void lm_buffer_storage(enum lm_host slot, GLenum target, GLsizeiptr size,
                       const void *data, GLbitfield flags);
void lm_named_buffer_storage(enum lm_host slot, GLuint buffer,
                             GLsizeiptr size, const void *data,
                             GLbitfield flags);
void lm_delete_buffers(enum lm_host slot, GLsizei n, const GLuint *buffers);
void *lm_map_texture(enum lm_host slot, GLuint texture, GLint level,
                     GLbitfield access, GLint *stride, GLenum *layout);
void lm_unmap_texture(enum lm_host slot, GLuint texture, GLint level);
const GLubyte *lm_get_string(enum lm_host slot, GLenum name);
const GLubyte *lm_get_stringi(enum lm_host slot, GLenum name, GLuint index);
void lm_get_integerv(enum lm_host slot, GLenum pname, GLint *data);
void lm_get_buffer_parameteriv(enum lm_host slot, GLenum target,
                               GLenum pname, GLint *params);
void lm_get_buffer_parameteri64v(enum lm_host slot, GLenum target,
                                 GLenum pname, GLint64 *params);
void lm_get_named_buffer_parameteriv(enum lm_host slot, GLuint buffer,
                                     GLenum pname, GLint *params);
void lm_get_named_buffer_parameteri64v(enum lm_host slot, GLuint buffer,
                                       GLenum pname, GLint64 *params);
GLenum lm_get_error(enum lm_host slot);
void lm_finish(enum lm_host slot);
GLenum lm_client_wait_sync(enum lm_host slot, GLsync sync, GLbitfield flags,
                           GLuint64 timeout);
void lm_get_synciv(enum lm_host slot, GLsync sync, GLenum pname,
                   GLsizei count, GLsizei *length, GLint *values);
void lm_memory_barrier(enum lm_host slot, GLbitfield barriers);
void lm_get_buffer_sub_data(enum lm_host slot, GLenum target,
                            GLintptr offset, GLsizeiptr size, void *data);
void lm_get_named_buffer_sub_data(enum lm_host slot, GLuint buffer,
                                  GLintptr offset, GLsizeiptr size,
                                  void *data);
void lm_add_client_pointer_range(enum lm_host slot, void *addr,
                                 GLsizeiptr size);
void *lm_release_client_pointer_range(enum lm_host slot, GLbitfield flags,
                                      GLsizeiptr *size);

#endif /* LOWMAP_GL_PRIVATE_H */
