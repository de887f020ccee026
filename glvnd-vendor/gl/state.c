/*
 * Contexts, share groups and buffer records.
 *
 * Buffer names belong to a share group, so buffer state lives there.  The
 * front doors tell us about context creation, make-current and destruction;
 * a hook finds its share group through the thread's current context without
 * taking any lock.  A group lives while it has a live context or a thread
 * still has one of its (destroyed) contexts current: hosts defer destroying
 * a current context until it is released.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_layer.h"
#include "gl_private.h"

/* Guards lm_contexts and the contexts/current counters of every context
 * and group.  Never held while calling the host or liblowmap. */
static pthread_mutex_t lm_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lm_context *lm_contexts;

_Thread_local struct lm_context *lm_current LM_STATIC_TLS;

static struct lm_group *group_new(void)
{
    struct lm_group *group = calloc(1, sizeof(*group));
    if (!group)
        return NULL;
    lm_lock_init(&group->lock);
    return group;
}

/* The last context is gone and no thread has one current: the host has
 * destroyed the buffers, so views are dropped without copying back. */
static void group_free(struct lm_group *group)
{
    struct lm_buffer *buf, *btmp;
    struct lm_texmap *tex, *ttmp;

    lm_group_lock(group);
    HASH_ITER(hh, group->buffers, buf, btmp) {
        void *placed = buf->placed;
        struct lm_memobj *mo = lm_memobj_take(buf);
        buf->placed = NULL;
        lm_buffer_forget(group, buf, false);
        if (placed)
            lowmap_mem_free(placed);
        lm_memobj_free(mo, false);
    }
    HASH_ITER(hh, group->texmaps, tex, ttmp) {
        HASH_DEL(group->texmaps, tex);
        lm_view_release(&tex->map, false);
        free(tex);
    }
    lm_graveyard_sweep(group, true);
    lm_group_unlock(group);
    lm_lock_destroy(&group->lock);
    free(group);
}

/* Registry lock held.  Returns the group to free (outside the lock). */
static struct lm_group *context_maybe_free(struct lm_context *ctx)
{
    struct lm_group *group = ctx->group;

    if (!ctx->destroyed || ctx->current)
        return NULL;
    HASH_DEL(lm_contexts, ctx);
    free(ctx);
    if (--group->contexts == 0 && group->current == 0)
        return group;
    return NULL;
}

static struct lm_context *context_new(void *dpy, void *key,
                                      struct lm_group *group)
{
    struct lm_context *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return NULL;
    if (!group)
        group = group_new();
    if (!group) {
        free(ctx);
        return NULL;
    }
    ctx->key = key;
    ctx->dpy = dpy;
    ctx->group = group;
    group->contexts++;
    HASH_ADD_PTR(lm_contexts, key, ctx);
    return ctx;
}

void lowmap_gl_context_created(void *dpy, void *key, void *share)
{
    struct lm_context *ctx, *shared = NULL;
    struct lm_group *dead = NULL;

    if (!key)
        return;
    lm_config_load();
    pthread_mutex_lock(&lm_registry_lock);
    /* A handle the host reuses after destroying the old context. */
    HASH_FIND_PTR(lm_contexts, &key, ctx);
    if (ctx) {
        ctx->destroyed = true;
        ctx->key = NULL;
        HASH_DEL(lm_contexts, ctx);
        if (ctx->current == 0) {
            struct lm_group *group = ctx->group;
            free(ctx);
            if (--group->contexts == 0 && group->current == 0)
                dead = group;
        }
        /* else: it stays reachable through its thread's lm_current. */
    }
    if (share)
        HASH_FIND_PTR(lm_contexts, &share, shared);
    if (!context_new(dpy, key, shared ? shared->group : NULL))
        lm_log(LM_LOG_ERROR, "gl: out of memory tracking context %p", key);
    pthread_mutex_unlock(&lm_registry_lock);
    if (dead)
        group_free(dead);
}

