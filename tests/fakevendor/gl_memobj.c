/*
 * The fake vendor's GL_EXT_memory_object_fd: memory objects imported from
 * opaque fds, buffers with storage at an offset into one, and the device
 * and driver UUIDs (the Vulkan double's fake_uuid mode reports the same).
 *
 * Imports read an fd the way Mesa exports it, which is what the Vulkan
 * double hands out (lavapipe's memory): a one-page header, then the bytes.
 * Unlike Mesa 22's llvmpipe, a buffer's storage starts at its offset.
 *
 * SPDX-License-Identifier: MIT
 */
#include <GL/gl.h>
#include <GL/glext.h>

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake.h"
#include "fakevendor.h"
#include "gl_objects.h"

#define MAX_MEMOBJS 4096

/* Guarded by fake_gl_lock; index = name, 0 unused. */
static struct memobj {
    bool created, deleted;
    char *bytes;   /* the imported memory, or NULL before the import */
    GLuint64 size;
    unsigned refs; /* buffers with storage in it */
} memobjs[MAX_MEMOBJS];

static void unmap_if_unused(struct memobj *m)
{
    if (m->deleted && m->refs == 0) {
        if (m->bytes)
            munmap(m->bytes, (size_t)m->size);
        memset(m, 0, sizeof(*m));
    }
}

static void create_memory_objects(GLsizei n, GLuint *names)
{
    FAKE_COUNT(glCreateMemoryObjects);
    fake_gl_lock();
    for (GLsizei i = 0; i < n; i++) {
        GLuint name = 1;
        while (name < MAX_MEMOBJS && memobjs[name].created)
            name++;
        if (name == MAX_MEMOBJS) {
            fake_gl_error(GL_OUT_OF_MEMORY);
            names[i] = 0;
            continue;
        }
        memobjs[name].created = true;
        names[i] = name;
    }
    fake_gl_unlock();
}

static void delete_memory_objects(GLsizei n, const GLuint *names)
{
    FAKE_COUNT(glDeleteMemoryObjects);
    fake_gl_lock();
    for (GLsizei i = 0; i < n; i++) {
        if (names[i] == 0 || names[i] >= MAX_MEMOBJS ||
            !memobjs[names[i]].created || memobjs[names[i]].deleted)
            continue;
        memobjs[names[i]].deleted = true;
        unmap_if_unused(&memobjs[names[i]]);
    }
    fake_gl_unlock();
}

static struct memobj *live(GLuint name)
{
    if (name == 0 || name >= MAX_MEMOBJS || !memobjs[name].created ||
        memobjs[name].deleted)
        return NULL;
    return &memobjs[name];
}

static void memory_object_parameteriv(GLuint name, GLenum pname,
                                      const GLint *params)
{
    FAKE_COUNT(glMemoryObjectParameteriv);
    (void)params;
    fake_gl_lock();
    if (!live(name))
        fake_gl_error(GL_INVALID_VALUE);
    else if (pname != GL_DEDICATED_MEMORY_OBJECT_EXT)
        fake_gl_error(GL_INVALID_ENUM);
    fake_gl_unlock();
}

static void import_memory_fd(GLuint name, GLuint64 size, GLenum type, GLint fd)
{
    struct memobj *m;

    FAKE_COUNT(glImportMemoryFd);
    fake_gl_lock();
    if (!(m = live(name)) || m->bytes) {
        fake_gl_error(GL_INVALID_VALUE);
    } else if (type != GL_HANDLE_TYPE_OPAQUE_FD_EXT) {
        fake_gl_error(GL_INVALID_ENUM);
    } else {
        void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
                       MAP_SHARED, fd, sysconf(_SC_PAGESIZE));
        if (p == MAP_FAILED) {
            fake_gl_error(GL_INVALID_VALUE);
        } else {
            m->bytes = p;
            m->size = size;
            close(fd); /* the import owns it */
        }
    }
    fake_gl_unlock();
}

char *fake_memobj_storage(unsigned name, ptrdiff_t size, uint64_t offset)
{
    struct memobj *m = live(name);

    if (!m || !m->bytes || size <= 0 || offset > m->size ||
        (uint64_t)size > m->size - offset) {
        fake_gl_error(GL_INVALID_VALUE);
        return NULL;
    }
    m->refs++;
    return m->bytes + offset;
}

void fake_memobj_release(unsigned name)
{
    if (name > 0 && name < MAX_MEMOBJS && memobjs[name].refs > 0) {
        memobjs[name].refs--;
        unmap_if_unused(&memobjs[name]);
    }
}

static void get_unsigned_bytev(GLenum pname, GLubyte *data)
{
    FAKE_COUNT(glGetUnsignedBytev);
    if (pname == GL_DRIVER_UUID_EXT)
        memcpy(data, LOWMAPFAKE_DRIVER_UUID, GL_UUID_SIZE_EXT);
    else
        fake_gl_error(GL_INVALID_ENUM);
}

static void get_unsigned_bytei_v(GLenum target, GLuint index, GLubyte *data)
{
    FAKE_COUNT(glGetUnsignedBytei_v);
    if (target != GL_DEVICE_UUID_EXT)
        fake_gl_error(GL_INVALID_ENUM);
    else if (index != 0)
        fake_gl_error(GL_INVALID_VALUE);
    else
        memcpy(data, LOWMAPFAKE_DEVICE_UUID, GL_UUID_SIZE_EXT);
}

const struct fake_impl fake_memobj_impls[] = {
    {FAKE_glCreateMemoryObjects, (void *)create_memory_objects},
    {FAKE_glDeleteMemoryObjects, (void *)delete_memory_objects},
    {FAKE_glMemoryObjectParameteriv, (void *)memory_object_parameteriv},
    {FAKE_glImportMemoryFd, (void *)import_memory_fd},
    {FAKE_glGetUnsignedBytev, (void *)get_unsigned_bytev},
    {FAKE_glGetUnsignedBytei_v, (void *)get_unsigned_bytei_v},
    {0, NULL},
};
