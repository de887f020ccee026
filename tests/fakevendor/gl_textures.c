/*
 * The fake vendor's 2D textures and GL_INTEL_map_texture: each level is a
 * linear image in the heap (rows 4-byte aligned, GL's default unpack and
 * pack alignment), and mapping a level hands out that storage directly.
 *
 * SPDX-License-Identifier: MIT
 */
#include <GL/gl.h>
#include <GL/glext.h>

#include <stdlib.h>
#include <string.h>

#include "fake.h"

#define MAX_LEVELS 16

struct level {
    GLsizei width, height;
    GLint internal_format, stride;
    char *storage;
    size_t size;
    bool mapped;
};

struct texture {
    bool used;
    GLint layout; /* GL_TEXTURE_MEMORY_LAYOUT_INTEL */
    struct level levels[MAX_LEVELS];
};

/* Guarded by fake_gl_lock. */
static struct texture *textures; /* indexed by name; 0 unused */
static unsigned ntextures;

static int pixel_size(GLenum format, GLenum type)
{
    int channels, bytes;

    switch (format) {
    case GL_RED: case GL_ALPHA: case GL_LUMINANCE: channels = 1; break;
    case GL_RG: case GL_LUMINANCE_ALPHA: channels = 2; break;
    case GL_RGB: case GL_BGR: channels = 3; break;
    case GL_RGBA: case GL_BGRA: channels = 4; break;
    default: return 0;
    }
    switch (type) {
    case GL_UNSIGNED_BYTE: case GL_BYTE: bytes = 1; break;
    case GL_UNSIGNED_SHORT: case GL_SHORT: case GL_HALF_FLOAT: bytes = 2; break;
    case GL_UNSIGNED_INT: case GL_INT: case GL_FLOAT: bytes = 4; break;
    case GL_UNSIGNED_INT_8_8_8_8: case GL_UNSIGNED_INT_8_8_8_8_REV:
        return 4;
    default: return 0;
    }
    return channels * bytes;
}

static struct texture *texture(GLuint name)
{
    if (name == 0 || name >= ntextures || !textures[name].used) {
        fake_gl_error(GL_INVALID_OPERATION);
        return NULL;
    }
    return &textures[name];
}

static struct texture *bound_2d(GLenum target)
{
    struct fake_context *ctx = fake_current();

    if (target != GL_TEXTURE_2D) {
        fake_gl_error(GL_INVALID_ENUM);
        return NULL;
    }
    return ctx ? texture(ctx->texture_binding) : NULL;
}

static struct level *level_of(struct texture *t, GLint level)
{
    if (t == NULL)
        return NULL;
    if (level < 0 || level >= MAX_LEVELS) {
        fake_gl_error(GL_INVALID_VALUE);
        return NULL;
    }
    return &t->levels[level];
}

static bool grow(unsigned name)
{
    unsigned n = ntextures ? ntextures : 16;
    struct texture *t;

    while (n <= name)
        n *= 2;
    if (n == ntextures)
        return true;
    t = realloc(textures, n * sizeof(*t));
    if (t == NULL)
        return false;
    memset(t + ntextures, 0, (n - ntextures) * sizeof(*t));
    textures = t;
    ntextures = n;
    return true;
}

static void gen_textures(GLsizei n, GLuint *names)
{
    unsigned name = 1;

    FAKE_COUNT(glGenTextures);
    fake_gl_lock();
    for (GLsizei i = 0; i < n; i++) {
        while (name < ntextures && textures[name].used)
            name++;
        if (!grow(name)) {
            fake_gl_error(GL_OUT_OF_MEMORY);
            break;
        }
        textures[name].used = true;
        names[i] = name;
    }
    fake_gl_unlock();
}

static void bind_texture(GLenum target, GLuint name)
{
    struct fake_context *ctx = fake_current();

    FAKE_COUNT(glBindTexture);
    if (target != GL_TEXTURE_2D) {
        fake_gl_error(GL_INVALID_ENUM);
        return;
    }
    fake_gl_lock();
    if (name != 0 && grow(name))
        textures[name].used = true;
    if (ctx)
        ctx->texture_binding = name;
    fake_gl_unlock();
}

static void delete_textures(GLsizei n, const GLuint *names)
{
    struct fake_context *ctx = fake_current();

    FAKE_COUNT(glDeleteTextures);
    fake_gl_lock();
    for (GLsizei i = 0; i < n; i++) {
        if (names[i] == 0 || names[i] >= ntextures)
            continue;
        for (int l = 0; l < MAX_LEVELS; l++)
            fake_heap_free(textures[names[i]].levels[l].storage);
        memset(&textures[names[i]], 0, sizeof(textures[0]));
        if (ctx && ctx->texture_binding == names[i])
            ctx->texture_binding = 0;
    }
    fake_gl_unlock();
}

static void tex_image_2d(GLenum target, GLint level, GLint internal_format,
                         GLsizei width, GLsizei height, GLint border,
                         GLenum format, GLenum type, const void *pixels)
{
    int bpp = pixel_size(format, type);
    struct level *l;

    FAKE_COUNT(glTexImage2D);
    fake_gl_lock();
    l = level_of(bound_2d(target), level);
    if (l == NULL)
        goto out;
    if (bpp == 0) {
        fake_gl_error(GL_INVALID_ENUM);
        goto out;
    }
    if (width < 0 || height < 0 || border != 0) {
        fake_gl_error(GL_INVALID_VALUE);
        goto out;
    }
    fake_heap_free(l->storage); /* re-specification unmaps too */
    memset(l, 0, sizeof(*l));
    l->stride = (width * bpp + 3) & ~3;
    l->size = (size_t)l->stride * (size_t)height;
    l->storage = fake_heap_alloc(l->size);
    if (l->storage == NULL) {
        memset(l, 0, sizeof(*l));
        fake_gl_error(GL_OUT_OF_MEMORY);
        goto out;
    }
    l->width = width;
    l->height = height;
    l->internal_format = internal_format;
    if (pixels != NULL)
        memcpy(l->storage, pixels, l->size);
out:
    fake_gl_unlock();
}

