/*
 * GL_MESA_map_buffer_client_pointer (OpenGL registry extension #562) on any
 * host, plus the glGetError hook that reports the errors lowmap adds.
 *
 * The extension is advertised to desktop GL contexts of version 3.0 or with
 * ARB_map_buffer_range (its stated dependency); GLES contexts do not get it.
 * Donated ranges are global state, as the spec says: they feed liblowmap's
 * one arena, shared by every context and by the C API.
 *
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gl_private.h"

static bool advertised(struct lm_context *ctx)
{
    return ctx && lm_context_info(ctx)->client_pointer;
}

/*
 * glGetString(GL_EXTENSIONS) returns a string the app may keep: we cache
 * one extended copy per distinct host string.  There are a handful at most
 * (one per context flavour), and they live as long as the process, like
 * the host's own.
 */
struct ext_string {
    struct ext_string *next;
    const GLubyte *host;
    char text[];
};
static pthread_mutex_t ext_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ext_string *ext_strings;

static const GLubyte *extended(const GLubyte *host)
{
    struct ext_string *e;

    pthread_mutex_lock(&ext_lock);
    for (e = ext_strings; e; e = e->next) {
        if (e->host == host)
            break;
    }
    if (!e) {
        size_t len = strlen((const char *)host);
        e = malloc(sizeof(*e) + len + sizeof(" " LM_CLIENT_POINTER_EXT));
        if (e) {
            e->host = host;
            memcpy(e->text, host, len);
            /* Host lists end with or without a trailing space. */
            if (len && e->text[len - 1] != ' ')
                e->text[len++] = ' ';
            strcpy(e->text + len, LM_CLIENT_POINTER_EXT);
            e->next = ext_strings;
            ext_strings = e;
        }
    }
    pthread_mutex_unlock(&ext_lock);
    return e ? (const GLubyte *)e->text : host;
}

typedef const GLubyte *(APIENTRY *string_fn)(GLenum);
typedef const GLubyte *(APIENTRY *stringi_fn)(GLenum, GLuint);

const GLubyte *lm_get_string(enum lm_host slot, GLenum name)
{
    const GLubyte *s = ((string_fn)lm_host(slot))(name);
    if (name != GL_EXTENSIONS || !s || !advertised(lm_current))
        return s;
    return extended(s);
}

static GLint host_extension_count(void)
{
    GLint n = 0;
    LM_HOST_CALL(lm_get_integerv_fn, glGetIntegerv)(GL_NUM_EXTENSIONS, &n);
    return n;
}

const GLubyte *lm_get_stringi(enum lm_host slot, GLenum name, GLuint index)
{
    /* Ours is the last one, one past the host's list. */
    if (name == GL_EXTENSIONS && advertised(lm_current) &&
        index == (GLuint)host_extension_count())
        return (const GLubyte *)LM_CLIENT_POINTER_EXT;
    return ((stringi_fn)lm_host(slot))(name, index);
}

void lm_get_integerv(enum lm_host slot, GLenum pname, GLint *data)
{
    ((lm_get_integerv_fn)lm_host(slot))(pname, data);
    if (pname == GL_NUM_EXTENSIONS && data && advertised(lm_current))
        (*data)++;
}

GLenum lm_get_error(enum lm_host slot)
{
    struct lm_context *ctx = lm_current;
    if (ctx && ctx->error != GL_NO_ERROR) {
        GLenum error = ctx->error;
        ctx->error = GL_NO_ERROR;
        return error;
    }
    return ((lm_get_error_fn)lm_host(slot))();
}

/* GL_BUFFER_CLIENT_POINTER_SIZE_MESA for @name; false after recording the
 * error a bad target or name deserves. */
static bool client_size(struct lm_context *ctx, int64_t name, GLint64 *out)
{
    if (name < 0) {
        lm_set_error(ctx, GL_INVALID_ENUM);
        return false;
    }
    if (name == 0) {
        lm_set_error(ctx, GL_INVALID_OPERATION);
        return false;
    }
    *out = 0;
    lm_group_lock(ctx->group);
    struct lm_buffer *buf = lm_buffer_find(ctx->group, (GLuint)name);
    if (buf)
        *out = buf->client_size_needed;
    lm_group_unlock(ctx->group);
    return true;
}

static bool named_exists(GLuint name)
{
    lm_is_buffer_fn is_buffer = LM_HOST_CALL(lm_is_buffer_fn, glIsBuffer);
    return name && (!is_buffer || is_buffer(name));
}

