/*
 * The fake vendor's buffer objects.  Storage comes from the heap and stays
 * put while the buffer lives, so every map of a buffer returns the same
 * pointer into it, as drivers that keep objects mapped do.
 *
 * SPDX-License-Identifier: MIT
 */
#include <GL/gl.h>
#include <GL/glext.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "gl_objects.h"

enum { NAME_FREE, NAME_RESERVED, NAME_OBJECT };

struct buffer {
    int state;
    bool immutable, mapped;
    char *storage;
    GLsizeiptr size;
    GLenum usage;
    GLbitfield storage_flags, map_access;
    GLintptr map_offset;
    GLsizeiptr map_length;
    GLuint memobj; /* storage in that memory object, not the heap */
    char *staging; /* LOWMAPFAKE_STAGING: what the live map returned */
};

/* Guarded by fake_gl_lock. */
static struct buffer *buffers; /* indexed by name; 0 unused */
static unsigned nbuffers;

static const GLenum targets[FAKE_BUFFER_TARGETS] = {
    GL_ARRAY_BUFFER,       GL_ELEMENT_ARRAY_BUFFER, GL_COPY_READ_BUFFER,
    GL_COPY_WRITE_BUFFER,  GL_PIXEL_PACK_BUFFER,    GL_PIXEL_UNPACK_BUFFER,
    GL_UNIFORM_BUFFER,     GL_SHADER_STORAGE_BUFFER,
};
static const GLenum binding_queries[FAKE_BUFFER_TARGETS] = {
    GL_ARRAY_BUFFER_BINDING,       GL_ELEMENT_ARRAY_BUFFER_BINDING,
    GL_COPY_READ_BUFFER_BINDING,   GL_COPY_WRITE_BUFFER_BINDING,
    GL_PIXEL_PACK_BUFFER_BINDING,  GL_PIXEL_UNPACK_BUFFER_BINDING,
    GL_UNIFORM_BUFFER_BINDING,     GL_SHADER_STORAGE_BUFFER_BINDING,
};

#define MAP_BITS                                                             \
    (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_RANGE_BIT |      \
     GL_MAP_INVALIDATE_BUFFER_BIT | GL_MAP_FLUSH_EXPLICIT_BIT |              \
     GL_MAP_UNSYNCHRONIZED_BIT | GL_MAP_PERSISTENT_BIT |                     \
     GL_MAP_COHERENT_BIT)

static int target_index(GLenum target)
{
    for (int i = 0; i < FAKE_BUFFER_TARGETS; i++) {
        if (targets[i] == target)
            return i;
    }
    return -1;
}

bool fake_buffer_binding_query(GLenum pname, GLint *value)
{
    struct fake_context *ctx = fake_current();

    for (int i = 0; i < FAKE_BUFFER_TARGETS; i++) {
        if (binding_queries[i] == pname) {
            *value = ctx ? (GLint)ctx->buffer_binding[i] : 0;
            return true;
        }
    }
    return false;
}

static bool grow(unsigned name)
{
    struct buffer *b;
    unsigned n = nbuffers ? nbuffers : 16;

    while (n <= name)
        n *= 2;
    if (n == nbuffers)
        return true;
    b = realloc(buffers, n * sizeof(*b));
    if (b == NULL)
        return false;
    memset(b + nbuffers, 0, (n - nbuffers) * sizeof(*b));
    buffers = b;
    nbuffers = n;
    return true;
}

static struct buffer *named(GLuint name)
{
    if (name == 0 || name >= nbuffers || buffers[name].state != NAME_OBJECT) {
        fake_gl_error(GL_INVALID_OPERATION);
        return NULL;
    }
    return &buffers[name];
}

static struct buffer *bound(GLenum target)
{
    struct fake_context *ctx = fake_current();
    int i = target_index(target);

    if (i < 0) {
        fake_gl_error(GL_INVALID_ENUM);
        return NULL;
    }
    return ctx ? named(ctx->buffer_binding[i]) : NULL;
}

