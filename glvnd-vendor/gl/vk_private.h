/*
 * The Vulkan side of the memory-object backend, private to vkdevice.c
 * (loader, instance, devices) and vkmem.c (memory and its low views).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_GL_VK_PRIVATE_H
#define LOWMAP_GL_VK_PRIVATE_H

#include <stdbool.h>
#include <vulkan/vulkan.h>

/* VK_KHR_map_memory2 and VK_EXT_map_memory_placed, which Debian 12's
 * headers (1.3.239) predate; values from the Vulkan registry. */
#define LM_VK_STYPE_MEMORY_MAP_INFO ((VkStructureType)1000271000)
#define LM_VK_STYPE_MEMORY_UNMAP_INFO ((VkStructureType)1000271001)
#define LM_VK_STYPE_PLACED_FEATURES ((VkStructureType)1000272000)
#define LM_VK_STYPE_PLACED_PROPERTIES ((VkStructureType)1000272001)
#define LM_VK_STYPE_MAP_PLACED_INFO ((VkStructureType)1000272002)
#define LM_VK_MAP_PLACED_BIT 0x1u
#define LM_VK_UNMAP_RESERVE_BIT 0x1u

struct lm_vk_map_info {
    VkStructureType sType;
    const void *pNext;
    VkFlags flags;
    VkDeviceMemory memory;
    VkDeviceSize offset;
    VkDeviceSize size;
};
struct lm_vk_unmap_info {
    VkStructureType sType;
    const void *pNext;
    VkFlags flags;
    VkDeviceMemory memory;
};
struct lm_vk_placed_info {
    VkStructureType sType;
    const void *pNext;
    void *pPlacedAddress;
};
struct lm_vk_placed_features {
    VkStructureType sType;
    void *pNext;
    VkBool32 memoryMapPlaced, memoryMapRangePlaced, memoryUnmapReserve;
};
struct lm_vk_placed_properties {
    VkStructureType sType;
    void *pNext;
    VkDeviceSize minPlacedMemoryMapAlignment;
};
typedef VkResult(VKAPI_PTR *lm_vk_map2_fn)(VkDevice,
                                           const struct lm_vk_map_info *,
                                           void **);
typedef VkResult(VKAPI_PTR *lm_vk_unmap2_fn)(VkDevice,
                                             const struct lm_vk_unmap_info *);

struct lm_vk_device {
    struct lm_vk_device *next;
    uint8_t device_uuid[16], driver_uuid[16];
    VkDevice device;
    uint32_t type;  /* host-visible, coherent memory type index */
    bool placed;    /* VK_EXT_map_memory_placed enabled */
    bool reserve;   /* memoryUnmapReserve */
    PFN_vkAllocateMemory allocate;
    PFN_vkFreeMemory free;
    PFN_vkMapMemory map;
    PFN_vkUnmapMemory unmap;
    lm_vk_map2_fn map2;
    lm_vk_unmap2_fn unmap2;
    PFN_vkGetMemoryFdKHR get_fd;
    PFN_vkCreateBuffer create_buffer;
    PFN_vkDestroyBuffer destroy_buffer;
    PFN_vkGetBufferMemoryRequirements2 requirements;
};


/* A child of fork() shares the parent's device memory but not its
 * devices: it makes no new memory and frees nothing through Vulkan. */
bool lm_vk_forked(void);

#endif /* LOWMAP_GL_VK_PRIVATE_H */