void lm_get_buffer_parameteriv(enum lm_host slot, GLenum target,
                               GLenum pname, GLint *params)
{
    struct lm_context *ctx = lm_current;
    GLint64 v;

    if (lm_memobj_any() && ctx && params &&
        lm_memobj_param(ctx, lm_bound_buffer(target), pname, &v)) {
        *params = v > INT_MAX ? INT_MAX : (GLint)v;
        return;
    }
    if (pname != GL_BUFFER_CLIENT_POINTER_SIZE_MESA || !advertised(ctx)) {
        ((lm_get_buffer_parameteriv_fn)lm_host(slot))(target, pname, params);
        return;
    }
    if (client_size(ctx, lm_bound_buffer(target), &v) && params)
        *params = v > INT_MAX ? INT_MAX : (GLint)v;
}

void lm_get_buffer_parameteri64v(enum lm_host slot, GLenum target,
                                 GLenum pname, GLint64 *params)
{
    struct lm_context *ctx = lm_current;
    GLint64 v;

    if (lm_memobj_any() && ctx && params &&
        lm_memobj_param(ctx, lm_bound_buffer(target), pname, params))
        return;
    if (pname != GL_BUFFER_CLIENT_POINTER_SIZE_MESA || !advertised(ctx)) {
        ((lm_get_buffer_parameteri64v_fn)lm_host(slot))(target, pname,
                                                        params);
        return;
    }
    if (client_size(ctx, lm_bound_buffer(target), &v) && params)
        *params = v;
}

void lm_get_named_buffer_parameteriv(enum lm_host slot, GLuint buffer,
                                     GLenum pname, GLint *params)
{
    struct lm_context *ctx = lm_current;
    GLint64 v;

    if (lm_memobj_any() && ctx && params &&
        lm_memobj_param(ctx, buffer, pname, &v)) {
        *params = v > INT_MAX ? INT_MAX : (GLint)v;
        return;
    }
    if (pname != GL_BUFFER_CLIENT_POINTER_SIZE_MESA || !advertised(ctx)) {
        ((lm_get_named_buffer_parameteriv_fn)lm_host(slot))(buffer, pname,
                                                            params);
        return;
    }
    if (client_size(ctx, named_exists(buffer) ? buffer : 0, &v) && params)
        *params = v > INT_MAX ? INT_MAX : (GLint)v;
}

void lm_get_named_buffer_parameteri64v(enum lm_host slot, GLuint buffer,
                                       GLenum pname, GLint64 *params)
{
    struct lm_context *ctx = lm_current;
    GLint64 v;

    if (lm_memobj_any() && ctx && params &&
        lm_memobj_param(ctx, buffer, pname, params))
        return;
    if (pname != GL_BUFFER_CLIENT_POINTER_SIZE_MESA || !advertised(ctx)) {
        ((lm_get_named_buffer_parameteri64v_fn)lm_host(slot))(buffer, pname,
                                                              params);
        return;
    }
    if (client_size(ctx, named_exists(buffer) ? buffer : 0, &v) && params)
        *params = v;
}

void lm_add_client_pointer_range(enum lm_host slot, void *addr,
                                 GLsizeiptr size)
{
    (void)slot;
    if (size <= 0) {
        lm_set_error(lm_current, GL_INVALID_VALUE);
        return;
    }
    int err = lowmap_add_range(addr, (size_t)size);
    if (err) {
        lm_log(LM_LOG_WARN, "gl: glAddClientPointerRangeMESA(%p, %zu): %s",
               addr, (size_t)size, lowmap_strerror(err));
        lm_set_error(lm_current, err == LOWMAP_ENOMEM ? GL_OUT_OF_MEMORY
                                                      : GL_INVALID_VALUE);
        return;
    }
    lm_log(LM_LOG_INFO, "gl: client range %p + %zu bytes", addr,
           (size_t)size);
}

void *lm_release_client_pointer_range(enum lm_host slot, GLbitfield flags,
                                      GLsizeiptr *size)
{
    size_t got = 0;

    (void)slot;
    /* Views kept for fast re-mapping are no "mapped buffer": they must not
     * hold a range the app asks back. */
    lm_drop_all_kept();
    void *addr = lowmap_release_range(
        (flags & GL_CLIENT_POINTER_RELEASE_ALL_MESA) ? LOWMAP_RELEASE_ALL : 0,
        &got);
    if (size)
        *size = addr ? (GLsizeiptr)got : 0;
    return addr;
}
