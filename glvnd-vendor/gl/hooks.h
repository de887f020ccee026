/*
 * The one list of GL names the layer hooks.  Every other name goes straight
 * to the host (lowmap_gl_get_proc() returns NULL for it).
 *
 * HOOK(name, family): `name` is the GL entry point exactly as libglvnd asks
 * for it; `family` names the shared implementation (hooks.c, commands.h) and
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
    HOOK(glBindBuffer, bind_buffer)                                          \
    HOOK(glBindBufferARB, bind_buffer)                                       \
    HOOK(glPopClientAttrib, pop_client_attrib)                               \
    HOOK(glClientAttribDefaultEXT, client_attrib_default)                    \
    HOOK(glPushClientAttribDefaultEXT, client_attrib_default)                \
    HOOK(glBindBufferBase, bind_buffer_base)                                 \
    HOOK(glBindBufferRange, bind_buffer_range)                               \
    HOOK(glBindBuffersBase, bind_buffers_base)                               \
    HOOK(glBindBuffersRange, bind_buffers_range)                             \
    HOOK(glBindImageTexture, bind_image_texture)                             \
    HOOK(glBindImageTextureEXT, bind_image_texture)                          \
    HOOK(glBindImageTextures, bind_image_textures)                           \
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
    HOOK(glReleaseClientPointerRangeMESA, release_client_pointer_range)      \
    LOWMAP_GL_COMMAND_HOOKS(HOOK)

/*
 * Commands that may read or write buffer storage, and the points where the
 * client waits for the GL: hooked so that persistent maps on the shadow
 * path stay in step with the GL (persist.c).  Each costs one predictable
 * branch while no persistent shadow is live.
 */
