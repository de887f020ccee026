/*
 * Exportable Vulkan memory with a low view (see vkmem.h).
 *
 * Low views: where the device has VK_EXT_map_memory_placed (with
 * VK_KHR_map_memory2), the driver maps the memory straight into a block
 * of the arena; elsewhere the driver maps it where it likes and the core
 * gives that mapping a zero-copy view (lavapipe's exportable memory is a
 * shared memfd mapping: mremap).  Memory whose mapping no zero-copy
 * strategy can reach is freed again: the caller then keeps the GL's own
 * storage, served by the shadow path.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <unistd.h>

#include "gl_private.h"
#include "vkmem.h"

#ifdef LOWMAP_HAVE_VULKAN
#include "vk_private.h"

/* Maps @m into a block of the arena through the driver. */
static bool map_placed(struct lm_vk_device *d, struct lm_vk_memory *m)
{
    void *block = NULL, *got = NULL;

    if (lowmap_mem_alloc(m->size, &block) != 0)
        return false;
    struct lm_vk_placed_info placed = {
        .sType = LM_VK_STYPE_MAP_PLACED_INFO, .pPlacedAddress = block};
    struct lm_vk_map_info info = {
        .sType = LM_VK_STYPE_MEMORY_MAP_INFO,
        .pNext = &placed,
        .flags = LM_VK_MAP_PLACED_BIT,
        .memory = (VkDeviceMemory)m->memory,
        .offset = 0,
        .size = VK_WHOLE_SIZE,
    };
    VkResult r = d->map2(d->device, &info, &got);
    if (r == VK_SUCCESS && got == block) {
        m->low = block;
        m->placed = true;
        return true;
    }
    if (r == VK_SUCCESS)
        d->unmap(d->device, (VkDeviceMemory)m->memory);
    /* A failed placed map may leave the block unmapped: freeing puts a
     * placeholder back either way. */
    lowmap_mem_free(block);
    lm_log(LM_LOG_WARN, "gl: placed Vulkan map failed (%d, %p for %p)",
           (int)r, got, block);
    return false;
}

/* Maps @m where the driver likes and gives the mapping a low view. */
static int map_aliased(struct lm_vk_device *d, struct lm_vk_memory *m)
{
    void *host = NULL;
    int err;

    if (d->map(d->device, (VkDeviceMemory)m->memory, 0, VK_WHOLE_SIZE, 0,
               &host) != VK_SUCCESS || !host)
        return LOWMAP_EFAULT;
    if ((err = lowmap_mem_alias(host, m->size, &m->low)) != 0) {
        d->unmap(d->device, (VkDeviceMemory)m->memory);
        lm_log(LM_LOG_INFO, "gl: no zero-copy view of Vulkan memory at %p: "
                            "%s", host, lowmap_strerror(err));
        return err;
    }
    return 0;
}

static void release(struct lm_vk_memory *m, bool mapped)
{
    struct lm_vk_device *d = m->dev;

    if (mapped && m->placed) {
        struct lm_vk_unmap_info info = {
            .sType = LM_VK_STYPE_MEMORY_UNMAP_INFO,
            .flags = d->reserve ? LM_VK_UNMAP_RESERVE_BIT : 0,
            .memory = (VkDeviceMemory)m->memory,
        };
        if (!lm_vk_forked())
            d->unmap2(d->device, &info);
        lowmap_mem_free(m->low);
    } else if (mapped) {
        lowmap_mem_free(m->low);
        if (!lm_vk_forked())
            d->unmap(d->device, (VkDeviceMemory)m->memory);
    }
    if (!lm_vk_forked()) {
        d->free(d->device, (VkDeviceMemory)m->memory, NULL);
        d->destroy_buffer(d->device, (VkBuffer)m->buffer, NULL);
    }
    free(m);
}

int lm_vk_alloc(struct lm_vk_device *d, size_t size,
                struct lm_vk_memory **out, int *fd)
{
    struct lm_vk_memory *m;
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    int err;

    *out = NULL;
    *fd = -1;
    if (lm_vk_forked() || !(m = calloc(1, sizeof(*m))))
        return LOWMAP_ENOMEM;
    m->dev = d;
    m->size = lm_page_up(size);

    VkExternalMemoryBufferCreateInfo ext_buf = {
        .sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO,
        .handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT,
    };
    VkBufferCreateInfo binfo = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .pNext = &ext_buf,
        .size = m->size,
        .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT |
                 VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT |
                 VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                 VK_BUFFER_USAGE_VERTEX_BUFFER_BIT |
                 VK_BUFFER_USAGE_INDEX_BUFFER_BIT |
                 VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    if (d->create_buffer(d->device, &binfo, NULL, &buffer) != VK_SUCCESS) {
        free(m);
        return LOWMAP_ENOMEM;
    }
    VkMemoryDedicatedRequirements dedicated = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_DEDICATED_REQUIREMENTS};
    VkMemoryRequirements2 req = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_REQUIREMENTS_2,
        .pNext = &dedicated};
    VkBufferMemoryRequirementsInfo2 rinfo = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_REQUIREMENTS_INFO_2,
        .buffer = buffer};
    d->requirements(d->device, &rinfo, &req);
    if (!(req.memoryRequirements.memoryTypeBits & (1u << d->type))) {
        d->destroy_buffer(d->device, buffer, NULL);
        free(m);
        return LOWMAP_ENOTSUP;
    }
    if (req.memoryRequirements.size > m->size)
        m->size = lm_page_up((size_t)req.memoryRequirements.size);
    m->buffer = (uint64_t)buffer;
    m->dedicated = dedicated.requiresDedicatedAllocation;

    VkMemoryDedicatedAllocateInfo ded = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO,
        .buffer = buffer};
    VkExportMemoryAllocateInfo export = {
        .sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO,
        .pNext = m->dedicated ? &ded : NULL,
        .handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT};
    VkMemoryAllocateInfo ainfo = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .pNext = &export,
        .allocationSize = m->size,
        .memoryTypeIndex = d->type};
    if (d->allocate(d->device, &ainfo, NULL, &memory) != VK_SUCCESS) {
        d->destroy_buffer(d->device, buffer, NULL);
        free(m);
        return LOWMAP_ENOMEM;
    }
    m->memory = (uint64_t)memory;

    if (!(d->placed && map_placed(d, m)) && (err = map_aliased(d, m))) {
        release(m, false);
        return err;
    }
    VkMemoryGetFdInfoKHR finfo = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR,
        .memory = memory,
        .handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT};
    if (d->get_fd(d->device, &finfo, fd) != VK_SUCCESS || *fd < 0) {
        *fd = -1;
        release(m, true);
        return LOWMAP_ENOTSUP;
    }
    *out = m;
    return 0;
}

void lm_vk_free(struct lm_vk_memory *m)
{
    if (m)
        release(m, true);
}


#else /* !LOWMAP_HAVE_VULKAN */

int lm_vk_alloc(struct lm_vk_device *dev, size_t size,
                struct lm_vk_memory **out, int *fd)
{
    (void)dev;
    (void)size;
    *out = NULL;
    *fd = -1;
    return LOWMAP_ENOTSUP;
}

void lm_vk_free(struct lm_vk_memory *mem)
{
    (void)mem;
}

#endif