static void tex_sub_image_2d(GLenum target, GLint level, GLint x, GLint y,
                             GLsizei width, GLsizei height, GLenum format,
                             GLenum type, const void *pixels)
{
    int bpp = pixel_size(format, type);
    int src_stride = (width * bpp + 3) & ~3;
    struct level *l;

    FAKE_COUNT(glTexSubImage2D);
    fake_gl_lock();
    l = level_of(bound_2d(target), level);
    if (l == NULL || bpp == 0)
        goto out;
    if (x < 0 || y < 0 || width < 0 || height < 0 || x + width > l->width ||
        y + height > l->height || (x + width) * bpp > l->stride) {
        fake_gl_error(GL_INVALID_VALUE);
        goto out;
    }
    for (GLsizei row = 0; row < height; row++)
        memcpy(l->storage + (size_t)(y + row) * (size_t)l->stride +
                   (size_t)(x * bpp),
               (const char *)pixels + (size_t)row * (size_t)src_stride,
               (size_t)(width * bpp));
out:
    fake_gl_unlock();
}

/* Reads back in the layout the level was specified with. */
static void get_tex_image(GLenum target, GLint level, GLenum format,
                          GLenum type, void *pixels)
{
    struct level *l;

    FAKE_COUNT(glGetTexImage);
    fake_gl_lock();
    l = level_of(bound_2d(target), level);
    if (l != NULL && l->storage != NULL)
        memcpy(pixels, l->storage, l->size);
    fake_gl_unlock();
}

static void tex_parameteri(GLenum target, GLenum pname, GLint param)
{
    struct texture *t;

    FAKE_COUNT(glTexParameteri);
    fake_gl_lock();
    t = bound_2d(target);
    if (t != NULL && pname == GL_TEXTURE_MEMORY_LAYOUT_INTEL)
        t->layout = param;
    fake_gl_unlock();
}

static void get_tex_level_parameteriv(GLenum target, GLint level,
                                      GLenum pname, GLint *out)
{
    struct level *l;

    FAKE_COUNT(glGetTexLevelParameteriv);
    fake_gl_lock();
    l = level_of(bound_2d(target), level);
    if (l != NULL) {
        switch (pname) {
        case GL_TEXTURE_WIDTH: *out = l->width; break;
        case GL_TEXTURE_HEIGHT: *out = l->height; break;
        case GL_TEXTURE_INTERNAL_FORMAT: *out = l->internal_format; break;
        default: fake_gl_error(GL_INVALID_ENUM); break;
        }
    }
    fake_gl_unlock();
}

static void *map_texture_2d(GLuint name, GLint level, GLbitfield access,
                            GLint *stride, GLenum *layout)
{
    struct level *l;
    void *p = NULL;

    FAKE_COUNT(glMapTexture2DINTEL);
    fake_gl_lock();
    l = level_of(texture(name), level);
    if (l != NULL && l->storage == NULL)
        fake_gl_error(GL_INVALID_OPERATION);
    else if (l != NULL) {
        l->mapped = true;
        p = l->storage;
        *stride = l->stride;
        *layout = GL_LAYOUT_LINEAR_INTEL;
    }
    fake_gl_unlock();
    return p;
}

static void unmap_texture_2d(GLuint name, GLint level)
{
    struct level *l;

    FAKE_COUNT(glUnmapTexture2DINTEL);
    fake_gl_lock();
    l = level_of(texture(name), level);
    if (l != NULL)
        l->mapped = false;
    fake_gl_unlock();
}

const struct fake_impl fake_texture_impls[] = {
    {FAKE_glGenTextures, (void *)gen_textures},
    {FAKE_glBindTexture, (void *)bind_texture},
    {FAKE_glDeleteTextures, (void *)delete_textures},
    {FAKE_glTexImage2D, (void *)tex_image_2d},
    {FAKE_glTexSubImage2D, (void *)tex_sub_image_2d},
    {FAKE_glGetTexImage, (void *)get_tex_image},
    {FAKE_glTexParameteri, (void *)tex_parameteri},
    {FAKE_glGetTexLevelParameteriv, (void *)get_tex_level_parameteriv},
    {FAKE_glMapTexture2DINTEL, (void *)map_texture_2d},
    {FAKE_glUnmapTexture2DINTEL, (void *)unmap_texture_2d},
    {0, NULL},
};

FAKE_EXPORT void *lowmapfake_texture_storage(unsigned name, int level,
                                             int *stride, size_t *size);
FAKE_EXPORT void *lowmapfake_texture_storage(unsigned name, int level,
                                             int *stride, size_t *size)
{
    void *p = NULL;

    fake_gl_lock();
    if (name < ntextures && textures[name].used && level >= 0 &&
        level < MAX_LEVELS) {
        struct level *l = &textures[name].levels[level];
        p = l->storage;
        *stride = l->stride;
        *size = l->size;
    }
    fake_gl_unlock();
    return p;
}