#define LOWMAP_GL_COMMAND_HOOKS(HOOK)                                        \
    HOOK(glDrawArrays, draw_arrays)                                          \
    HOOK(glDrawArraysEXT, draw_arrays)                                       \
    HOOK(glDrawArraysInstanced, draw_arrays_instanced)                       \
    HOOK(glDrawArraysInstancedARB, draw_arrays_instanced)                    \
    HOOK(glDrawArraysInstancedEXT, draw_arrays_instanced)                    \
    HOOK(glDrawArraysInstancedANGLE, draw_arrays_instanced)                  \
    HOOK(glDrawArraysInstancedNV, draw_arrays_instanced)                     \
    HOOK(glDrawArraysInstancedBaseInstance, draw_arrays_instanced_bi)        \
    HOOK(glDrawArraysInstancedBaseInstanceEXT, draw_arrays_instanced_bi)     \
    HOOK(glDrawArraysIndirect, draw_arrays_indirect)                         \
    HOOK(glMultiDrawArrays, multi_draw_arrays)                               \
    HOOK(glMultiDrawArraysEXT, multi_draw_arrays)                            \
    HOOK(glMultiDrawArraysIndirect, multi_draw_arrays_indirect)              \
    HOOK(glMultiDrawArraysIndirectAMD, multi_draw_arrays_indirect)           \
    HOOK(glMultiDrawArraysIndirectEXT, multi_draw_arrays_indirect)           \
    HOOK(glMultiDrawArraysIndirectCount, multi_draw_arrays_indirect_count)   \
    HOOK(glMultiDrawArraysIndirectCountARB, multi_draw_arrays_indirect_count)\
    HOOK(glDrawElements, draw_elements)                                      \
    HOOK(glDrawElementsInstanced, draw_elements_instanced)                   \
    HOOK(glDrawElementsInstancedARB, draw_elements_instanced)                \
    HOOK(glDrawElementsInstancedEXT, draw_elements_instanced)                \
    HOOK(glDrawElementsInstancedANGLE, draw_elements_instanced)              \
    HOOK(glDrawElementsInstancedNV, draw_elements_instanced)                 \
    HOOK(glDrawElementsBaseVertex, draw_elements_bv)                         \
    HOOK(glDrawElementsBaseVertexEXT, draw_elements_bv)                      \
    HOOK(glDrawElementsBaseVertexOES, draw_elements_bv)                      \
    HOOK(glDrawElementsInstancedBaseVertex, draw_elements_instanced_bv)      \
    HOOK(glDrawElementsInstancedBaseVertexEXT, draw_elements_instanced_bv)   \
    HOOK(glDrawElementsInstancedBaseVertexOES, draw_elements_instanced_bv)   \
    HOOK(glDrawElementsInstancedBaseInstance, draw_elements_instanced_bi)    \
    HOOK(glDrawElementsInstancedBaseInstanceEXT, draw_elements_instanced_bi) \
    HOOK(glDrawElementsInstancedBaseVertexBaseInstance, draw_elements_instanced_bv_bi)\
    HOOK(glDrawElementsInstancedBaseVertexBaseInstanceEXT, draw_elements_instanced_bv_bi)\
    HOOK(glDrawRangeElements, draw_range_elements)                           \
    HOOK(glDrawRangeElementsEXT, draw_range_elements)                        \
    HOOK(glDrawRangeElementsBaseVertex, draw_range_elements_bv)              \
    HOOK(glDrawRangeElementsBaseVertexEXT, draw_range_elements_bv)           \
    HOOK(glDrawRangeElementsBaseVertexOES, draw_range_elements_bv)           \
    HOOK(glDrawElementsIndirect, draw_elements_indirect)                     \
    HOOK(glMultiDrawElements, multi_draw_elements)                           \
    HOOK(glMultiDrawElementsEXT, multi_draw_elements)                        \
    HOOK(glMultiDrawElementsBaseVertex, multi_draw_elements_bv)              \
    HOOK(glMultiDrawElementsBaseVertexEXT, multi_draw_elements_bv)           \
    HOOK(glMultiDrawElementsIndirect, multi_draw_elements_indirect)          \
    HOOK(glMultiDrawElementsIndirectAMD, multi_draw_elements_indirect)       \
    HOOK(glMultiDrawElementsIndirectEXT, multi_draw_elements_indirect)       \
    HOOK(glMultiDrawElementsIndirectCount, multi_draw_elements_indirect_count)\
    HOOK(glMultiDrawElementsIndirectCountARB, multi_draw_elements_indirect_count)\
    HOOK(glDrawTransformFeedback, draw_xfb)                                  \
    HOOK(glDrawTransformFeedbackNV, draw_xfb)                                \
    HOOK(glDrawTransformFeedbackStream, draw_xfb_stream)                     \
    HOOK(glDrawTransformFeedbackInstanced, draw_xfb_instanced)               \
    HOOK(glDrawTransformFeedbackStreamInstanced, draw_xfb_stream_instanced)  \
    HOOK(glBeginTransformFeedback, begin_xfb)                                \
    HOOK(glBeginTransformFeedbackEXT, begin_xfb)                             \
    HOOK(glArrayElement, array_element)                                      \
    HOOK(glArrayElementEXT, array_element)                                   \
    HOOK(glDispatchCompute, dispatch)                                        \
    HOOK(glDispatchComputeIndirect, dispatch_indirect)                       \
    HOOK(glDispatchComputeGroupSizeARB, dispatch_group_size)                 \
    HOOK(glCopyBufferSubData, copy_buffer)                                   \
    HOOK(glCopyBufferSubDataNV, copy_buffer)                                 \
    HOOK(glCopyNamedBufferSubData, copy_buffer)                              \
    HOOK(glNamedCopyBufferSubDataEXT, copy_buffer)                           \
    HOOK(glBufferSubData, buffer_sub_data)                                   \
    HOOK(glBufferSubDataARB, buffer_sub_data)                                \
    HOOK(glNamedBufferSubData, buffer_sub_data)                              \
    HOOK(glNamedBufferSubDataEXT, buffer_sub_data)                           \
    HOOK(glClearBufferData, clear_buffer_data)                               \
    HOOK(glClearNamedBufferData, clear_buffer_data)                          \
    HOOK(glClearNamedBufferDataEXT, clear_buffer_data)                       \
    HOOK(glClearBufferSubData, clear_buffer_sub_data)                        \
    HOOK(glClearNamedBufferSubData, clear_buffer_sub_data)                   \
    HOOK(glClearNamedBufferSubDataEXT, clear_buffer_sub_data)                \
    HOOK(glGetQueryBufferObjecti64v, query_buffer_object)                    \
    HOOK(glGetQueryBufferObjectiv, query_buffer_object)                      \
    HOOK(glGetQueryBufferObjectui64v, query_buffer_object)                   \
    HOOK(glGetQueryBufferObjectuiv, query_buffer_object)                     \
    HOOK(glTexImage1D, tex_image_1d)                                         \
    HOOK(glTexImage2D, tex_image_2d)                                         \
    HOOK(glTexImage3D, tex_image_3d)                                         \
    HOOK(glTexImage3DEXT, tex_image_3d)                                      \
    HOOK(glTexImage3DOES, tex_image_3d)                                      \
    HOOK(glTexSubImage1D, tex_sub_image_1d)                                  \
    HOOK(glTexSubImage1DEXT, tex_sub_image_1d)                               \
    HOOK(glTextureSubImage1D, tex_sub_image_1d)                              \
    HOOK(glTexSubImage2D, tex_sub_image_2d)                                  \
    HOOK(glTexSubImage2DEXT, tex_sub_image_2d)                               \
    HOOK(glTextureSubImage2D, tex_sub_image_2d)                              \
    HOOK(glTexSubImage3D, tex_sub_image_3d)                                  \
    HOOK(glTexSubImage3DEXT, tex_sub_image_3d)                               \
    HOOK(glTexSubImage3DOES, tex_sub_image_3d)                               \
    HOOK(glTextureSubImage3D, tex_sub_image_3d)                              \
    HOOK(glCompressedTexImage1D, compressed_tex_image_1d)                    \
    HOOK(glCompressedTexImage1DARB, compressed_tex_image_1d)                 \
    HOOK(glCompressedTexImage2D, compressed_tex_image_2d)                    \
    HOOK(glCompressedTexImage2DARB, compressed_tex_image_2d)                 \
    HOOK(glCompressedTexImage3D, compressed_tex_image_3d)                    \
    HOOK(glCompressedTexImage3DARB, compressed_tex_image_3d)                 \
    HOOK(glCompressedTexImage3DOES, compressed_tex_image_3d)                 \
    HOOK(glCompressedTexSubImage1D, compressed_tex_sub_image_1d)             \
    HOOK(glCompressedTexSubImage1DARB, compressed_tex_sub_image_1d)          \
    HOOK(glCompressedTextureSubImage1D, compressed_tex_sub_image_1d)         \
    HOOK(glCompressedTexSubImage2D, compressed_tex_sub_image_2d)             \
    HOOK(glCompressedTexSubImage2DARB, compressed_tex_sub_image_2d)          \
    HOOK(glCompressedTextureSubImage2D, compressed_tex_sub_image_2d)         \
    HOOK(glCompressedTexSubImage3D, compressed_tex_sub_image_3d)             \
    HOOK(glCompressedTexSubImage3DARB, compressed_tex_sub_image_3d)          \
    HOOK(glCompressedTexSubImage3DOES, compressed_tex_sub_image_3d)          \
    HOOK(glCompressedTextureSubImage3D, compressed_tex_sub_image_3d)         \
    HOOK(glDrawPixels, draw_pixels)                                          \
    HOOK(glReadPixels, read_pixels)                                          \
    HOOK(glReadnPixels, readn_pixels)                                        \
    HOOK(glReadnPixelsARB, readn_pixels)                                     \
    HOOK(glReadnPixelsEXT, readn_pixels)                                     \
    HOOK(glReadnPixelsKHR, readn_pixels)                                     \
    HOOK(glGetTexImage, get_tex_image)                                       \
    HOOK(glGetnTexImage, getn_tex_image)                                     \
    HOOK(glGetnTexImageARB, getn_tex_image)                                  \
    HOOK(glGetTextureImage, getn_tex_image)                                  \
    HOOK(glGetCompressedTexImage, get_compressed_tex_image)                  \
    HOOK(glGetCompressedTexImageARB, get_compressed_tex_image)               \
    HOOK(glGetnCompressedTexImage, getn_compressed_tex_image)                \
    HOOK(glGetnCompressedTexImageARB, getn_compressed_tex_image)             \
    HOOK(glGetCompressedTextureImage, getn_compressed_tex_image)             \
    HOOK(glGetTextureSubImage, get_texture_sub_image)                        \
    HOOK(glGetCompressedTextureSubImage, get_compressed_texture_sub_image)   \
    HOOK(glWaitSync, wait_sync)                                              \
    HOOK(glWaitSyncAPPLE, wait_sync)                                         \
    HOOK(glFinish, finish)                                                   \
    HOOK(glClientWaitSync, client_wait_sync)                                 \
    HOOK(glClientWaitSyncAPPLE, client_wait_sync)                            \
    HOOK(glGetSynciv, get_synciv)                                            \
    HOOK(glGetSyncivAPPLE, get_synciv)                                       \
    HOOK(glMemoryBarrier, memory_barrier)                                    \
    HOOK(glMemoryBarrierEXT, memory_barrier)                                 \
    HOOK(glGetBufferSubData, get_buffer_sub_data)                            \
    HOOK(glGetBufferSubDataARB, get_buffer_sub_data)                         \
    HOOK(glGetNamedBufferSubData, get_named_buffer_sub_data)                 \
    HOOK(glGetNamedBufferSubDataEXT, get_named_buffer_sub_data)

/*
 * Host functions the layer calls but does not hook.  They share the lazy,
 * per-name resolution cache with the hooked names.
 */
#define LOWMAP_GL_HOST_ONLY(HOST)                                            \
    HOST(glIsBuffer)                                                         \
    HOST(glCreateBuffers)                                                    \
    HOST(glFenceSync)                                                        \
    HOST(glDeleteSync)                                                       \
    HOST(glBindTexture)                                                      \
    HOST(glGetTexLevelParameteriv)                                           \
    HOST(glGetTextureLevelParameteriv)                                       \
    HOST(glGetUnsignedBytevEXT)                                              \
    HOST(glGetUnsignedBytei_vEXT)                                            \
    HOST(glCreateMemoryObjectsEXT)                                           \
    HOST(glDeleteMemoryObjectsEXT)                                           \
    HOST(glMemoryObjectParameterivEXT)                                       \
    HOST(glImportMemoryFdEXT)                                                \
    HOST(glBufferStorageMemEXT)                                              \
    HOST(glNamedBufferStorageMemEXT)

#endif /* LOWMAP_GL_HOOKS_H */
