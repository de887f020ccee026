/*
 * Placed storage from exportable memory: the memory-object backend, for
 * hosts without GL_AMD_pinned_memory (NVIDIA's driver) that have
 * GL_EXT_memory_object_fd and a Vulkan driver for the same device.
 *
 * How: Vulkan memory with a low view (vkmem.c) is exported as an opaque
 * fd, imported as a GL memory object and made the buffer's immutable
 * storage with gl[Named]BufferStorageMemEXT.  The host refuses to map such
 * a buffer (its storage flags are not the app's), so every map, unmap,
 * flush and map-state query of it is served here, from the low view:
 * maps return the view directly, zero-copy and coherent (the memory is
 * host-coherent), a synchronised map first waits for the GL (glFinish),
 * and the errors are those the GL spec lists for
 * MapBufferRange, MapBuffer, UnmapBuffer and FlushMappedBufferRange.
 * GL_BUFFER_STORAGE_FLAGS answers the app's flags; the host already
 * answers GL_BUFFER_SIZE and GL_BUFFER_IMMUTABLE_STORAGE as asked.
 *
 * Size: the driver's memory fd may carry a header (Mesa's does), so the
 * allocation is a page larger than the buffer; the storage call's error
 * tells whether the host took it.  Buffers of up to LM_MEMBLOCK_MAX bytes
 * share blocks where the host allows it (memblock.c).
 *
 * Freeing: deleted buffers' memory waits in the share group's graveyard
 * for a fence (placed.c), then the GL memory object is deleted and the
 * view and memory freed; at share-group destruction everything goes at
 * once (the host has released its import with the group).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gl_private.h"
#include "vkmem.h"

typedef void(APIENTRY *create_memobj_fn)(GLsizei, GLuint *);
typedef void(APIENTRY *delete_memobj_fn)(GLsizei, const GLuint *);
typedef void(APIENTRY *memobj_param_fn)(GLuint, GLenum, const GLint *);
typedef void(APIENTRY *import_fd_fn)(GLuint, GLuint64, GLenum, GLint);
typedef void(APIENTRY *storage_mem_fn)(GLenum, GLsizeiptr, GLuint,
                                       GLuint64);
typedef void(APIENTRY *named_storage_mem_fn)(GLuint, GLsizeiptr, GLuint,
                                             GLuint64);
typedef void(APIENTRY *get_ubyte_fn)(GLenum, GLubyte *);
typedef void(APIENTRY *get_ubyte_i_fn)(GLenum, GLuint, GLubyte *);

struct lm_memobj {
    struct lm_vk_memory *vk;   /* its own allocation, or NULL: */
    struct lm_memblock *block; /* a part of a shared block */
    uint64_t offset;           /* of the part in the block */
    GLuint gl;          /* the GL memory object */
    char *low;          /* the buffer's first byte, low */
    GLsizeiptr size;    /* as the app asked */
    GLbitfield flags;   /* as the app asked */
};

_Atomic unsigned lm_memobj_live;

static const GLbitfield map_bits =
    GL_MAP_READ_BIT | GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_RANGE_BIT |
    GL_MAP_INVALIDATE_BUFFER_BIT | GL_MAP_FLUSH_EXPLICIT_BIT |
    GL_MAP_UNSYNCHRONIZED_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;

/* The Vulkan device of @ctx's GL device, looked up once per context. */
static struct lm_vk_device *device_of(struct lm_context *ctx)
{
    static _Atomic bool said;
    uint8_t dev[8][LM_UUID_SIZE], drv[LM_UUID_SIZE];
    GLint n = 0;

    if (ctx->vk_checked)
        return ctx->vk;
    ctx->vk_checked = true;
    LM_HOST_CALL(lm_get_integerv_fn, glGetIntegerv)(GL_NUM_DEVICE_UUIDS_EXT,
                                                    &n);
    if (n > 8)
        n = 8;
    for (GLint i = 0; i < n; i++)
        LM_HOST_CALL(get_ubyte_i_fn, glGetUnsignedBytei_vEXT)(
            GL_DEVICE_UUID_EXT, (GLuint)i, dev[i]);
    LM_HOST_CALL(get_ubyte_fn, glGetUnsignedBytevEXT)(GL_DRIVER_UUID_EXT,
                                                      drv);
    ctx->vk = n > 0 ? lm_vk_device_find(dev, n, drv) : NULL;
    if (!ctx->vk && !atomic_exchange(&said, true))
        lm_log(lm_config.backend == LM_BACKEND_MEMORY_OBJECT ? LM_LOG_WARN
                                                             : LM_LOG_INFO,
               "gl: memory-object backend off: %s; persistent maps use "
               "the shadow path",
               n > 0 ? lm_vk_reason() : "the GL names no device UUID");
    return ctx->vk;
}