static void gen(GLsizei n, GLuint *names, int state)
{
    unsigned name = 1;

    if (n < 0) {
        fake_gl_error(GL_INVALID_VALUE);
        return;
    }
    fake_gl_lock();
    for (GLsizei i = 0; i < n; i++) {
        while (name < nbuffers && buffers[name].state != NAME_FREE)
            name++;
        if (!grow(name)) {
            fake_gl_error(GL_OUT_OF_MEMORY);
            break;
        }
        buffers[name].state = state;
        names[i] = name;
    }
    fake_gl_unlock();
}

static void gen_buffers(GLsizei n, GLuint *names)
{
    FAKE_COUNT(glGenBuffers);
    gen(n, names, NAME_RESERVED);
}

static void create_buffers(GLsizei n, GLuint *names)
{
    FAKE_COUNT(glCreateBuffers);
    gen(n, names, NAME_OBJECT);
}

static void bind_buffer(GLenum target, GLuint name)
{
    struct fake_context *ctx = fake_current();
    int i = target_index(target);

    FAKE_COUNT(glBindBuffer);
    if (i < 0) {
        fake_gl_error(GL_INVALID_ENUM);
        return;
    }
    fake_gl_lock();
    /* Compatibility profile: binding an unused name creates it. */
    if (name != 0 && grow(name))
        buffers[name].state = NAME_OBJECT;
    if (ctx)
        ctx->buffer_binding[i] = name;
    fake_gl_unlock();
}

static GLboolean is_buffer(GLuint name)
{
    GLboolean yes;

    FAKE_COUNT(glIsBuffer);
    fake_gl_lock();
    yes = name != 0 && name < nbuffers && buffers[name].state == NAME_OBJECT;
    fake_gl_unlock();
    return yes;
}

/* Ends a map: a staging copy goes, and with it every byte that no flush
 * published. */
static void end_map(struct buffer *b)
{
    fake_heap_free(b->staging);
    b->staging = NULL;
    b->mapped = false;
}

static void release_storage(struct buffer *b)
{
    end_map(b);
    if (b->memobj)
        fake_memobj_release(b->memobj);
    else
        fake_heap_free(b->storage);
    b->memobj = 0;
    b->storage = NULL;
}

static void delete_buffers(GLsizei n, const GLuint *names)
{
    struct fake_context *ctx = fake_current();

    FAKE_COUNT(glDeleteBuffers);
    fake_gl_lock();
    for (GLsizei i = 0; i < n; i++) {
        GLuint name = names[i];
        if (name == 0 || name >= nbuffers)
            continue;
        release_storage(&buffers[name]);
        memset(&buffers[name], 0, sizeof(buffers[name]));
        for (int t = 0; ctx && t < FAKE_BUFFER_TARGETS; t++) {
            if (ctx->buffer_binding[t] == name)
                ctx->buffer_binding[t] = 0;
        }
    }
    fake_gl_unlock();
}

static void data(struct buffer *b, GLsizeiptr size, const void *src,
                 GLenum usage, bool immutable, GLbitfield flags)
{
    if (b == NULL)
        return;
    if (b->immutable) {
        fake_gl_error(GL_INVALID_OPERATION);
        return;
    }
    if (size < 0 || (immutable && size == 0)) {
        fake_gl_error(GL_INVALID_VALUE);
        return;
    }
    release_storage(b); /* an implicit unmap, as GL says */
    b->storage = fake_heap_alloc((size_t)size);
    if (b->storage == NULL) {
        b->size = 0;
        fake_gl_error(GL_OUT_OF_MEMORY);
        return;
    }
    if (src != NULL)
        memcpy(b->storage, src, (size_t)size);
    b->size = size;
    b->usage = usage;
    b->immutable = immutable;
    b->storage_flags = flags;
}

static void buffer_data(GLenum target, GLsizeiptr size, const void *src,
                        GLenum usage)
{
    FAKE_COUNT(glBufferData);
    fake_gl_lock();
    data(bound(target), size, src, usage, false, 0);
    fake_gl_unlock();
}

static void named_buffer_data(GLuint name, GLsizeiptr size, const void *src,
                              GLenum usage)
{
    FAKE_COUNT(glNamedBufferData);
    fake_gl_lock();
    data(named(name), size, src, usage, false, 0);
    fake_gl_unlock();
}

static void buffer_storage(GLenum target, GLsizeiptr size, const void *src,
                           GLbitfield flags)
{
    FAKE_COUNT(glBufferStorage);
    fake_gl_lock();
    data(bound(target), size, src, GL_DYNAMIC_DRAW, true, flags);
    fake_gl_unlock();
}

