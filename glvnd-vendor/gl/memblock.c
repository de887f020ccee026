/*
 * Blocks of exportable memory that small memory-object buffers share, so
 * that a thousand small buffers do not make a thousand Vulkan allocations
 * (drivers cap their number: maxMemoryAllocationCount is 4096 on many).
 *
 * A block is one allocation (vkmem.c) imported once as a GL memory object
 * of its share group; each buffer's storage is a page-aligned part of it
 * (gl[Named]BufferStorageMemEXT's offset).  Parts are handed out from the
 * start and never again: when a buffer's storage is freed its pages are
 * made to fault (lowmap_mem_protect), as a deleted buffer's own allocation
 * would, and the block goes when its last buffer does.
 *
 * Only where the host honours the offset: Mesa 22's llvmpipe reads every
 * buffer of a memory object from its start.  The first block of each share
 * group checks with a probe buffer (a marker written at a nonzero offset,
 * read back through the GL); where it fails, or where the driver wants a
 * dedicated allocation per buffer, every buffer gets its own allocation.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gl_private.h"
#include "vkmem.h"

#define BLOCK_BYTES ((size_t)1 << 20)

typedef void(APIENTRY *create_buffers_fn)(GLsizei, GLuint *);
typedef void(APIENTRY *delete_buffers_fn)(GLsizei, const GLuint *);
typedef void(APIENTRY *create_memobj_fn)(GLsizei, GLuint *);
typedef void(APIENTRY *delete_memobj_fn)(GLsizei, const GLuint *);
typedef void(APIENTRY *import_fd_fn)(GLuint, GLuint64, GLenum, GLint);
typedef void(APIENTRY *named_storage_mem_fn)(GLuint, GLsizeiptr, GLuint,
                                             GLuint64);
typedef void(APIENTRY *get_named_sub_data_fn)(GLuint, GLintptr, GLsizeiptr,
                                              void *);

struct lm_memblock {
    struct lm_memblock *next; /* in its group's list */
    struct lm_group *group;
    struct lm_vk_device *dev;
    struct lm_vk_memory *vk;
    GLuint gl;     /* the GL memory object, in the group */
    size_t used;   /* bytes handed out from the start */
    unsigned live; /* parts not yet put back */
};

/* Guards every block's next, used and live, and each group's memblocks
 * and memblock_offsets.  A leaf: never held across GL or Vulkan calls. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Does the host read a buffer at its offset into memory object @gl?  A
 * marker written at the second page of @low must come back through the
 * GL from a buffer placed there. */
static bool host_honours_offsets(GLuint gl, char *low)
{
    static const char mark[16] = "lowmap: offset";
    create_buffers_fn create = LM_HOST_CALL(create_buffers_fn,
                                            glCreateBuffers);
    delete_buffers_fn del = LM_HOST_CALL(delete_buffers_fn, glDeleteBuffers);
    named_storage_mem_fn storage =
        LM_HOST_CALL(named_storage_mem_fn, glNamedBufferStorageMemEXT);
    get_named_sub_data_fn get =
        LM_HOST_CALL(get_named_sub_data_fn, glGetNamedBufferSubData);
    char got[sizeof(mark)] = {0};
    GLuint name = 0;

    if (!create || !del || !storage || !get)
        return false;
    memcpy(low + lm_page_size(), mark, sizeof(mark));
    create(1, &name);
    storage(name, sizeof(mark), gl, lm_page_size());
    get(name, 0, sizeof(mark), got);
    del(1, &name);
    memset(low + lm_page_size(), 0, sizeof(mark));
    return lm_drain_host_errors() == GL_NO_ERROR &&
           memcmp(got, mark, sizeof(mark)) == 0;
}

static void refuse(struct lm_group *group, const char *why)
{
    pthread_mutex_lock(&lock);
    bool first = group->memblock_offsets >= 0;
    group->memblock_offsets = -1;
    pthread_mutex_unlock(&lock);
    if (first)
        lm_log(LM_LOG_INFO, "gl: small memory-object buffers get an "
                            "allocation each: %s", why);
}

/* A new block imported into @ctx's share group, or NULL. */
static struct lm_memblock *block_new(struct lm_context *ctx,
                                     struct lm_vk_device *dev)
{
    struct lm_memblock *b = calloc(1, sizeof(*b));
    int fd, err;

