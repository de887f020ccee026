/*
 * The one list of GL names the layer hooks.  Every other name goes straight
 * to the host (lowmap_gl_get_proc() returns NULL for it).
 *
 * HOOK(name, family): `name` is the GL entry point exactly as libglvnd asks
 * for it; `family` names the shared implementation (see families.h) and
 * fixes the C signature.  Each alias is a line of its own because
 * libGLdispatch asks for every alias separately, and because the hook must
 * call the host's function of the same name: a GLES host may implement only
 * glMapBufferOES, a desktop host only glMapBuffer.  Adding an alias is one
 * line here.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_GL_HOOKS_H
#define LOWMAP_GL_HOOKS_H

#define LOWMAP_GL_HOOKS(HOOK)                                                \
    HOOK(glMapBuffer, map_buffer)                                            \
    HOOK(glMapBufferARB, map_buffer)                                         \
    HOOK(glMapBufferOES, map_buffer)                                         \
    HOOK(glMapBufferRange, map_buffer_range)                                 \
    HOOK(glMapBufferRangeEXT, map_buffer_range)                              \
    HOOK(glMapNamedBuffer, map_named_buffer)                                 \
    HOOK(glMapNamedBufferEXT, map_named_buffer)                              \
    HOOK(glMapNamedBufferRange, map_named_buffer_range)                      \
    HOOK(glMapNamedBufferRangeEXT, map_named_buffer_range)                   \
    HOOK(glUnmapBuffer, unmap_buffer)                                        \
    HOOK(glUnmapBufferARB, unmap_buffer)                                     \
    HOOK(glUnmapBufferOES, unmap_buffer)                                     \
    HOOK(glUnmapNamedBuffer, unmap_named_buffer)                             \
    HOOK(glUnmapNamedBufferEXT, unmap_named_buffer)                          \
    HOOK(glFlushMappedBufferRange, flush_mapped_range)                       \
    HOOK(glFlushMappedBufferRangeEXT, flush_mapped_range)                    \
    HOOK(glFlushMappedBufferRangeAPPLE, flush_mapped_range)                  \
    HOOK(glFlushMappedNamedBufferRange, flush_mapped_named_range)            \
    HOOK(glFlushMappedNamedBufferRangeEXT, flush_mapped_named_range)         \
    HOOK(glGetBufferPointerv, get_buffer_pointer)                            \
    HOOK(glGetBufferPointervARB, get_buffer_pointer)                         \
    HOOK(glGetBufferPointervOES, get_buffer_pointer)                         \
    HOOK(glGetNamedBufferPointerv, get_named_buffer_pointer)                 \
    HOOK(glGetNamedBufferPointervEXT, get_named_buffer_pointer)              \
    HOOK(glBufferData, buffer_data)                                          \
    HOOK(glBufferDataARB, buffer_data)                                       \
    HOOK(glNamedBufferData, named_buffer_data)                               \
    HOOK(glNamedBufferDataEXT, named_buffer_data)                            \
    HOOK(glBufferStorage, buffer_storage)                                    \
    HOOK(glBufferStorageEXT, buffer_storage)                                 \
    HOOK(glNamedBufferStorage, named_buffer_storage)                         \
    HOOK(glNamedBufferStorageEXT, named_buffer_storage)                      \
    HOOK(glDeleteBuffers, delete_buffers)                                    \
    HOOK(glDeleteBuffersARB, delete_buffers)                                 \
    HOOK(glMapTexture2DINTEL, map_texture)                                   \
    HOOK(glUnmapTexture2DINTEL, unmap_texture)                               \
    HOOK(glGetString, get_string)                                            \
    HOOK(glGetStringi, get_stringi)                                          \
    HOOK(glGetIntegerv, get_integerv)                                        \
    HOOK(glGetBufferParameteriv, get_buffer_parameteriv)                     \
    HOOK(glGetBufferParameterivARB, get_buffer_parameteriv)                  \
    HOOK(glGetBufferParameteri64v, get_buffer_parameteri64v)                 \
    HOOK(glGetNamedBufferParameteriv, get_named_buffer_parameteriv)          \
    HOOK(glGetNamedBufferParameterivEXT, get_named_buffer_parameteriv)       \
    HOOK(glGetNamedBufferParameteri64v, get_named_buffer_parameteri64v)      \
    HOOK(glGetError, get_error)                                              \
    HOOK(glAddClientPointerRangeMESA, add_client_pointer_range)              \
    HOOK(glReleaseClientPointerRangeMESA, release_client_pointer_range)

/*
 * Host functions the layer calls but does not hook.  They share the lazy,
 * per-name resolution cache with the hooked names.
 */
#define LOWMAP_GL_HOST_ONLY(HOST)                                            \
    HOST(glBindBuffer)                                                       \
    HOST(glIsBuffer)                                                         \
    HOST(glFinish)                                                           \
    HOST(glFenceSync)                                                        \
    HOST(glClientWaitSync)                                                   \
    HOST(glDeleteSync)                                                       \
    HOST(glBindTexture)                                                      \
    HOST(glGetTexLevelParameteriv)                                           \
    HOST(glGetTextureLevelParameteriv)

#endif /* LOWMAP_GL_HOOKS_H */