static void named_buffer_storage(GLuint name, GLsizeiptr size,
                                 const void *src, GLbitfield flags)
{
    FAKE_COUNT(glNamedBufferStorage);
    fake_gl_lock();
    data(named(name), size, src, GL_DYNAMIC_DRAW, true, flags);
    fake_gl_unlock();
}

/* Storage in a memory object: immutable, and not mappable (no map bits
 * in its flags), as Mesa has it. */
static void storage_mem(struct buffer *b, GLsizeiptr size, GLuint memobj,
                        GLuint64 offset)
{
    char *bytes;

    if (b == NULL)
        return;
    if (b->immutable) {
        fake_gl_error(GL_INVALID_OPERATION);
        return;
    }
    if (!(bytes = fake_memobj_storage(memobj, size, offset)))
        return;
    release_storage(b);
    b->storage = bytes;
    b->memobj = memobj;
    b->size = size;
    b->usage = GL_DYNAMIC_DRAW;
    b->immutable = true;
    b->storage_flags = 0;
}

static void buffer_storage_mem(GLenum target, GLsizeiptr size, GLuint memobj,
                               GLuint64 offset)
{
    FAKE_COUNT(glBufferStorageMem);
    fake_gl_lock();
    storage_mem(bound(target), size, memobj, offset);
    fake_gl_unlock();
}

static void named_buffer_storage_mem(GLuint name, GLsizeiptr size,
                                     GLuint memobj, GLuint64 offset)
{
    FAKE_COUNT(glNamedBufferStorageMem);
    fake_gl_lock();
    storage_mem(named(name), size, memobj, offset);
    fake_gl_unlock();
}

static bool range_ok(struct buffer *b, GLintptr off, GLsizeiptr len)
{
    if (b == NULL)
        return false;
    if (off < 0 || len < 0 || off + len > b->size) {
        fake_gl_error(GL_INVALID_VALUE);
        return false;
    }
    if (b->mapped && !(b->map_access & GL_MAP_PERSISTENT_BIT)) {
        fake_gl_error(GL_INVALID_OPERATION);
        return false;
    }
    return true;
}

static void sub_data(struct buffer *b, GLintptr off, GLsizeiptr len,
                     const void *src)
{
    if (range_ok(b, off, len) && len > 0)
        memcpy(b->storage + off, src, (size_t)len);
}

static void get_sub_data(struct buffer *b, GLintptr off, GLsizeiptr len,
                         void *dst)
{
    if (range_ok(b, off, len) && len > 0)
        memcpy(dst, b->storage + off, (size_t)len);
}

static void buffer_sub_data(GLenum target, GLintptr off, GLsizeiptr len,
                            const void *src)
{
    FAKE_COUNT(glBufferSubData);
    fake_gl_lock();
    sub_data(bound(target), off, len, src);
    fake_gl_unlock();
}

static void named_buffer_sub_data(GLuint name, GLintptr off, GLsizeiptr len,
                                  const void *src)
{
    FAKE_COUNT(glNamedBufferSubData);
    fake_gl_lock();
    sub_data(named(name), off, len, src);
    fake_gl_unlock();
}

static void get_buffer_sub_data(GLenum target, GLintptr off, GLsizeiptr len,
                                void *dst)
{
    FAKE_COUNT(glGetBufferSubData);
    fake_gl_lock();
    get_sub_data(bound(target), off, len, dst);
    fake_gl_unlock();
}

static void get_named_buffer_sub_data(GLuint name, GLintptr off,
                                      GLsizeiptr len, void *dst)
{
    FAKE_COUNT(glGetNamedBufferSubData);
    fake_gl_lock();
    get_sub_data(named(name), off, len, dst);
    fake_gl_unlock();
}

static void copy_buffer_sub_data(GLenum rtarget, GLenum wtarget,
                                 GLintptr roff, GLintptr woff,
                                 GLsizeiptr len)
{
    struct buffer *r, *w;

    FAKE_COUNT(glCopyBufferSubData);
    fake_gl_lock();
    r = bound(rtarget);
    w = bound(wtarget);
    if (range_ok(r, roff, len) && range_ok(w, woff, len) && len > 0)
        memmove(w->storage + woff, r->storage + roff, (size_t)len);
    fake_gl_unlock();
}

