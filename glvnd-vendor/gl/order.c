/*
 * Ordering of placed storage buffers with the draws that use them.
 *
 * llvmpipe runs fragment shaders after the draw call has returned.  Before
 * a buffer is written or read through the GL (glBufferSubData, a clear, a
 * copy, glGetBufferSubData, a synchronised map) it waits for the queued
 * draws that use the buffer, but it does not see a buffer with user memory
 * (GL_AMD_pinned_memory, which is what placed storage is) bound as a
 * shader storage or atomic counter buffer: the earlier draw then reads the
 * new bytes, or the reader misses the shader's writes.  So on a software
 * rasterizer lowmap waits itself: before such a command touches a placed
 * buffer that has been bound as a storage buffer, it calls glFinish if a
 * draw was issued since this context last waited.
 *
 * Cost: nothing until a buffer is bound as a storage buffer in a software
 * context; then one counter per draw, and per buffer command a binding
 * query and a lookup.
 *
 * SPDX-License-Identifier: MIT
 */
#include "gl_private.h"

_Atomic bool lm_storage_bound;
_Atomic unsigned lm_gl_draws;

void lm_order_note_binding(GLenum target, GLuint buffer)
{
    struct lm_context *ctx = lm_current;
    struct lm_buffer *buf;

    if (!buffer || !ctx ||
        (target != GL_SHADER_STORAGE_BUFFER &&
         target != GL_ATOMIC_COUNTER_BUFFER) ||
        !lm_context_info(ctx)->software)
        return;
    /* Storage may come later: remember the binding of any buffer, but
     * track no name the host will refuse. */
    lm_group_lock(ctx->group);
    buf = lm_buffer_find(ctx->group, buffer);
    lm_group_unlock(ctx->group);
    if (!buf) {
        lm_is_buffer_fn is_buffer = LM_HOST_CALL(lm_is_buffer_fn, glIsBuffer);
        if (!is_buffer || !is_buffer(buffer))
            return;
    }
    lm_group_lock(ctx->group);
    if ((buf = lm_buffer_get(ctx->group, buffer)) != NULL)
        buf->shader_storage = true;
    lm_group_unlock(ctx->group);
    if (!atomic_exchange_explicit(&lm_storage_bound, true,
                                  memory_order_relaxed))
        lm_log(LM_LOG_INFO, "gl: storage buffers bound on a software "
                            "rasterizer; commands on placed ones wait for "
                            "the draws before them");
}

bool lm_slot_names_buffer(enum lm_host slot)
{
    switch (slot) {
    case LM_HOST_glNamedBufferSubData:
    case LM_HOST_glNamedBufferSubDataEXT:
    case LM_HOST_glClearNamedBufferData:
    case LM_HOST_glClearNamedBufferDataEXT:
    case LM_HOST_glClearNamedBufferSubData:
    case LM_HOST_glClearNamedBufferSubDataEXT:
    case LM_HOST_glCopyNamedBufferSubData:
    case LM_HOST_glNamedCopyBufferSubDataEXT:
    case LM_HOST_glGetNamedBufferSubData:
    case LM_HOST_glGetNamedBufferSubDataEXT:
    case LM_HOST_glMapNamedBuffer:
    case LM_HOST_glMapNamedBufferEXT:
    case LM_HOST_glMapNamedBufferRange:
    case LM_HOST_glMapNamedBufferRangeEXT:
        return true;
    default:
        return false;
    }
}

void lm_order_slow(enum lm_host slot, GLuint target_or_name)
{
    struct lm_context *ctx = lm_current;
    unsigned draws = atomic_load_explicit(&lm_gl_draws, memory_order_relaxed);

    if (!ctx || ctx->ordered_draws == draws)
        return;
    lm_order_name_slow(lm_slot_names_buffer(slot)
                           ? (int64_t)target_or_name
                           : lm_bound_buffer(target_or_name));
}

void lm_order_name_slow(int64_t name)
{
    struct lm_context *ctx = lm_current;
    unsigned draws = atomic_load_explicit(&lm_gl_draws, memory_order_relaxed);
    struct lm_buffer *buf;
    bool wait;

    if (!ctx || ctx->ordered_draws == draws || name <= 0)
        return;
    lm_group_lock(ctx->group);
    buf = lm_buffer_find(ctx->group, (GLuint)name);
    wait = buf && buf->placed && buf->shader_storage;
    lm_group_unlock(ctx->group);
    if (!wait)
        return;
    LM_HOST_CALL(lm_finish_fn, glFinish)();
    ctx->ordered_draws = draws;
}
