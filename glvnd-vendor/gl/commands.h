/*
 * Wrapper shapes for the commands that may read or write buffer storage
 * (draws, dispatches, copies, pixel transfers that may use a PBO, buffer
 * updates): each publishes the client's writes to coherent persistent
 * shadows (lm_before_command(), one predictable branch while none is
 * live), then calls the host's function of the same name.  Included by
 * hooks.c only; the names using each shape are listed in hooks.h.
 *
 * GLenum and GLuint are the same C type, so one shape serves a target-based
 * command and its texture-name (direct state access) twin.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_GL_COMMANDS_H
#define LOWMAP_GL_COMMANDS_H

#define LM_COMMAND(n, params, args)                                          \
    static void APIENTRY hook_##n params                                     \
    {                                                                        \
        lm_before_draw();                                                    \
        ((void(APIENTRY *) params)lm_host(LM_HOST_##n)) args;                \
    }

/* Commands whose purpose is to write buffer storage (copies, updates,
 * pixel packs, dispatches, transform feedback): they also tell persist.c
 * that write-only persistent maps may need a refresh. */
#define LM_WRITER(n, params, args)                                           \
    static void APIENTRY hook_##n params                                     \
    {                                                                        \
        lm_before_writer();                                                  \
        ((void(APIENTRY *) params)lm_host(LM_HOST_##n)) args;                \
    }

/* Commands on the buffer their first argument names (a target, or a
 * buffer for the direct state access twins): ordered with the draws
 * before them (order.c), then as LM_WRITER. */
#define LM_BUFFER_WRITER(n, params, args, first)                             \
    static void APIENTRY hook_##n params                                     \
    {                                                                        \
        lm_order_buffer(LM_HOST_##n, first);                                 \
        lm_before_writer();                                                  \
        ((void(APIENTRY *) params)lm_host(LM_HOST_##n)) args;                \
    }

/* Draws. */
#define LM_WRAP_draw_arrays(n)                                               \
    LM_COMMAND(n, (GLenum m, GLint f, GLsizei c), (m, f, c))
#define LM_WRAP_draw_arrays_instanced(n)                                     \
    LM_COMMAND(n, (GLenum m, GLint f, GLsizei c, GLsizei i), (m, f, c, i))
#define LM_WRAP_draw_arrays_instanced_bi(n)                                  \
    LM_COMMAND(n, (GLenum m, GLint f, GLsizei c, GLsizei i, GLuint b),       \
               (m, f, c, i, b))
#define LM_WRAP_draw_arrays_indirect(n)                                      \
    LM_COMMAND(n, (GLenum m, const void *p), (m, p))
#define LM_WRAP_multi_draw_arrays(n)                                         \
    LM_COMMAND(n, (GLenum m, const GLint *f, const GLsizei *c, GLsizei d),   \
               (m, f, c, d))
#define LM_WRAP_multi_draw_arrays_indirect(n)                                \
    LM_COMMAND(n, (GLenum m, const void *p, GLsizei d, GLsizei s),           \
               (m, p, d, s))
#define LM_WRAP_multi_draw_arrays_indirect_count(n)                          \
    LM_COMMAND(n, (GLenum m, const void *p, GLintptr c, GLsizei d,           \
                   GLsizei s), (m, p, c, d, s))
#define LM_WRAP_draw_elements(n)                                             \
    LM_COMMAND(n, (GLenum m, GLsizei c, GLenum t, const void *p),            \
               (m, c, t, p))
#define LM_WRAP_draw_elements_instanced(n)                                   \
    LM_COMMAND(n, (GLenum m, GLsizei c, GLenum t, const void *p, GLsizei i), \
               (m, c, t, p, i))
#define LM_WRAP_draw_elements_bv(n)                                          \
    LM_COMMAND(n, (GLenum m, GLsizei c, GLenum t, const void *p, GLint v),   \
               (m, c, t, p, v))
#define LM_WRAP_draw_elements_instanced_bv(n)                                \
    LM_COMMAND(n, (GLenum m, GLsizei c, GLenum t, const void *p, GLsizei i,  \
                   GLint v), (m, c, t, p, i, v))
#define LM_WRAP_draw_elements_instanced_bi(n)                                \
    LM_COMMAND(n, (GLenum m, GLsizei c, GLenum t, const void *p, GLsizei i,  \
                   GLuint b), (m, c, t, p, i, b))
#define LM_WRAP_draw_elements_instanced_bv_bi(n)                             \
    LM_COMMAND(n, (GLenum m, GLsizei c, GLenum t, const void *p, GLsizei i,  \
                   GLint v, GLuint b), (m, c, t, p, i, v, b))
#define LM_WRAP_draw_range_elements(n)                                       \
    LM_COMMAND(n, (GLenum m, GLuint s, GLuint e, GLsizei c, GLenum t,        \
                   const void *p), (m, s, e, c, t, p))
#define LM_WRAP_draw_range_elements_bv(n)                                    \
    LM_COMMAND(n, (GLenum m, GLuint s, GLuint e, GLsizei c, GLenum t,        \
                   const void *p, GLint v), (m, s, e, c, t, p, v))
#define LM_WRAP_draw_elements_indirect(n)                                    \
    LM_COMMAND(n, (GLenum m, GLenum t, const void *p), (m, t, p))
#define LM_WRAP_multi_draw_elements(n)                                       \
    LM_COMMAND(n, (GLenum m, const GLsizei *c, GLenum t,                     \
                   const void *const *p, GLsizei d), (m, c, t, p, d))
#define LM_WRAP_multi_draw_elements_bv(n)                                    \
    LM_COMMAND(n, (GLenum m, const GLsizei *c, GLenum t,                     \
                   const void *const *p, GLsizei d, const GLint *v),         \
               (m, c, t, p, d, v))
#define LM_WRAP_multi_draw_elements_indirect(n)                              \
    LM_COMMAND(n, (GLenum m, GLenum t, const void *p, GLsizei d, GLsizei s), \
               (m, t, p, d, s))
#define LM_WRAP_multi_draw_elements_indirect_count(n)                        \
    LM_COMMAND(n, (GLenum m, GLenum t, const void *p, GLintptr c, GLsizei d, \
                   GLsizei s), (m, t, p, c, d, s))
#define LM_WRAP_draw_xfb(n)                                                  \
    LM_COMMAND(n, (GLenum m, GLuint x), (m, x))
#define LM_WRAP_draw_xfb_stream(n)                                           \
    LM_COMMAND(n, (GLenum m, GLuint x, GLuint s), (m, x, s))
#define LM_WRAP_draw_xfb_instanced(n)                                        \
    LM_COMMAND(n, (GLenum m, GLuint x, GLsizei i), (m, x, i))
#define LM_WRAP_draw_xfb_stream_instanced(n)                                 \
    LM_COMMAND(n, (GLenum m, GLuint x, GLuint s, GLsizei i), (m, x, s, i))
#define LM_WRAP_begin_xfb(n)                                                 \
    static void APIENTRY hook_##n(GLenum m)                                  \
    {                                                                        \
        atomic_store_explicit(&lm_draws_write, true, memory_order_relaxed);  \
        lm_before_writer();                                                  \
        ((void(APIENTRY *)(GLenum))lm_host(LM_HOST_##n))(m);                 \
    }
#define LM_WRAP_array_element(n)                                             \
    LM_COMMAND(n, (GLint i), (i))

/* Compute. */
#define LM_WRAP_dispatch(n)                                                  \
    LM_WRITER(n, (GLuint x, GLuint y, GLuint z), (x, y, z))
#define LM_WRAP_dispatch_indirect(n)                                         \
    LM_WRITER(n, (GLintptr p), (p))
#define LM_WRAP_dispatch_group_size(n)                                       \
    LM_WRITER(n, (GLuint x, GLuint y, GLuint z, GLuint a, GLuint b,         \
                   GLuint c), (x, y, z, a, b, c))

/* Buffer to buffer, and buffer updates (the GL writes the storage: client
 * pages still unpublished there must reach it first). */
#define LM_WRAP_copy_buffer(n)                                               \
    static void APIENTRY hook_##n(GLenum r, GLenum w, GLintptr ro,           \
                                  GLintptr wo, GLsizeiptr s)                 \
    {                                                                        \
        lm_order_buffer(LM_HOST_##n, r);                                     \
        lm_order_buffer(LM_HOST_##n, w);                                     \
        lm_before_writer();                                                  \
        ((void(APIENTRY *)(GLenum, GLenum, GLintptr, GLintptr, GLsizeiptr))  \
             lm_host(LM_HOST_##n))(r, w, ro, wo, s);                         \
    }
#define LM_WRAP_buffer_sub_data(n)                                           \
    LM_BUFFER_WRITER(n, (GLenum t, GLintptr o, GLsizeiptr s, const void *d),\
                     (t, o, s, d), t)
#define LM_WRAP_clear_buffer_data(n)                                         \
    LM_BUFFER_WRITER(n, (GLenum t, GLenum i, GLenum f, GLenum y,            \
                         const void *d), (t, i, f, y, d), t)
#define LM_WRAP_clear_buffer_sub_data(n)                                     \
    LM_BUFFER_WRITER(n, (GLenum t, GLenum i, GLintptr o, GLsizeiptr s,      \
                         GLenum f, GLenum y, const void *d),                \
                     (t, i, o, s, f, y, d), t)
#define LM_WRAP_query_buffer_object(n)                                       \
    LM_WRITER(n, (GLuint q, GLuint b, GLenum p, GLintptr o), (q, b, p, o))

/* Pixel transfers that read from a bound GL_PIXEL_UNPACK_BUFFER. */
#define LM_WRAP_tex_image_1d(n)                                              \
    LM_COMMAND(n, (GLenum t, GLint l, GLint i, GLsizei w, GLint b, GLenum f, \
                   GLenum y, const void *p), (t, l, i, w, b, f, y, p))
#define LM_WRAP_tex_image_2d(n)                                              \
    LM_COMMAND(n, (GLenum t, GLint l, GLint i, GLsizei w, GLsizei h,         \
                   GLint b, GLenum f, GLenum y, const void *p),              \
               (t, l, i, w, h, b, f, y, p))
#define LM_WRAP_tex_image_3d(n)                                              \
    LM_COMMAND(n, (GLenum t, GLint l, GLint i, GLsizei w, GLsizei h,         \
                   GLsizei d, GLint b, GLenum f, GLenum y, const void *p),   \
               (t, l, i, w, h, d, b, f, y, p))
#define LM_WRAP_tex_sub_image_1d(n)                                          \
    LM_COMMAND(n, (GLenum t, GLint l, GLint x, GLsizei w, GLenum f,          \
                   GLenum y, const void *p), (t, l, x, w, f, y, p))
#define LM_WRAP_tex_sub_image_2d(n)                                          \
    LM_COMMAND(n, (GLenum t, GLint l, GLint x, GLint z, GLsizei w,           \
                   GLsizei h, GLenum f, GLenum y, const void *p),            \
               (t, l, x, z, w, h, f, y, p))
#define LM_WRAP_tex_sub_image_3d(n)                                          \
    LM_COMMAND(n, (GLenum t, GLint l, GLint x, GLint z, GLint u, GLsizei w,  \
                   GLsizei h, GLsizei d, GLenum f, GLenum y, const void *p), \
               (t, l, x, z, u, w, h, d, f, y, p))
#define LM_WRAP_compressed_tex_image_1d(n)                                   \
    LM_COMMAND(n, (GLenum t, GLint l, GLenum i, GLsizei w, GLint b,          \
                   GLsizei s, const void *p), (t, l, i, w, b, s, p))
#define LM_WRAP_compressed_tex_image_2d(n)                                   \
    LM_COMMAND(n, (GLenum t, GLint l, GLenum i, GLsizei w, GLsizei h,        \
                   GLint b, GLsizei s, const void *p),                       \
               (t, l, i, w, h, b, s, p))
#define LM_WRAP_compressed_tex_image_3d(n)                                   \
    LM_COMMAND(n, (GLenum t, GLint l, GLenum i, GLsizei w, GLsizei h,        \
                   GLsizei d, GLint b, GLsizei s, const void *p),            \
               (t, l, i, w, h, d, b, s, p))
#define LM_WRAP_compressed_tex_sub_image_1d(n)                               \
    LM_COMMAND(n, (GLenum t, GLint l, GLint x, GLsizei w, GLenum f,          \
                   GLsizei s, const void *p), (t, l, x, w, f, s, p))
#define LM_WRAP_compressed_tex_sub_image_2d(n)                               \
    LM_COMMAND(n, (GLenum t, GLint l, GLint x, GLint z, GLsizei w,           \
                   GLsizei h, GLenum f, GLsizei s, const void *p),           \
               (t, l, x, z, w, h, f, s, p))
#define LM_WRAP_compressed_tex_sub_image_3d(n)                               \
    LM_COMMAND(n, (GLenum t, GLint l, GLint x, GLint z, GLint u, GLsizei w,  \
                   GLsizei h, GLsizei d, GLenum f, GLsizei s, const void *p),\
               (t, l, x, z, u, w, h, d, f, s, p))
#define LM_WRAP_draw_pixels(n)                                               \
    LM_COMMAND(n, (GLsizei w, GLsizei h, GLenum f, GLenum y, const void *p), \
               (w, h, f, y, p))

/* Pixel transfers that write into a bound GL_PIXEL_PACK_BUFFER. */
#define LM_WRAP_read_pixels(n)                                               \
    LM_WRITER(n, (GLint x, GLint y, GLsizei w, GLsizei h, GLenum f,         \
                   GLenum t, void *p), (x, y, w, h, f, t, p))
#define LM_WRAP_readn_pixels(n)                                              \
    LM_WRITER(n, (GLint x, GLint y, GLsizei w, GLsizei h, GLenum f,         \
                   GLenum t, GLsizei b, void *p), (x, y, w, h, f, t, b, p))
#define LM_WRAP_get_tex_image(n)                                             \
    LM_WRITER(n, (GLenum t, GLint l, GLenum f, GLenum y, void *p),          \
               (t, l, f, y, p))
#define LM_WRAP_getn_tex_image(n)                                            \
    LM_WRITER(n, (GLenum t, GLint l, GLenum f, GLenum y, GLsizei b,         \
                   void *p), (t, l, f, y, b, p))
#define LM_WRAP_get_compressed_tex_image(n)                                  \
    LM_WRITER(n, (GLenum t, GLint l, void *p), (t, l, p))
#define LM_WRAP_getn_compressed_tex_image(n)                                 \
    LM_WRITER(n, (GLenum t, GLint l, GLsizei b, void *p), (t, l, b, p))
#define LM_WRAP_get_texture_sub_image(n)                                     \
    LM_WRITER(n, (GLuint t, GLint l, GLint x, GLint y, GLint z, GLsizei w,  \
                   GLsizei h, GLsizei d, GLenum f, GLenum e, GLsizei b,      \
                   void *p), (t, l, x, y, z, w, h, d, f, e, b, p))
#define LM_WRAP_get_compressed_texture_sub_image(n)                          \
    LM_WRITER(n, (GLuint t, GLint l, GLint x, GLint y, GLint z, GLsizei w,  \
                   GLsizei h, GLsizei d, GLsizei b, void *p),                \
               (t, l, x, y, z, w, h, d, b, p))

/* A server-side wait: commands after it may read. */
#define LM_WRAP_wait_sync(n)                                                 \
    LM_COMMAND(n, (GLsync s, GLbitfield f, GLuint64 t), (s, f, t))

/* Synchronisation points with work of their own (persist.c). */
#define LM_WRAP_finish(n)                                                    \
    static void APIENTRY hook_##n(void) { lm_finish(LM_HOST_##n); }
#define LM_WRAP_client_wait_sync(n)                                          \
    static GLenum APIENTRY hook_##n(GLsync s, GLbitfield f, GLuint64 t)      \
    { return lm_client_wait_sync(LM_HOST_##n, s, f, t); }
#define LM_WRAP_get_synciv(n)                                                \
    static void APIENTRY hook_##n(GLsync s, GLenum p, GLsizei c, GLsizei *l, \
                                  GLint *v)                                  \
    { lm_get_synciv(LM_HOST_##n, s, p, c, l, v); }
#define LM_WRAP_memory_barrier(n)                                            \
    static void APIENTRY hook_##n(GLbitfield b)                              \
    { lm_memory_barrier(LM_HOST_##n, b); }
#define LM_WRAP_get_buffer_sub_data(n)                                       \
    static void APIENTRY hook_##n(GLenum t, GLintptr o, GLsizeiptr s,        \
                                  void *d)                                   \
    { lm_get_buffer_sub_data(LM_HOST_##n, t, o, s, d); }
#define LM_WRAP_get_named_buffer_sub_data(n)                                 \
    static void APIENTRY hook_##n(GLuint b, GLintptr o, GLsizeiptr s,        \
                                  void *d)                                   \
    { lm_get_named_buffer_sub_data(LM_HOST_##n, b, o, s, d); }

#endif /* LOWMAP_GL_COMMANDS_H */