/* The checks glMapBufferRange's spec lists, in its order. */
static bool map_ok(struct buffer *b, GLintptr off, GLsizeiptr len,
                   GLbitfield access)
{
    GLbitfield rw = access & (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT);
    GLenum error = GL_INVALID_VALUE;

    if (off < 0 || len <= 0 || off + len > b->size || (access & ~MAP_BITS))
        goto fail;
    error = GL_INVALID_OPERATION;
    if (b->mapped || rw == 0)
        goto fail;
    if ((access & GL_MAP_READ_BIT) &&
        (access & (GL_MAP_INVALIDATE_RANGE_BIT |
                   GL_MAP_INVALIDATE_BUFFER_BIT | GL_MAP_UNSYNCHRONIZED_BIT)))
        goto fail;
    if ((access & GL_MAP_FLUSH_EXPLICIT_BIT) && !(access & GL_MAP_WRITE_BIT))
        goto fail;
    if (b->immutable && (access & ~b->storage_flags &
                         (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                          GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT)))
        goto fail;
    return true;
fail:
    fake_gl_error(error);
    return false;
}

/* LOWMAPFAKE_STAGING=1: explicit-flush maps that are not persistent get
 * a staging copy, as drivers give maps of memory the CPU cannot reach:
 * it starts as the buffer for read maps and as garbage for write-only
 * ones, each flush publishes its range at once, and the unmap discards
 * the rest. */
static char *staging_for(struct buffer *b, GLintptr off, GLsizeiptr len,
                         GLbitfield access)
{
    const char *env = getenv("LOWMAPFAKE_STAGING");
    char *p;

    if (!env || strcmp(env, "1") != 0 ||
        (access & GL_MAP_PERSISTENT_BIT) ||
        !(access & GL_MAP_FLUSH_EXPLICIT_BIT) ||
        !(p = fake_heap_alloc((size_t)len)))
        return NULL;
    if (access & GL_MAP_READ_BIT)
        memcpy(p, b->storage + off, (size_t)len);
    else
        memset(p, 0xcd, (size_t)len);
    return p;
}

static void *map(struct buffer *b, GLintptr off, GLsizeiptr len,
                 GLbitfield access)
{
    if (b == NULL || !map_ok(b, off, len, access))
        return NULL;
    b->mapped = true;
    b->map_offset = off;
    b->map_length = len;
    b->map_access = access;
    b->staging = staging_for(b, off, len, access);
    return b->staging ? b->staging : b->storage + off;
}

static GLbitfield access_bits(GLenum access)
{
    switch (access) {
    case GL_READ_ONLY: return GL_MAP_READ_BIT;
    case GL_WRITE_ONLY: return GL_MAP_WRITE_BIT;
    case GL_READ_WRITE: return GL_MAP_READ_BIT | GL_MAP_WRITE_BIT;
    default: return 0;
    }
}

static void *map_whole(struct buffer *b, GLenum access)
{
    if (b == NULL)
        return NULL;
    if (access_bits(access) == 0) {
        fake_gl_error(GL_INVALID_ENUM);
        return NULL;
    }
    return map(b, 0, b->size, access_bits(access));
}

static void *map_buffer(GLenum target, GLenum access)
{
    void *p;

    FAKE_COUNT(glMapBuffer);
    fake_gl_lock();
    p = map_whole(bound(target), access);
    fake_gl_unlock();
    return p;
}

static void *map_named_buffer(GLuint name, GLenum access)
{
    void *p;

    FAKE_COUNT(glMapNamedBuffer);
    fake_gl_lock();
    p = map_whole(named(name), access);
    fake_gl_unlock();
    return p;
}

static void *map_buffer_range(GLenum target, GLintptr off, GLsizeiptr len,
                              GLbitfield access)
{
    void *p;

    FAKE_COUNT(glMapBufferRange);
    fake_gl_lock();
    p = map(bound(target), off, len, access);
    fake_gl_unlock();
    return p;
}

static void *map_named_buffer_range(GLuint name, GLintptr off,
                                    GLsizeiptr len, GLbitfield access)
{
    void *p;

    FAKE_COUNT(glMapNamedBufferRange);
    fake_gl_lock();
    p = map(named(name), off, len, access);
    fake_gl_unlock();
    return p;
}