void lowmap_gl_context_current(void *key)
{
    struct lm_context *old = lm_current, *ctx = NULL;
    struct lm_group *dead = NULL;

    if (old == NULL && key == NULL)
        return;
    lm_config_load();
    if (old && key && old->key == key)
        return;
    pthread_mutex_lock(&lm_registry_lock);
    if (old) {
        old->current--;
        old->group->current--;
        if (old->destroyed && old->current == 0) {
            struct lm_group *group = old->group;
            if (old->key)
                HASH_DEL(lm_contexts, old);
            free(old);
            if (--group->contexts == 0 && group->current == 0)
                dead = group;
        }
    }
    if (key) {
        HASH_FIND_PTR(lm_contexts, &key, ctx);
        /* Created before we were told (or by a path we do not see). */
        if (!ctx)
            ctx = context_new(NULL, key, NULL);
        if (ctx) {
            ctx->current++;
            ctx->group->current++;
        }
    }
    lm_current = ctx;
    pthread_mutex_unlock(&lm_registry_lock);
    if (dead)
        group_free(dead);
}

void lowmap_gl_context_destroyed(void *key)
{
    struct lm_context *ctx;
    struct lm_group *dead = NULL;

    pthread_mutex_lock(&lm_registry_lock);
    HASH_FIND_PTR(lm_contexts, &key, ctx);
    if (ctx) {
        ctx->destroyed = true;
        dead = context_maybe_free(ctx);
    }
    pthread_mutex_unlock(&lm_registry_lock);
    if (dead)
        group_free(dead);
}

void lowmap_gl_display_gone(void *dpy)
{
    struct lm_context *ctx, *tmp;
    struct lm_group *dead[64];
    size_t ndead = 0;

    for (;;) {
        bool again = false;
        pthread_mutex_lock(&lm_registry_lock);
        HASH_ITER(hh, lm_contexts, ctx, tmp) {
            if (ctx->dpy != dpy || ctx->destroyed)
                continue;
            ctx->destroyed = true;
            struct lm_group *group = context_maybe_free(ctx);
            if (group) {
                dead[ndead++] = group;
                if (ndead == sizeof(dead) / sizeof(dead[0])) {
                    again = true;
                    break;
                }
            }
        }
        pthread_mutex_unlock(&lm_registry_lock);
        for (size_t i = 0; i < ndead; i++)
            group_free(dead[i]);
        ndead = 0;
        if (!again)
            break;
    }
}

void lm_set_error(struct lm_context *ctx, GLenum error)
{
    /* GL keeps the first error until glGetError reads it. */
    if (ctx && ctx->error == GL_NO_ERROR)
        ctx->error = error;
}

static bool has_extension(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; p && (p = strstr(p, name)) != NULL; p += len) {
        if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return true;
    }
    return false;
}

