/*
 * Internals of the fake host vendor (see fakevendor.h).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_FAKE_H
#define LOWMAP_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_EXPORT __attribute__((visibility("default")))

/* Every entry point the fake implements, by its core name. */
#define FAKE_PROCS(X)                                                        \
    X(eglBindAPI) X(eglBindTexImage) X(eglChooseConfig) X(eglCopyBuffers)    \
    X(eglCreateContext) X(eglCreatePbufferFromClientBuffer)                  \
    X(eglCreatePbufferSurface) X(eglCreatePixmapSurface)                     \
    X(eglCreateWindowSurface) X(eglDestroyContext) X(eglDestroySurface)      \
    X(eglGetConfigAttrib) X(eglGetConfigs) X(eglGetError)                    \
    X(eglInitialize) X(eglMakeCurrent) X(eglQueryContext)                    \
    X(eglQueryString) X(eglQuerySurface) X(eglReleaseTexImage)              \
    X(eglReleaseThread) X(eglSurfaceAttrib) X(eglSwapBuffers)                \
    X(eglSwapInterval) X(eglTerminate) X(eglWaitClient) X(eglWaitGL)         \
    X(eglWaitNative)                                                         \
    X(glGenBuffers) X(glCreateBuffers) X(glBindBuffer) X(glDeleteBuffers)    \
    X(glIsBuffer)                                                            \
    X(glBufferData) X(glNamedBufferData) X(glBufferStorage)                  \
    X(glNamedBufferStorage) X(glBufferSubData) X(glNamedBufferSubData)       \
    X(glGetBufferSubData) X(glGetNamedBufferSubData) X(glMapBuffer)          \
    X(glMapNamedBuffer) X(glMapBufferRange) X(glMapNamedBufferRange)         \
    X(glUnmapBuffer) X(glUnmapNamedBuffer) X(glFlushMappedBufferRange)       \
    X(glFlushMappedNamedBufferRange) X(glGetBufferPointerv)                  \
    X(glGetNamedBufferPointerv) X(glGetBufferParameteriv)                    \
    X(glGetNamedBufferParameteriv) X(glGetBufferParameteri64v)               \
    X(glGetNamedBufferParameteri64v) X(glCopyBufferSubData)                  \
    X(glGenTextures) X(glBindTexture) X(glDeleteTextures) X(glTexImage2D)    \
    X(glTexSubImage2D) X(glGetTexImage) X(glTexParameteri)                   \
    X(glGetTexLevelParameteriv) X(glMapTexture2DINTEL)                       \
    X(glUnmapTexture2DINTEL) X(glGetIntegerv) X(glGetString)                 \
    X(glGetStringi) X(glGetError) X(glFinish) X(glFlush)                    \
    X(glCreateMemoryObjects) X(glDeleteMemoryObjects)                        \
    X(glMemoryObjectParameteriv) X(glImportMemoryFd) X(glBufferStorageMem)   \
    X(glNamedBufferStorageMem) X(glGetUnsignedBytev) X(glGetUnsignedBytei_v)

enum fake_proc {
#define FAKE__ENUM(name) FAKE_##name,
    FAKE_PROCS(FAKE__ENUM)
#undef FAKE__ENUM
    FAKE_PROC_COUNT
};

/* Counts one call of @name; lock-free. */
#define FAKE_COUNT(name) fake_count(FAKE_##name)
void fake_count(enum fake_proc proc);

/* Each implementation file lists its functions; fn NULL ends a list. */
struct fake_impl {
    enum fake_proc proc;
    void *fn;
};
extern const struct fake_impl fake_egl_impls[];
extern const struct fake_impl fake_buffer_impls[];
extern const struct fake_impl fake_texture_impls[];
extern const struct fake_impl fake_state_impls[];
extern const struct fake_impl fake_memobj_impls[];

/* getProcAddress over all lists, with ARB/EXT/OES suffixes stripped. */
void *fake_get_proc(const char *name);

/* A context: the GL state that is not shared.  Only the thread that has it
 * current touches it. */
#define FAKE_BUFFER_TARGETS 8
struct fake_context {
    unsigned magic;
    unsigned buffer_binding[FAKE_BUFFER_TARGETS];
    unsigned texture_binding; /* GL_TEXTURE_2D */
    unsigned error;           /* first unread GL error */
};
#define FAKE_CONTEXT_MAGIC 0x1f4ce0c7u

/* The calling thread's current context, or NULL; set by eglMakeCurrent. */
struct fake_context *fake_current(void);
void fake_set_current(struct fake_context *ctx);
/* Records @error on the current context unless one is pending. */
void fake_gl_error(unsigned error);

/*
 * The heap (heap.c): one mapping above 4 GiB, sub-allocated.  Its own
 * lock guards the block list; callers may hold the GL lock.
 */
void *fake_heap_alloc(size_t size);
void fake_heap_free(void *p);
void fake_heap_range(void **base, size_t *size, int *fd);

/*
 * The shared GL namespace (buffers and textures) is guarded by fake_gl_lock,
 * held for the whole of each GL call that touches objects.
 */
void fake_gl_lock(void);
void fake_gl_unlock(void);

/* Fake lock held.  The bytes of memory object @name at @offset, now used
 * by one more buffer, or NULL with the GL error raised; the buffer gives
 * them back with fake_memobj_release(). */
char *fake_memobj_storage(unsigned name, ptrdiff_t size, uint64_t offset);
void fake_memobj_release(unsigned name);

/* GL extension list (LOWMAPFAKE_EXTENSIONS or the default), split. */
const char *fake_extension_string(void);
unsigned fake_extension_count(void);
const char *fake_extension(unsigned i);

#endif /* LOWMAP_FAKE_H */