static GLboolean unmap(struct buffer *b)
{
    if (b == NULL)
        return GL_FALSE;
    if (!b->mapped) {
        fake_gl_error(GL_INVALID_OPERATION);
        return GL_FALSE;
    }
    end_map(b);
    return GL_TRUE;
}

static GLboolean unmap_buffer(GLenum target)
{
    GLboolean ok;

    FAKE_COUNT(glUnmapBuffer);
    fake_gl_lock();
    ok = unmap(bound(target));
    fake_gl_unlock();
    return ok;
}

static GLboolean unmap_named_buffer(GLuint name)
{
    GLboolean ok;

    FAKE_COUNT(glUnmapNamedBuffer);
    fake_gl_lock();
    ok = unmap(named(name));
    fake_gl_unlock();
    return ok;
}

static void flush(struct buffer *b, GLintptr off, GLsizeiptr len)
{
    if (b == NULL)
        return;
    if (!b->mapped || !(b->map_access & GL_MAP_FLUSH_EXPLICIT_BIT))
        fake_gl_error(GL_INVALID_OPERATION);
    else if (off < 0 || len < 0 || off + len > b->map_length)
        fake_gl_error(GL_INVALID_VALUE);
    else if (b->staging)
        memcpy(b->storage + b->map_offset + off, b->staging + off,
               (size_t)len);
}

static void flush_mapped_buffer_range(GLenum target, GLintptr off,
                                      GLsizeiptr len)
{
    FAKE_COUNT(glFlushMappedBufferRange);
    fake_gl_lock();
    flush(bound(target), off, len);
    fake_gl_unlock();
}

static void flush_mapped_named_buffer_range(GLuint name, GLintptr off,
                                            GLsizeiptr len)
{
    FAKE_COUNT(glFlushMappedNamedBufferRange);
    fake_gl_lock();
    flush(named(name), off, len);
    fake_gl_unlock();
}

static void pointer(struct buffer *b, GLenum pname, void **out)
{
    if (b == NULL)
        return;
    if (pname != GL_BUFFER_MAP_POINTER) {
        fake_gl_error(GL_INVALID_ENUM);
        return;
    }
    *out = !b->mapped  ? NULL
           : b->staging ? b->staging
                        : b->storage + b->map_offset;
}

static void get_buffer_pointerv(GLenum target, GLenum pname, void **out)
{
    FAKE_COUNT(glGetBufferPointerv);
    fake_gl_lock();
    pointer(bound(target), pname, out);
    fake_gl_unlock();
}

static void get_named_buffer_pointerv(GLuint name, GLenum pname, void **out)
{
    FAKE_COUNT(glGetNamedBufferPointerv);
    fake_gl_lock();
    pointer(named(name), pname, out);
    fake_gl_unlock();
}

static bool parameter(struct buffer *b, GLenum pname, GLint64 *out)
{
    if (b == NULL)
        return false;
    switch (pname) {
    case GL_BUFFER_SIZE: *out = b->size; break;
    case GL_BUFFER_USAGE: *out = b->usage; break;
    case GL_BUFFER_MAPPED: *out = b->mapped; break;
    case GL_BUFFER_ACCESS_FLAGS: *out = b->mapped ? b->map_access : 0; break;
    case GL_BUFFER_MAP_OFFSET: *out = b->mapped ? b->map_offset : 0; break;
    case GL_BUFFER_MAP_LENGTH: *out = b->mapped ? b->map_length : 0; break;
    case GL_BUFFER_IMMUTABLE_STORAGE: *out = b->immutable; break;
    case GL_BUFFER_STORAGE_FLAGS: *out = b->storage_flags; break;
    case GL_BUFFER_ACCESS:
        switch (b->mapped ? b->map_access & 3 : 3) {
        case GL_MAP_READ_BIT: *out = GL_READ_ONLY; break;
        case GL_MAP_WRITE_BIT: *out = GL_WRITE_ONLY; break;
        default: *out = GL_READ_WRITE; break;
        }
        break;
    default: fake_gl_error(GL_INVALID_ENUM); return false;
    }
    return true;
}