    if (!b)
        return NULL;
    /* A page to spare: Mesa's memory fd carries a header (memobj.c). */
    if ((err = lm_vk_alloc(dev, BLOCK_BYTES + lm_page_size(), &b->vk, &fd))) {
        lm_log(LM_LOG_INFO, "gl: no exportable memory for a block of "
                            "small buffers: %s", lowmap_strerror(err));
        free(b);
        return NULL;
    }
    if (b->vk->dedicated) {
        close(fd);
        lm_vk_free(b->vk);
        free(b);
        refuse(ctx->group, "the driver wants a dedicated allocation");
        return NULL;
    }
    LM_HOST_CALL(create_memobj_fn, glCreateMemoryObjectsEXT)(1, &b->gl);
    LM_HOST_CALL(import_fd_fn, glImportMemoryFdEXT)(
        b->gl, b->vk->size, GL_HANDLE_TYPE_OPAQUE_FD_EXT, fd);
    bool ok = lm_drain_host_errors() == GL_NO_ERROR;
    pthread_mutex_lock(&lock);
    bool probe = ctx->group->memblock_offsets == 0;
    pthread_mutex_unlock(&lock);
    if (!ok) {
        refuse(ctx->group, "the host refused to import a block");
    } else if (probe) {
        ok = host_honours_offsets(b->gl, b->vk->low);
        if (ok) {
            pthread_mutex_lock(&lock);
            ctx->group->memblock_offsets = 1;
            pthread_mutex_unlock(&lock);
        } else {
            refuse(ctx->group, "the host ignores memory-object offsets");
        }
    }
    if (!ok) {
        LM_HOST_CALL(delete_memobj_fn, glDeleteMemoryObjectsEXT)(1, &b->gl);
        lm_vk_free(b->vk);
        free(b);
        return NULL;
    }
    b->group = ctx->group;
    b->dev = dev;
    lm_log(LM_LOG_TRACE, "gl: block of %zu bytes at %p for small "
                         "memory-object buffers", BLOCK_BYTES, b->vk->low);
    return b;
}

/* Lock held. */
static void take(struct lm_memblock *b, size_t span, uint64_t *offset)
{
    *offset = b->used;
    b->used += span;
    b->live++;
}

struct lm_memblock *lm_memblock_reserve(struct lm_context *ctx,
                                        struct lm_vk_device *dev,
                                        size_t size, uint64_t *offset)
{
    struct lm_group *group = ctx->group;
    size_t span = lm_page_up(size);
    struct lm_memblock *b;

    if (!size || size > LM_MEMBLOCK_MAX)
        return NULL;
    pthread_mutex_lock(&lock);
    if (group->memblock_offsets < 0) {
        pthread_mutex_unlock(&lock);
        return NULL;
    }
    for (b = group->memblocks; b; b = b->next)
        if (b->dev == dev && b->used + span <= BLOCK_BYTES)
            break;
    if (b)
        take(b, span, offset);
    pthread_mutex_unlock(&lock);
    if (b || !(b = block_new(ctx, dev)))
        return b;
    pthread_mutex_lock(&lock);
    b->next = group->memblocks;
    group->memblocks = b;
    take(b, span, offset);
    pthread_mutex_unlock(&lock);
    return b;
}

GLuint lm_memblock_gl(const struct lm_memblock *b)
{
    return b->gl;
}

char *lm_memblock_low(const struct lm_memblock *b)
{
    return b->vk->low;
}

void lm_memblock_put(struct lm_memblock *b, uint64_t offset, size_t size,
                     bool gl_alive)
{
    struct lm_memblock **at;
    bool last;

    pthread_mutex_lock(&lock);
    last = --b->live == 0;
    if (last) {
        for (at = &b->group->memblocks; *at && *at != b; at = &(*at)->next)
            ;
        if (*at)
            *at = b->next;
    }
    pthread_mutex_unlock(&lock);
    if (!last) {
        /* Never handed out again: a stale pointer into it faults. */
        int err = lowmap_mem_protect(b->vk->low + offset, lm_page_up(size), 0);
        if (err)
            lm_log(LM_LOG_WARN, "gl: freed part %p of a memory-object block "
                                "stays readable: %s",
                   (void *)(b->vk->low + offset), lowmap_strerror(err));
        return;
    }
    if (gl_alive && lm_current)
        LM_HOST_CALL(delete_memobj_fn, glDeleteMemoryObjectsEXT)(1, &b->gl);
    lm_vk_free(b->vk);
    free(b);
}
