/*
 * libEGL_lowmapfake.so.0: a fake host vendor for tests, in the spirit of
 * libglvnd's tests/dummy vendors.  lowmap wraps it like any host:
 *
 *   LOWMAP_HOST=lowmapfake, with the fake's build directory on
 *   LD_LIBRARY_PATH and lowmap's EGL vendor file selected.
 *
 * (Selecting fakevendor's own vendor file, LOWMAPFAKE_EGL_JSON, runs the
 * fake natively, without lowmap.)
 *
 * EGL: one display for EGL_PLATFORM_SURFACELESS_MESA and the default
 * display, one config, contexts without surfaces.  GL (4.5 compatibility
 * strings, shared namespace across all contexts): buffer objects
 * (glGen/Create/Bind/Delete, [Named]BufferData/Storage/SubData,
 * Get[Named]BufferSubData, Map[Named]Buffer[Range], Unmap, FlushMapped,
 * Get[Named]BufferPointerv, Get[Named]BufferParameteri[64]v,
 * CopyBufferSubData), 2D textures (Gen/Bind/Delete, TexImage2D,
 * TexSubImage2D, GetTexImage, TexParameteri, GetTexLevelParameteriv) with
 * GL_INTEL_map_texture (glMapTexture2DINTEL, glUnmapTexture2DINTEL), and
 * GetIntegerv/GetString/GetStringi/GetError/Finish/Flush.  ARB/EXT/OES
 * names resolve to the same functions.
 *
 * Storage is driver-like: every buffer and texture level is a sub-range of
 * one heap mapped above 4 GiB, at offsets that are not page aligned, and a
 * map returns the same pointer into it every time.
 *
 * Environment, read at first use:
 *   LOWMAPFAKE_HEAP=memfd|shared|private  heap kind (default memfd):
 *       memfd   MAP_SHARED memfd: mremap and fd re-mmap both apply
 *       shared  MAP_SHARED|MAP_ANONYMOUS: mremap applies, no fd to find
 *       private MAP_PRIVATE|MAP_ANONYMOUS: only a shadow copy can help
 *   LOWMAPFAKE_HEAP_SIZE=<n>[K|M|G]      heap size (default 64M)
 *   LOWMAPFAKE_STAGING=1                 explicit-flush maps that are not
 *       persistent return a staging copy: only flushed bytes reach the
 *       buffer, at the flush, as on drivers that stage such maps
 *   LOWMAPFAKE_EXTENSIONS="GL_A GL_B"    replaces the GL extension list
 *       (default: GL_ARB_buffer_storage GL_ARB_map_buffer_range
 *       GL_ARB_direct_state_access GL_ARB_copy_buffer GL_INTEL_map_texture)
 *
 * Test hooks: exported from the fake library; find them with
 * lowmapfake_sym() once lowmap (or libEGL) has loaded it.  All are
 * thread-safe.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_FAKEVENDOR_H
#define LOWMAP_FAKEVENDOR_H

#include <dlfcn.h>
#include <stddef.h>

#define LOWMAPFAKE_SONAME "libEGL_lowmapfake.so.0"

/* The UUIDs the fake's GL_EXT_memory_object reports (16 bytes each), which
 * the Vulkan double's fake_uuid mode gives its device too. */
#define LOWMAPFAKE_DEVICE_UUID "lowmapfake:devic"
#define LOWMAPFAKE_DRIVER_UUID "lowmapfake:drivr"

/* How often the fake's own @name ran (aliases count under the core name,
 * e.g. glMapBufferARB as glMapBuffer); 0 for unknown names. */
typedef unsigned long (*lowmapfake_calls_fn)(const char *name);
/* Sets every call count back to zero. */
typedef void (*lowmapfake_reset_calls_fn)(void);
/* The fake's own getProcAddress: what lowmap must hand libglvnd unchanged
 * for every name it does not hook. */
typedef void *(*lowmapfake_get_proc_fn)(const char *name);
/* The heap: its start and size; *fd is the memfd or -1. */
typedef void (*lowmapfake_heap_fn)(void **base, size_t *size, int *fd);
/* The host storage behind buffer @name (NULL if none), and its size. */
typedef void *(*lowmapfake_buffer_storage_fn)(unsigned name, size_t *size);
/* The host storage behind texture @name's @level, its row stride and
 * size. */
typedef void *(*lowmapfake_texture_storage_fn)(unsigned name, int level,
                                               int *stride, size_t *size);

/* Looks a test hook up in the already loaded fake; NULL if not loaded. */
static inline void *lowmapfake_sym(const char *hook)
{
    void *lib = dlopen(LOWMAPFAKE_SONAME, RTLD_LAZY | RTLD_NOLOAD);
    void *sym = lib ? dlsym(lib, hook) : NULL;

    if (lib)
        dlclose(lib);
    return sym;
}

#endif /* LOWMAP_FAKEVENDOR_H */