GLenum lm_drain_host_errors(void)
{
    lm_get_error_fn get_error = LM_HOST_CALL(lm_get_error_fn, glGetError);
    GLenum first = get_error();

    for (int i = 0; i < 8 && first != GL_NO_ERROR &&
                    get_error() != GL_NO_ERROR; i++)
        ;
    return first;
}

/* An allocation of @size bytes for one buffer, imported as GL memory
 * object *@gl. */
static int own_memory(struct lm_vk_device *dev, GLsizeiptr size, GLuint *gl,
                      struct lm_vk_memory **vk)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    int fd, err;

    if ((err = lm_vk_alloc(dev, (size_t)size + page, vk, &fd)))
        return err;
    LM_HOST_CALL(create_memobj_fn, glCreateMemoryObjectsEXT)(1, gl);
    if ((*vk)->dedicated) {
        const GLint yes = GL_TRUE;
        LM_HOST_CALL(memobj_param_fn, glMemoryObjectParameterivEXT)(
            *gl, GL_DEDICATED_MEMORY_OBJECT_EXT, &yes);
    }
    LM_HOST_CALL(import_fd_fn, glImportMemoryFdEXT)(
        *gl, (*vk)->size, GL_HANDLE_TYPE_OPAQUE_FD_EXT, fd);
    return 0;
}

bool lm_memobj_storage(struct lm_context *ctx, enum lm_host slot,
                       GLenum target, GLuint name, GLsizeiptr size,
                       const void *data, GLbitfield flags)
{
    bool named = slot == LM_HOST_glNamedBufferStorage ||
                 slot == LM_HOST_glNamedBufferStorageEXT;
    struct lm_vk_device *dev;
    struct lm_memobj *mo;
    GLuint gl = 0;
    int err;

    if (named) {
        /* A name that is no buffer yet must fail the host's way. */
        lm_is_buffer_fn is_buffer = LM_HOST_CALL(lm_is_buffer_fn, glIsBuffer);
        if (!is_buffer || !is_buffer(name) ||
            !lm_host(LM_HOST_glNamedBufferStorageMemEXT))
            return false;
    }
    if (!(dev = device_of(ctx)))
        return false;
    if (!(mo = calloc(1, sizeof(*mo))))
        return false;

    /* As in placed.c: the app's pending error first, ours discarded. */
    GLenum pending = lm_drain_host_errors();
    if (pending != GL_NO_ERROR)
        lm_set_error(ctx, pending);
    if ((mo->block = lm_memblock_reserve(ctx, dev, (size_t)size,
                                         &mo->offset))) {
        gl = lm_memblock_gl(mo->block);
        mo->low = lm_memblock_low(mo->block) + mo->offset;
    } else if ((err = own_memory(dev, size, &gl, &mo->vk))) {
        lm_log(LM_LOG_INFO, "gl: no exportable memory of %zd bytes for "
                            "buffer %u: %s", (ssize_t)size, name,
               lowmap_strerror(err));
        free(mo);
        return false;
    } else {
        mo->low = mo->vk->low;
    }
    if (named)
        LM_HOST_CALL(named_storage_mem_fn, glNamedBufferStorageMemEXT)(
            name, size, gl, mo->offset);
    else
        LM_HOST_CALL(storage_mem_fn, glBufferStorageMemEXT)(target, size,
                                                            gl, mo->offset);
    GLenum gl_err = lm_drain_host_errors();
    if (gl_err != GL_NO_ERROR) {
        mo->gl = gl;
        mo->size = size;
        lm_memobj_free(mo, true);
        lm_log(LM_LOG_INFO, "gl: host refused memory-object storage for "
                            "buffer %u: GL error %#x", name, gl_err);
        return false;
    }
    if (data)
        memcpy(mo->low, data, (size_t)size);
    mo->gl = gl;
    mo->size = size;
    mo->flags = flags;

    lm_group_lock(ctx->group);
    struct lm_buffer *buf = lm_buffer_get(ctx->group, name);
    if (buf) {
        buf->memobj = mo;
        atomic_fetch_add(&lm_memobj_live, 1);
    }
    lm_group_unlock(ctx->group);
    if (!buf)
        lm_log(LM_LOG_WARN, "gl: untracked memory-object storage for "
                            "buffer %u", name);
    lm_log(LM_LOG_TRACE, "gl: buffer %u placed at %p (memory object, %zd "
                         "bytes)", name, (void *)mo->low, (ssize_t)size);
    return true;
}