static void get_buffer_parameteriv(GLenum target, GLenum pname, GLint *out)
{
    GLint64 v;

    FAKE_COUNT(glGetBufferParameteriv);
    fake_gl_lock();
    if (parameter(bound(target), pname, &v))
        *out = (GLint)v;
    fake_gl_unlock();
}

static void get_named_buffer_parameteriv(GLuint name, GLenum pname,
                                         GLint *out)
{
    GLint64 v;

    FAKE_COUNT(glGetNamedBufferParameteriv);
    fake_gl_lock();
    if (parameter(named(name), pname, &v))
        *out = (GLint)v;
    fake_gl_unlock();
}

static void get_buffer_parameteri64v(GLenum target, GLenum pname,
                                     GLint64 *out)
{
    FAKE_COUNT(glGetBufferParameteri64v);
    fake_gl_lock();
    parameter(bound(target), pname, out);
    fake_gl_unlock();
}

static void get_named_buffer_parameteri64v(GLuint name, GLenum pname,
                                           GLint64 *out)
{
    FAKE_COUNT(glGetNamedBufferParameteri64v);
    fake_gl_lock();
    parameter(named(name), pname, out);
    fake_gl_unlock();
}

const struct fake_impl fake_buffer_impls[] = {
    {FAKE_glGenBuffers, (void *)gen_buffers},
    {FAKE_glCreateBuffers, (void *)create_buffers},
    {FAKE_glBindBuffer, (void *)bind_buffer},
    {FAKE_glDeleteBuffers, (void *)delete_buffers},
    {FAKE_glIsBuffer, (void *)is_buffer},
    {FAKE_glBufferData, (void *)buffer_data},
    {FAKE_glNamedBufferData, (void *)named_buffer_data},
    {FAKE_glBufferStorage, (void *)buffer_storage},
    {FAKE_glNamedBufferStorage, (void *)named_buffer_storage},
    {FAKE_glBufferStorageMem, (void *)buffer_storage_mem},
    {FAKE_glNamedBufferStorageMem, (void *)named_buffer_storage_mem},
    {FAKE_glBufferSubData, (void *)buffer_sub_data},
    {FAKE_glNamedBufferSubData, (void *)named_buffer_sub_data},
    {FAKE_glGetBufferSubData, (void *)get_buffer_sub_data},
    {FAKE_glGetNamedBufferSubData, (void *)get_named_buffer_sub_data},
    {FAKE_glCopyBufferSubData, (void *)copy_buffer_sub_data},
    {FAKE_glMapBuffer, (void *)map_buffer},
    {FAKE_glMapNamedBuffer, (void *)map_named_buffer},
    {FAKE_glMapBufferRange, (void *)map_buffer_range},
    {FAKE_glMapNamedBufferRange, (void *)map_named_buffer_range},
    {FAKE_glUnmapBuffer, (void *)unmap_buffer},
    {FAKE_glUnmapNamedBuffer, (void *)unmap_named_buffer},
    {FAKE_glFlushMappedBufferRange, (void *)flush_mapped_buffer_range},
    {FAKE_glFlushMappedNamedBufferRange,
     (void *)flush_mapped_named_buffer_range},
    {FAKE_glGetBufferPointerv, (void *)get_buffer_pointerv},
    {FAKE_glGetNamedBufferPointerv, (void *)get_named_buffer_pointerv},
    {FAKE_glGetBufferParameteriv, (void *)get_buffer_parameteriv},
    {FAKE_glGetNamedBufferParameteriv, (void *)get_named_buffer_parameteriv},
    {FAKE_glGetBufferParameteri64v, (void *)get_buffer_parameteri64v},
    {FAKE_glGetNamedBufferParameteri64v,
     (void *)get_named_buffer_parameteri64v},
    {0, NULL},
};

FAKE_EXPORT void *lowmapfake_buffer_storage(unsigned name, size_t *size);
FAKE_EXPORT void *lowmapfake_buffer_storage(unsigned name, size_t *size)
{
    void *p = NULL;

    fake_gl_lock();
    if (name < nbuffers && buffers[name].state == NAME_OBJECT) {
        p = buffers[name].storage;
        *size = (size_t)buffers[name].size;
    }
    fake_gl_unlock();
    return p;
}
