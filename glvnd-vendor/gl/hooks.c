/*
 * Name → hook table, and lazy resolution of the host's functions.
 *
 * libGLdispatch asks for every GL name when a context first becomes current
 * (thousands of them) and caches the answers per vendor, so lookup speed
 * matters less than returning NULL (the host's own pointer,
 * zero overhead) for every name not in hooks.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gl_layer.h"
#include "gl_private.h"

#include "commands.h"

/* One wrapper shape per family: call the family's implementation with the
 * host slot of the name the app asked for. */
#define LM_WRAP_map_buffer(n)                                                \
    static void *APIENTRY hook_##n(GLenum t, GLenum a)                       \
    { return lm_map_buffer(LM_HOST_##n, t, a); }
#define LM_WRAP_map_buffer_range(n)                                          \
    static void *APIENTRY hook_##n(GLenum t, GLintptr o, GLsizeiptr l,       \
                                   GLbitfield a)                             \
    { return lm_map_buffer_range(LM_HOST_##n, t, o, l, a); }
#define LM_WRAP_map_named_buffer(n)                                          \
    static void *APIENTRY hook_##n(GLuint b, GLenum a)                       \
    { return lm_map_named_buffer(LM_HOST_##n, b, a); }
#define LM_WRAP_map_named_buffer_range(n)                                    \
    static void *APIENTRY hook_##n(GLuint b, GLintptr o, GLsizeiptr l,       \
                                   GLbitfield a)                             \
    { return lm_map_named_buffer_range(LM_HOST_##n, b, o, l, a); }
#define LM_WRAP_unmap_buffer(n)                                              \
    static GLboolean APIENTRY hook_##n(GLenum t)                             \
    { return lm_unmap_buffer(LM_HOST_##n, t); }
#define LM_WRAP_unmap_named_buffer(n)                                        \
    static GLboolean APIENTRY hook_##n(GLuint b)                             \
    { return lm_unmap_named_buffer(LM_HOST_##n, b); }
#define LM_WRAP_flush_mapped_range(n)                                        \
    static void APIENTRY hook_##n(GLenum t, GLintptr o, GLsizeiptr l)        \
    { lm_flush_mapped_range(LM_HOST_##n, t, o, l); }
#define LM_WRAP_flush_mapped_named_range(n)                                  \
    static void APIENTRY hook_##n(GLuint b, GLintptr o, GLsizeiptr l)        \
    { lm_flush_mapped_named_range(LM_HOST_##n, b, o, l); }
#define LM_WRAP_get_buffer_pointer(n)                                        \
    static void APIENTRY hook_##n(GLenum t, GLenum p, void **v)              \
    { lm_get_buffer_pointer(LM_HOST_##n, t, p, v); }
#define LM_WRAP_get_named_buffer_pointer(n)                                  \
    static void APIENTRY hook_##n(GLuint b, GLenum p, void **v)              \
    { lm_get_named_buffer_pointer(LM_HOST_##n, b, p, v); }
#define LM_WRAP_buffer_data(n)                                               \
    static void APIENTRY hook_##n(GLenum t, GLsizeiptr s, const void *d,     \
                                  GLenum u)                                  \
    { lm_buffer_data(LM_HOST_##n, t, s, d, u); }
#define LM_WRAP_named_buffer_data(n)                                         \
    static void APIENTRY hook_##n(GLuint b, GLsizeiptr s, const void *d,     \
                                  GLenum u)                                  \
    { lm_named_buffer_data(LM_HOST_##n, b, s, d, u); }
#define LM_WRAP_buffer_storage(n)                                            \
    static void APIENTRY hook_##n(GLenum t, GLsizeiptr s, const void *d,     \
                                  GLbitfield f)                              \
    { lm_buffer_storage(LM_HOST_##n, t, s, d, f); }
#define LM_WRAP_named_buffer_storage(n)                                      \
    static void APIENTRY hook_##n(GLuint b, GLsizeiptr s, const void *d,     \
                                  GLbitfield f)                              \
    { lm_named_buffer_storage(LM_HOST_##n, b, s, d, f); }
#define LM_WRAP_delete_buffers(n)                                            \
    static void APIENTRY hook_##n(GLsizei c, const GLuint *b)                \
    { lm_delete_buffers(LM_HOST_##n, c, b); }
#define LM_WRAP_bind_buffer(n)                                               \
    static void APIENTRY hook_##n(GLenum t, GLuint b)                        \
    { lm_bind_buffer(LM_HOST_##n, t, b); }
#define LM_WRAP_pop_client_attrib(n)                                         \
    static void APIENTRY hook_##n(void)                                      \
    { lm_pop_client_attrib(LM_HOST_##n); }
#define LM_WRAP_client_attrib_default(n)                                     \
    static void APIENTRY hook_##n(GLbitfield m)                              \
    { lm_client_attrib_default(LM_HOST_##n, m); }
#define LM_WRAP_bind_buffer_base(n)                                          \
    static void APIENTRY hook_##n(GLenum t, GLuint i, GLuint b)              \
    { lm_bind_buffer_base(LM_HOST_##n, t, i, b); }
#define LM_WRAP_bind_buffer_range(n)                                         \
    static void APIENTRY hook_##n(GLenum t, GLuint i, GLuint b, GLintptr o,  \
                                  GLsizeiptr s)                              \
    { lm_bind_buffer_range(LM_HOST_##n, t, i, b, o, s); }
#define LM_WRAP_bind_buffers_base(n)                                         \
    static void APIENTRY hook_##n(GLenum t, GLuint f, GLsizei c,             \
                                  const GLuint *b)                           \
    { lm_bind_buffers(LM_HOST_##n, t, f, c, b, NULL, NULL); }
#define LM_WRAP_bind_buffers_range(n)                                        \
    static void APIENTRY hook_##n(GLenum t, GLuint f, GLsizei c,             \
                                  const GLuint *b, const GLintptr *o,        \
                                  const GLsizeiptr *s)                       \
    { lm_bind_buffers(LM_HOST_##n, t, f, c, b, o, s); }
#define LM_WRAP_bind_image_texture(n)                                        \
    static void APIENTRY hook_##n(GLuint u, GLuint t, GLint l, GLboolean y,  \
                                  GLint a, GLenum c, GLenum f)               \
    { lm_bind_image_texture(LM_HOST_##n, u, t, l, y, a, c, f); }
#define LM_WRAP_bind_image_textures(n)                                       \
    static void APIENTRY hook_##n(GLuint f, GLsizei c, const GLuint *t)      \
    { lm_bind_image_textures(LM_HOST_##n, f, c, t); }
#define LM_WRAP_map_texture(n)                                               \
    static void *APIENTRY hook_##n(GLuint t, GLint l, GLbitfield a,          \
                                   GLint *s, GLenum *y)                      \
    { return lm_map_texture(LM_HOST_##n, t, l, a, s, y); }
#define LM_WRAP_unmap_texture(n)                                             \
    static void APIENTRY hook_##n(GLuint t, GLint l)                         \
    { lm_unmap_texture(LM_HOST_##n, t, l); }
#define LM_WRAP_get_string(n)                                                \
    static const GLubyte *APIENTRY hook_##n(GLenum e)                        \
    { return lm_get_string(LM_HOST_##n, e); }
#define LM_WRAP_get_stringi(n)                                               \
    static const GLubyte *APIENTRY hook_##n(GLenum e, GLuint i)              \
    { return lm_get_stringi(LM_HOST_##n, e, i); }
#define LM_WRAP_get_integerv(n)                                              \
    static void APIENTRY hook_##n(GLenum p, GLint *v)                        \
    { lm_get_integerv(LM_HOST_##n, p, v); }
#define LM_WRAP_get_buffer_parameteriv(n)                                    \
    static void APIENTRY hook_##n(GLenum t, GLenum p, GLint *v)              \
    { lm_get_buffer_parameteriv(LM_HOST_##n, t, p, v); }
#define LM_WRAP_get_buffer_parameteri64v(n)                                  \
    static void APIENTRY hook_##n(GLenum t, GLenum p, GLint64 *v)            \
    { lm_get_buffer_parameteri64v(LM_HOST_##n, t, p, v); }
#define LM_WRAP_get_named_buffer_parameteriv(n)                              \
    static void APIENTRY hook_##n(GLuint b, GLenum p, GLint *v)              \
    { lm_get_named_buffer_parameteriv(LM_HOST_##n, b, p, v); }
#define LM_WRAP_get_named_buffer_parameteri64v(n)                            \
    static void APIENTRY hook_##n(GLuint b, GLenum p, GLint64 *v)            \
    { lm_get_named_buffer_parameteri64v(LM_HOST_##n, b, p, v); }
#define LM_WRAP_get_error(n)                                                 \
    static GLenum APIENTRY hook_##n(void)                                    \
    { return lm_get_error(LM_HOST_##n); }
#define LM_WRAP_add_client_pointer_range(n)                                  \
    static void APIENTRY hook_##n(void *a, GLsizeiptr s)                     \
    { lm_add_client_pointer_range(LM_HOST_##n, a, s); }
#define LM_WRAP_release_client_pointer_range(n)                              \
    static void *APIENTRY hook_##n(GLbitfield f, GLsizeiptr *s)              \
    { return lm_release_client_pointer_range(LM_HOST_##n, f, s); }

#define LM_WRAP(name, family) LM_WRAP_##family(name)
LOWMAP_GL_HOOKS(LM_WRAP)
#undef LM_WRAP

/* Same order as enum lm_host, so an entry's index is its host slot. */
static const struct lm_hook_entry {
    const char *name;
    void *hook;
} lm_hook_table[] = {
#define LM_ENTRY(name, family) { #name, (void *)hook_##name },
    LOWMAP_GL_HOOKS(LM_ENTRY)
#undef LM_ENTRY
};

static const char *const lm_host_names[LM_HOST_COUNT] = {
#define LM_HOST_NAME(name, ...) #name,
    LOWMAP_GL_HOOKS(LM_HOST_NAME)
    LOWMAP_GL_HOST_ONLY(LM_HOST_NAME)
#undef LM_HOST_NAME
};

_Atomic(void *) lm_host_cache[LM_HOST_COUNT];
static _Atomic(lowmap_gl_host_proc_fn) lm_host_proc;

void *lm_host_resolve(enum lm_host slot)
{
    lowmap_gl_host_proc_fn proc = atomic_load(&lm_host_proc);
    void *fn = proc ? proc(lm_host_names[slot]) : NULL;
    /* Two threads may race here; both store the same answer. */
    if (fn)
        atomic_store_explicit(&lm_host_cache[slot], fn, memory_order_release);
    else
        lm_log(LM_LOG_TRACE, "gl: host lacks %s", lm_host_names[slot]);
    return fn;
}

void lowmap_gl_init(lowmap_gl_host_proc_fn host_proc)
{
    atomic_store(&lm_host_proc, host_proc);
    for (size_t i = 0; i < LM_HOST_COUNT; i++)
        atomic_store(&lm_host_cache[i], NULL);
}

#define LM_HOOK_COUNT (sizeof(lm_hook_table) / sizeof(lm_hook_table[0]))

/* Table indices sorted by name: libGLdispatch asks for thousands of names
 * at the first make-current, and the table has about two hundred. */
static unsigned short lm_hook_sorted[LM_HOOK_COUNT];
static pthread_once_t lm_hook_sorted_once = PTHREAD_ONCE_INIT;

static int by_name(const void *a, const void *b)
{
    return strcmp(lm_hook_table[*(const unsigned short *)a].name,
                  lm_hook_table[*(const unsigned short *)b].name);
}

static void sort_hooks(void)
{
    for (size_t i = 0; i < LM_HOOK_COUNT; i++)
        lm_hook_sorted[i] = (unsigned short)i;
    qsort(lm_hook_sorted, LM_HOOK_COUNT, sizeof(lm_hook_sorted[0]), by_name);
}

void *lowmap_gl_get_proc(const char *name)
{
    if (!name || name[0] != 'g' || name[1] != 'l')
        return NULL;
    pthread_once(&lm_hook_sorted_once, sort_hooks);
    size_t lo = 0, hi = LM_HOOK_COUNT;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2, i = lm_hook_sorted[mid];
        int cmp = strcmp(name, lm_hook_table[i].name);
        if (cmp < 0) {
            hi = mid;
            continue;
        }
        if (cmp > 0) {
            lo = mid + 1;
            continue;
        }
        /* A hook for a function the host lacks would call NULL: let the
         * front door answer as the host does.  The client-pointer entry
         * points are ours alone. */
        if (i != LM_HOST_glAddClientPointerRangeMESA &&
            i != LM_HOST_glReleaseClientPointerRangeMESA &&
            !lm_host((enum lm_host)i))
            return NULL;
        return lm_hook_table[i].hook;
    }
    return NULL;
}