void lm_memobj_free(struct lm_memobj *mo, bool gl_alive)
{
    if (!mo)
        return;
    if (mo->block) {
        lm_memblock_put(mo->block, mo->offset, (size_t)mo->size, gl_alive);
    } else {
        if (gl_alive && lm_current)
            LM_HOST_CALL(delete_memobj_fn, glDeleteMemoryObjectsEXT)(
                1, &mo->gl);
        lm_vk_free(mo->vk);
    }
    free(mo);
}

struct lm_memobj *lm_memobj_take(struct lm_buffer *buf)
{
    struct lm_memobj *mo = buf->memobj;

    if (mo) {
        buf->memobj = NULL;
        atomic_fetch_sub(&lm_memobj_live, 1);
    }
    return mo;
}

/* The memory-object buffer @name, group lock taken; NULL (unlocked) when
 * @name is no such buffer. */
static struct lm_buffer *lock_buffer(struct lm_context *ctx, int64_t name)
{
    struct lm_buffer *buf;

    if (!ctx || name <= 0)
        return NULL;
    lm_group_lock(ctx->group);
    buf = lm_buffer_find(ctx->group, (GLuint)name);
    if (buf && buf->memobj)
        return buf;
    lm_group_unlock(ctx->group);
    return NULL;
}

/* The spec's errors for mapping @buf with @access over [offset, +length). */
static GLenum map_error(const struct lm_buffer *buf, GLintptr offset,
                        GLsizeiptr length, GLbitfield access)
{
    const GLbitfield need = GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                            GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
    const struct lm_memobj *mo = buf->memobj;

    if (offset < 0 || length < 0 || offset > mo->size ||
        length > mo->size - offset || (access & ~map_bits))
        return GL_INVALID_VALUE;
    if (length == 0 || buf->mapped ||
        !(access & (GL_MAP_READ_BIT | GL_MAP_WRITE_BIT)) ||
        ((access & GL_MAP_READ_BIT) &&
         (access & (GL_MAP_INVALIDATE_RANGE_BIT |
                    GL_MAP_INVALIDATE_BUFFER_BIT |
                    GL_MAP_UNSYNCHRONIZED_BIT))) ||
        ((access & GL_MAP_FLUSH_EXPLICIT_BIT) &&
         !(access & GL_MAP_WRITE_BIT)) ||
        (access & need & ~mo->flags))
        return GL_INVALID_OPERATION;
    return GL_NO_ERROR;
}

bool lm_memobj_map(struct lm_context *ctx, int64_t name, GLintptr offset,
                   GLsizeiptr length, GLbitfield access, bool whole,
                   void **out)
{
    struct lm_buffer *buf = lock_buffer(ctx, name);
    lowmap_alias *alias = NULL;

    if (!buf)
        return false;
    struct lm_memobj *mo = buf->memobj;
    if (whole) {
        offset = 0;
        length = mo->size;
    }
    GLenum err = map_error(buf, offset, length, access);
    if (err == GL_NO_ERROR && (access & GL_MAP_CLIENT_POINTER_BIT_MESA))
        err = GL_OUT_OF_MEMORY; /* the view is not in client ranges */
    if (err != GL_NO_ERROR) {
        lm_group_unlock(ctx->group);
        lm_set_error(ctx, err);
        *out = NULL;
        return true;
    }
    char *low = mo->low + offset;
    unsigned acc = lm_access_from_bits(access);
    /* An alias of placed memory: no copy, but counted (LOWMAP_STATS). */
    if (lowmap_alias_create(low, (size_t)length, acc, &alias) != 0)
        alias = NULL;
    buf->map = (struct lm_view){.alias = alias, .host = low, .low = low,
                                .size = (size_t)length, .access = acc,
                                .strategy = alias ? lowmap_alias_strategy(alias)
                                                  : 0};
    buf->map_kept = false;
    lm_buffer_begin_map(buf);
    buf->map_access = access;
    buf->map_offset = offset;
    lm_group_unlock(ctx->group);
    /* A synchronised map waits for the commands issued before it, as the
     * host's own map would; the host never sees this one.  (llvmpipe runs
     * draws after the call returns: a copy into the buffer could land
     * after the app read the view.) */
    if (!(access & GL_MAP_UNSYNCHRONIZED_BIT))
        LM_HOST_CALL(lm_finish_fn, glFinish)();
    *out = low;
    return true;
}

