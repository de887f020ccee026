/*
 * Calls that change buffer bindings.  Each makes lm_bound_buffer() ask the
 * host again: the binding of the one target it knows may have changed.
 * Those are glBindBuffer, the indexed binds (which set the generic binding
 * too), glDeleteBuffers (which unbinds; buffers.c), and the client
 * attribute stack, which restores or resets the array, pixel pack and
 * pixel unpack bindings.  The element array and transform feedback
 * bindings, which vertex array and transform feedback objects also
 * change, are never kept (state.c).
 *
 * Bindings through which shaders write buffers: storage buffers, atomic
 * counters and images.  Once the app binds any of them, draws may write
 * buffer storage, so from then on every draw counts as a GL write for the
 * shadows kept across maps (lm_gl_writes, gl_private.h).  Nothing else
 * changes: each call goes to the host as it came.
 *
 * SPDX-License-Identifier: MIT
 */
#include "gl_private.h"

_Atomic bool lm_draws_write;

typedef void(APIENTRY *bind_fn)(GLenum, GLuint);
typedef void(APIENTRY *pop_fn)(void);
typedef void(APIENTRY *default_fn)(GLbitfield);
typedef void(APIENTRY *base_fn)(GLenum, GLuint, GLuint);
typedef void(APIENTRY *range_fn)(GLenum, GLuint, GLuint, GLintptr,
                                 GLsizeiptr);
typedef void(APIENTRY *buffers_base_fn)(GLenum, GLuint, GLsizei,
                                        const GLuint *);
typedef void(APIENTRY *buffers_range_fn)(GLenum, GLuint, GLsizei,
                                         const GLuint *, const GLintptr *,
                                         const GLsizeiptr *);
typedef void(APIENTRY *image_fn)(GLuint, GLuint, GLint, GLboolean, GLint,
                                 GLenum, GLenum);
typedef void(APIENTRY *images_fn)(GLuint, GLsizei, const GLuint *);

void lm_bindings_changed(void)
{
    struct lm_context *ctx = lm_current;

    if (ctx)
        ctx->bound.known = false;
}

void lm_bind_buffer(enum lm_host slot, GLenum target, GLuint buffer)
{
    lm_bindings_changed();
    ((bind_fn)lm_host(slot))(target, buffer);
}

void lm_pop_client_attrib(enum lm_host slot)
{
    lm_bindings_changed();
    ((pop_fn)lm_host(slot))();
}

void lm_client_attrib_default(enum lm_host slot, GLbitfield mask)
{
    lm_bindings_changed();
    ((default_fn)lm_host(slot))(mask);
}

static void shaders_write(void)
{
    if (!atomic_load_explicit(&lm_draws_write, memory_order_relaxed)) {
        atomic_store_explicit(&lm_draws_write, true, memory_order_relaxed);
        lm_log(LM_LOG_INFO, "gl: shaders may write buffers; draws now "
                            "count as buffer writes for kept shadows");
    }
}

static void note_target(GLenum target, bool bound)
{
    if (bound && (target == GL_SHADER_STORAGE_BUFFER ||
                  target == GL_ATOMIC_COUNTER_BUFFER ||
                  target == GL_TRANSFORM_FEEDBACK_BUFFER))
        shaders_write();
}

void lm_bind_buffer_base(enum lm_host slot, GLenum target, GLuint index,
                         GLuint buffer)
{
    lm_bindings_changed();
    note_target(target, buffer != 0);
    lm_order_note_binding(target, buffer);
    ((base_fn)lm_host(slot))(target, index, buffer);
}

void lm_bind_buffer_range(enum lm_host slot, GLenum target, GLuint index,
                          GLuint buffer, GLintptr offset, GLsizeiptr size)
{
    lm_bindings_changed();
    note_target(target, buffer != 0);
    lm_order_note_binding(target, buffer);
    ((range_fn)lm_host(slot))(target, index, buffer, offset, size);
}

void lm_bind_buffers(enum lm_host slot, GLenum target, GLuint first,
                     GLsizei count, const GLuint *buffers,
                     const GLintptr *offsets, const GLsizeiptr *sizes)
{
    lm_bindings_changed();
    /* A NULL list unbinds; the host checks the rest. */
    note_target(target, buffers && count > 0);
    for (GLsizei i = 0; buffers && i < count; i++)
        lm_order_note_binding(target, buffers[i]);
    if (slot == LM_HOST_glBindBuffersBase)
        ((buffers_base_fn)lm_host(slot))(target, first, count, buffers);
    else
        ((buffers_range_fn)lm_host(slot))(target, first, count, buffers,
                                          offsets, sizes);
}

void lm_bind_image_texture(enum lm_host slot, GLuint unit, GLuint texture,
                           GLint level, GLboolean layered, GLint layer,
                           GLenum access, GLenum format)
{
    /* A texture buffer bound as an image writes its buffer. */
    if (texture && access != GL_READ_ONLY)
        shaders_write();
    ((image_fn)lm_host(slot))(unit, texture, level, layered, layer, access,
                              format);
}

void lm_bind_image_textures(enum lm_host slot, GLuint first, GLsizei count,
                            const GLuint *textures)
{
    if (textures && count > 0)
        shaders_write();
    ((images_fn)lm_host(slot))(first, count, textures);
}
