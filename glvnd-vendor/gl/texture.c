/*
 * GL_INTEL_map_texture: glMapTexture2DINTEL hands out a pointer to a
 * texture level's storage; it gets a low view the same way buffer maps do.
 * The view covers stride × height rows (rounded up to whole tile rows for
 * tiled layouts, where the host lays out complete tiles).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "gl_private.h"

#ifndef GL_LAYOUT_LINEAR_INTEL
#define GL_LAYOUT_LINEAR_INTEL 1
#define GL_LAYOUT_LINEAR_CPU_CACHED_INTEL 2
#endif

typedef void *(APIENTRY *map_texture_fn)(GLuint, GLint, GLbitfield, GLint *,
                                         GLenum *);
typedef void(APIENTRY *unmap_texture_fn)(GLuint, GLint);
typedef void(APIENTRY *tex_level_fn)(GLuint, GLint, GLenum, GLint *);
typedef void(APIENTRY *bind_texture_fn)(GLenum, GLuint);
typedef void(APIENTRY *get_tex_level_fn)(GLenum, GLint, GLenum, GLint *);

static uint64_t key_of(GLuint texture, GLint level)
{
    return (uint64_t)texture << 32 | (uint32_t)level;
}

/* Height of a level: by name where the host has DSA, else through the 2D
 * binding, restored afterwards. */
static GLint level_height(GLuint texture, GLint level)
{
    GLint height = 0;
    tex_level_fn by_name = (tex_level_fn)lm_host(LM_HOST_glGetTextureLevelParameteriv);
    if (by_name) {
        by_name(texture, level, GL_TEXTURE_HEIGHT, &height);
        if (height > 0)
            return height;
    }
    bind_texture_fn bind = (bind_texture_fn)lm_host(LM_HOST_glBindTexture);
    get_tex_level_fn get = (get_tex_level_fn)lm_host(LM_HOST_glGetTexLevelParameteriv);
    if (!bind || !get)
        return 0;
    GLint old = 0;
    LM_HOST_CALL(lm_get_integerv_fn, glGetIntegerv)(GL_TEXTURE_BINDING_2D, &old);
    bind(GL_TEXTURE_2D, texture);
    get(GL_TEXTURE_2D, level, GL_TEXTURE_HEIGHT, &height);
    bind(GL_TEXTURE_2D, (GLuint)old);
    return height;
}

void *lm_map_texture(enum lm_host slot, GLuint texture, GLint level,
                     GLbitfield access, GLint *stride, GLenum *layout)
{
    struct lm_context *ctx = lm_current;
    char *host = ((map_texture_fn)lm_host(slot))(texture, level, access,
                                                 stride, layout);
    if (!host || !ctx || !stride || *stride <= 0)
        return host;

    GLint height = level_height(texture, level);
    if (height <= 0)
        return host;
    /* Tiled layouts store whole tiles (at most 32 rows tall). */
    if (layout && *layout != GL_LAYOUT_LINEAR_INTEL &&
        *layout != GL_LAYOUT_LINEAR_CPU_CACHED_INTEL)
        height = (height + 31) & ~31;
    size_t size = (size_t)*stride * (size_t)height;

    lowmap_alias *alias = NULL;
    unsigned acc = lm_access_from_bits(access & (GL_MAP_READ_BIT |
                                                 GL_MAP_WRITE_BIT));
    int err = lowmap_alias_create(host, size, acc, &alias);
    if (err) {
        if (lm_config.strict) {
            ((unmap_texture_fn)lm_host(LM_HOST_glUnmapTexture2DINTEL))(
                texture, level);
            lm_set_error(ctx, GL_OUT_OF_MEMORY);
            lm_log(LM_LOG_ERROR, "gl: LOWMAP_STRICT: no low view of texture "
                                 "%u level %d (%s): GL_OUT_OF_MEMORY",
                   texture, level, lowmap_strerror(err));
            return NULL;
        }
        lm_log(LM_LOG_WARN, "gl: no low view of texture %u level %d (%s)",
               texture, level, lowmap_strerror(err));
        if ((uintptr_t)host + size > lowmap_limit())
            lowmap_report_high_pointer(host, size);
        return host;
    }

    struct lm_texmap *map;
    lm_group_lock(ctx->group);
    uint64_t key = key_of(texture, level);
    HASH_FIND(hh, ctx->group->texmaps, &key, sizeof(key), map);
    if (map) {
        /* Mapped again without an unmap we saw: the old mapping ended
         * some other way (the texture was deleted or respecified), so its
         * host storage may be gone: drop the view without copying back. */
        lm_view_release(&map->map, false);
    } else if ((map = calloc(1, sizeof(*map))) != NULL) {
        map->key = key;
        HASH_ADD(hh, ctx->group->texmaps, key, sizeof(map->key), map);
    }
    if (map)
        map->map = (struct lm_view){
            .alias = alias, .host = host, .low = lowmap_alias_ptr(alias),
            .size = size, .access = acc,
            .strategy = lowmap_alias_strategy(alias),
        };
    lm_group_unlock(ctx->group);
    if (!map) {
        lowmap_alias_release(alias);
        lowmap_report_high_pointer(host, size);
        return host;
    }
    return map->map.low;
}

void lm_unmap_texture(enum lm_host slot, GLuint texture, GLint level)
{
    struct lm_context *ctx = lm_current;
    if (ctx) {
        struct lm_texmap *map;
        uint64_t key = key_of(texture, level);
        lm_group_lock(ctx->group);
        HASH_FIND(hh, ctx->group->texmaps, &key, sizeof(key), map);
        if (map) {
            HASH_DEL(ctx->group->texmaps, map);
            lm_view_release(&map->map, true);
            free(map);
        }
        lm_group_unlock(ctx->group);
    }
    ((unmap_texture_fn)lm_host(slot))(texture, level);
}
