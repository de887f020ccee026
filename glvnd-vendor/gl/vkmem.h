/*
 * Exportable Vulkan memory for the memory-object placed-storage backend
 * (memobj.c): the Vulkan side, knowing nothing of GL.
 *
 * The loader (libvulkan.so.1, or LOWMAP_VULKAN_LIBRARY) is opened at run
 * time on first use; one instance serves the process and one VkDevice each
 * GL device, created when a GL device first asks and kept until exit (no
 * queue is ever used).  Every function is thread-safe; none calls into GL.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_GL_VKMEM_H
#define LOWMAP_GL_VKMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LM_UUID_SIZE 16

struct lm_vk_device;

/* Memory that GL imports: its low view stays until lm_vk_free(). */
struct lm_vk_memory {
    struct lm_vk_device *dev;
    uint64_t memory;   /* VkDeviceMemory */
    uint64_t buffer;   /* VkBuffer it was sized and dedicated for */
    size_t size;       /* allocation size, what GL imports */
    bool dedicated;    /* GL must be told (GL_DEDICATED_MEMORY_OBJECT_EXT) */
    bool placed;       /* mapped by VK_EXT_map_memory_placed */
    void *low;         /* the low view of the whole allocation */
};

/*
 * The device whose deviceUUID is one of @device_uuids (@count of them) and
 * whose driverUUID is @driver_uuid, created on first call; NULL when the
 * backend cannot serve that GL device, with the reason in lm_vk_reason().
 */
struct lm_vk_device *lm_vk_device_find(const uint8_t (*device_uuids)[16],
                                       int count, const uint8_t *driver_uuid);

/*
 * Host-visible, coherent memory of at least @size bytes, exportable as an
 * opaque fd, with a low view.  On success *@fd is a new fd the caller owns
 * (GL's import takes it).  Returns 0 or a negative lowmap error.
 */
int lm_vk_alloc(struct lm_vk_device *dev, size_t size,
                struct lm_vk_memory **out, int *fd);

/* Drops the view and frees the memory: nothing may use either after. */
void lm_vk_free(struct lm_vk_memory *mem);

/* Why the backend last refused (or "" when it never did), and how views
 * are made on the last device found ("placed" or "aliased"). */
const char *lm_vk_reason(void);

/* For lowmap-info: one line per Vulkan device (what the backend could do
 * with it, its UUIDs), or one saying why there is none.  Opens the loader
 * like the first GL device would. */
void lm_vk_describe(void (*emit)(void *arg, const char *line), void *arg);

#endif /* LOWMAP_GL_VKMEM_H */