const struct lm_context_info *lm_context_info(struct lm_context *ctx)
{
    struct lm_context_info *info = &ctx->info;
    lm_get_string_fn get_string = LM_HOST_CALL(lm_get_string_fn, glGetString);
    bool map_range = false, arb_sync = false, memobj = false, memobj_fd = false;

    if (info->known || !get_string)
        return info;
    const char *version = (const char *)get_string(GL_VERSION);
    if (version) {
        const char *p = version;
        if (strncmp(p, "OpenGL ES", 9) == 0) {
            info->gles = true;
            p += 9;
            while (*p && (*p < '0' || *p > '9'))
                p++;
        }
        sscanf(p, "%d.%d", &info->major, &info->minor);
    }

    /* Extension lists: by index on 3.0+, else the one string. */
    lm_get_stringi_fn get_stringi =
        LM_HOST_CALL(lm_get_stringi_fn, glGetStringi);
    lm_get_integerv_fn get_integerv =
        LM_HOST_CALL(lm_get_integerv_fn, glGetIntegerv);
    if (info->major >= 3 && get_stringi && get_integerv) {
        GLint n = 0;
        get_integerv(GL_NUM_EXTENSIONS, &n);
        for (GLint i = 0; i < n; i++) {
            const char *e = (const char *)get_stringi(GL_EXTENSIONS, i);
            if (!e)
                continue;
            map_range |= strcmp(e, "GL_ARB_map_buffer_range") == 0;
            arb_sync |= strcmp(e, "GL_ARB_sync") == 0;
            info->pinned_memory |= strcmp(e, "GL_AMD_pinned_memory") == 0;
            memobj |= strcmp(e, "GL_EXT_memory_object") == 0;
            memobj_fd |= strcmp(e, "GL_EXT_memory_object_fd") == 0;
            info->map_texture |= strcmp(e, "GL_INTEL_map_texture") == 0;
        }
    } else {
        const char *e = (const char *)get_string(GL_EXTENSIONS);
        map_range = has_extension(e, "GL_ARB_map_buffer_range");
        arb_sync = has_extension(e, "GL_ARB_sync");
        info->pinned_memory = has_extension(e, "GL_AMD_pinned_memory");
        memobj = has_extension(e, "GL_EXT_memory_object");
        memobj_fd = has_extension(e, "GL_EXT_memory_object_fd");
        info->map_texture = has_extension(e, "GL_INTEL_map_texture");
    }
    /* The extension is written against desktop GL and needs 3.0 or
     * ARB_map_buffer_range; GLES contexts do not get it. */
    info->client_pointer = !info->gles && (info->major >= 3 || map_range);
    info->has_sync = arb_sync || (info->gles && info->major >= 3) ||
                     (!info->gles && (info->major > 3 ||
                                      (info->major == 3 && info->minor >= 2)));
    info->has_sync = info->has_sync && lm_host(LM_HOST_glFenceSync) &&
                     lm_host(LM_HOST_glClientWaitSync) &&
                     lm_host(LM_HOST_glDeleteSync);
    /* Software rasterizers keep buffers in system memory anyway, so
     * placing them costs the GL nothing (LOWMAP_PLACED=auto). */
    const char *renderer = (const char *)get_string(GL_RENDERER);
    info->software = renderer && (strstr(renderer, "llvmpipe") ||
                                  strstr(renderer, "softpipe") ||
                                  strstr(renderer, "SWR"));
    /* Pinned memory needs target-based storage calls to place with. */
    info->pinned_memory = info->pinned_memory && !info->gles &&
                          lm_host(LM_HOST_glBindBuffer);
    info->memory_object = memobj && memobj_fd &&
                          lm_host(LM_HOST_glCreateMemoryObjectsEXT) &&
                          lm_host(LM_HOST_glDeleteMemoryObjectsEXT) &&
                          lm_host(LM_HOST_glImportMemoryFdEXT) &&
                          lm_host(LM_HOST_glBufferStorageMemEXT) &&
                          lm_host(LM_HOST_glGetUnsignedBytevEXT) &&
                          lm_host(LM_HOST_glGetUnsignedBytei_vEXT);
    info->known = true;
    lm_log(LM_LOG_INFO,
           "gl: context %p: %s %d.%d client_pointer=%d pinned=%d "
           "memory_object=%d map_texture=%d sync=%d placed storage for %s",
           ctx->key, info->gles ? "GLES" : "GL", info->major, info->minor,
           info->client_pointer, info->pinned_memory, info->memory_object,
           info->map_texture, info->has_sync, lm_placed_rule(info));
    return info;
}

struct lm_buffer *lm_buffer_find_hashed(struct lm_group *group, GLuint name)
{
    struct lm_buffer *buf;

    HASH_FIND(hh, group->buffers, &name, sizeof(name), buf);
    if (buf)
        group->last = buf;
    return buf;
}

struct lm_buffer *lm_buffer_get_hashed(struct lm_group *group, GLuint name)
{
    struct lm_buffer *buf = lm_buffer_find_hashed(group, name);
    if (buf)
        return buf;
    buf = calloc(1, sizeof(*buf));
    if (!buf)
        return NULL;
    buf->name = name;
    buf->group = group;
    HASH_ADD(hh, group->buffers, name, sizeof(buf->name), buf);
    return buf;
}