bool lm_memobj_unmap(struct lm_context *ctx, int64_t name, GLboolean *ret)
{
    struct lm_buffer *buf = lock_buffer(ctx, name);

    if (!buf)
        return false;
    bool mapped = buf->mapped;
    lm_buffer_end_map(buf, true);
    lm_group_unlock(ctx->group);
    if (!mapped)
        lm_set_error(ctx, GL_INVALID_OPERATION);
    *ret = mapped ? GL_TRUE : GL_FALSE;
    return true;
}

bool lm_memobj_flush(struct lm_context *ctx, int64_t name, GLintptr offset,
                     GLsizeiptr length)
{
    struct lm_buffer *buf = lock_buffer(ctx, name);
    GLenum err = GL_NO_ERROR;

    if (!buf)
        return false;
    /* Coherent memory: a valid flush has nothing to do. */
    if (offset < 0 || length < 0)
        err = GL_INVALID_VALUE;
    else if (!buf->mapped || !(buf->map_access & GL_MAP_FLUSH_EXPLICIT_BIT))
        err = GL_INVALID_OPERATION;
    else if ((size_t)offset + (size_t)length > buf->map.size)
        err = GL_INVALID_VALUE;
    lm_group_unlock(ctx->group);
    if (err != GL_NO_ERROR)
        lm_set_error(ctx, err);
    return true;
}

bool lm_memobj_param(struct lm_context *ctx, int64_t name, GLenum pname,
                     GLint64 *value)
{
    struct lm_buffer *buf;

    switch (pname) {
    case GL_BUFFER_MAPPED: case GL_BUFFER_ACCESS_FLAGS: case GL_BUFFER_ACCESS:
    case GL_BUFFER_MAP_OFFSET: case GL_BUFFER_MAP_LENGTH:
    case GL_BUFFER_STORAGE_FLAGS:
        break;
    default:
        return false;
    }
    if (!(buf = lock_buffer(ctx, name)))
        return false;
    GLbitfield a = buf->mapped ? buf->map_access : 0;
    switch (pname) {
    case GL_BUFFER_MAPPED: *value = buf->mapped; break;
    case GL_BUFFER_ACCESS_FLAGS: *value = a; break;
    case GL_BUFFER_ACCESS:
        *value = !(a & GL_MAP_WRITE_BIT) && (a & GL_MAP_READ_BIT)
                     ? GL_READ_ONLY
                 : !(a & GL_MAP_READ_BIT) && (a & GL_MAP_WRITE_BIT)
                     ? GL_WRITE_ONLY
                     : GL_READ_WRITE;
        break;
    case GL_BUFFER_MAP_OFFSET: *value = buf->mapped ? buf->map_offset : 0;
        break;
    case GL_BUFFER_MAP_LENGTH:
        *value = buf->mapped ? (GLint64)buf->map.size : 0;
        break;
    default: *value = buf->memobj->flags; break;
    }
    lm_group_unlock(ctx->group);
    return true;
}

bool lm_memobj_pointer(struct lm_context *ctx, int64_t name, void **params)
{
    struct lm_buffer *buf = lock_buffer(ctx, name);

    if (!buf)
        return false;
    if (params)
        *params = buf->mapped ? buf->map.low : NULL;
    lm_group_unlock(ctx->group);
    return true;
}