void lm_buffer_forget(struct lm_group *group, struct lm_buffer *buf,
                      bool host_alive)
{
    atomic_fetch_add_explicit(&group->placed_epoch, 1, memory_order_relaxed);
    lm_buffer_end_map(buf, host_alive);
    lm_buffer_drop_kept(buf);
    lm_adoptable_set(buf, false);
    lm_flushes_free(buf);
    if (group->last == buf)
        group->last = NULL;
    HASH_DEL(group->buffers, buf);
    free(buf);
}

/* Buffer targets and the query that names the buffer bound to each. */
static const struct {
    GLenum target, binding;
} lm_targets[] = {
    { GL_ARRAY_BUFFER, GL_ARRAY_BUFFER_BINDING },
    { GL_ELEMENT_ARRAY_BUFFER, GL_ELEMENT_ARRAY_BUFFER_BINDING },
    { GL_PIXEL_PACK_BUFFER, GL_PIXEL_PACK_BUFFER_BINDING },
    { GL_PIXEL_UNPACK_BUFFER, GL_PIXEL_UNPACK_BUFFER_BINDING },
    { GL_COPY_READ_BUFFER, GL_COPY_READ_BUFFER_BINDING },
    { GL_COPY_WRITE_BUFFER, GL_COPY_WRITE_BUFFER_BINDING },
    { GL_UNIFORM_BUFFER, GL_UNIFORM_BUFFER_BINDING },
    { GL_TEXTURE_BUFFER, GL_TEXTURE_BUFFER_BINDING },
    { GL_TRANSFORM_FEEDBACK_BUFFER, GL_TRANSFORM_FEEDBACK_BUFFER_BINDING },
    { GL_DRAW_INDIRECT_BUFFER, GL_DRAW_INDIRECT_BUFFER_BINDING },
    { GL_DISPATCH_INDIRECT_BUFFER, GL_DISPATCH_INDIRECT_BUFFER_BINDING },
    { GL_SHADER_STORAGE_BUFFER, GL_SHADER_STORAGE_BUFFER_BINDING },
    { GL_ATOMIC_COUNTER_BUFFER, GL_ATOMIC_COUNTER_BUFFER_BINDING },
    { GL_QUERY_BUFFER, GL_QUERY_BUFFER_BINDING },
    { GL_PARAMETER_BUFFER, GL_PARAMETER_BUFFER_BINDING },
};

/*
 * Whether only binding calls change @target's binding: not the element
 * array buffer's, which is vertex array state (glBindVertexArray changes
 * it), nor transform feedback's (glBindTransformFeedback may).
 */
static bool binding_cached(GLenum target)
{
    return target != GL_ELEMENT_ARRAY_BUFFER &&
           target != GL_TRANSFORM_FEEDBACK_BUFFER;
}

/* lm_bound_buffer() where the context does not know the answer. */
int64_t lm_bound_buffer_query(GLenum target)
{
    struct lm_context *ctx = lm_current;
    lm_get_integerv_fn get_integerv =
        LM_HOST_CALL(lm_get_integerv_fn, glGetIntegerv);
    for (size_t i = 0; i < sizeof(lm_targets) / sizeof(lm_targets[0]); i++) {
        if (lm_targets[i].target != target)
            continue;
        GLint name = 0;
        if (!get_integerv)
            return 0;
        get_integerv(lm_targets[i].binding, &name);
        if (ctx && binding_cached(target)) {
            ctx->bound.target = target;
            ctx->bound.name = (GLuint)name;
            ctx->bound.known = true;
        }
        return (GLuint)name;
    }
    return -1;
}

void lm_drop_all_kept(void)
{
    struct lm_context *ctx, *tmp;

    /* Lock order: registry, then group. */
    pthread_mutex_lock(&lm_registry_lock);
    HASH_ITER(hh, lm_contexts, ctx, tmp) {
        struct lm_buffer *buf, *btmp;
        lm_group_lock(ctx->group);
        HASH_ITER(hh, ctx->group->buffers, buf, btmp) {
            if (!buf->mapped)
                lm_buffer_drop_kept(buf);
        }
        lm_group_unlock(ctx->group);
    }
    pthread_mutex_unlock(&lm_registry_lock);
}
