/*
 * A Vulkan loader double for the memory-object backend's tests, loaded in
 * place of libvulkan.so.1 (LOWMAP_VULKAN_LIBRARY).  It wraps the real
 * loader and changes what lowmap sees, by LOWMAP_VKDOUBLE:
 *
 *   placed     the device gains VK_KHR_map_memory2 and
 *              VK_EXT_map_memory_placed, implemented for real: the
 *              driver's mapping (a shared memfd mapping on lavapipe) is
 *              duplicated with mremap onto the address asked for;
 *   bad_uuid   every deviceUUID differs from the GL's;
 *   no_fd_ext  VK_KHR_external_memory_fd is hidden;
 *   fake_uuid  the device has the fake vendor's UUIDs (fakevendor.h), so
 *              that the fake GL imports lavapipe's memory.
 *
 * lmvk_double_placed(p) tells a test whether @p lies in a placed map, and
 * lmvk_double_allocations() how many allocations were made and are live.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vulkan/vulkan.h>

#include "fakevendor.h"

#define STYPE_MAP_INFO ((VkStructureType)1000271000)
#define STYPE_UNMAP_INFO ((VkStructureType)1000271001)
#define STYPE_PLACED_FEATURES ((VkStructureType)1000272000)
#define STYPE_PLACED_PROPERTIES ((VkStructureType)1000272001)
#define STYPE_MAP_PLACED_INFO ((VkStructureType)1000272002)

struct map_info {
    VkStructureType sType;
    const void *pNext;
    VkFlags flags;
    VkDeviceMemory memory;
    VkDeviceSize offset, size;
};
struct unmap_info {
    VkStructureType sType;
    const void *pNext;
    VkFlags flags;
    VkDeviceMemory memory;
};
struct placed_info {
    VkStructureType sType;
    const void *pNext;
    void *pPlacedAddress;
};
struct placed_features {
    VkStructureType sType;
    void *pNext;
    VkBool32 memoryMapPlaced, memoryMapRangePlaced, memoryUnmapReserve;
};
struct placed_properties {
    VkStructureType sType;
    void *pNext;
    VkDeviceSize minPlacedMemoryMapAlignment;
};

#define MAX_MEM 1024
static struct {
    pthread_mutex_t lock;
    void *lib;
    PFN_vkGetInstanceProcAddr gipa;
    PFN_vkGetDeviceProcAddr gdpa;
    VkInstance inst; /* the one lowmap created */
    const char *mode;
    struct { VkDeviceMemory mem; size_t size; void *placed; } mems[MAX_MEM];
    unsigned allocated, live;
} d = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool mode(const char *m)
{
    return d.mode && strcmp(d.mode, m) == 0;
}

static void load(void)
{
    if (d.lib)
        return;
    d.mode = getenv("LOWMAP_VKDOUBLE");
    d.lib = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
    if (d.lib) {
        d.gipa = (PFN_vkGetInstanceProcAddr)dlsym(d.lib,
                                                  "vkGetInstanceProcAddr");
        d.gdpa = (PFN_vkGetDeviceProcAddr)dlsym(d.lib, "vkGetDeviceProcAddr");
    }
}

__attribute__((visibility("default"))) void
lmvk_double_allocations(unsigned *made, unsigned *live);
void lmvk_double_allocations(unsigned *made, unsigned *live)
{
    pthread_mutex_lock(&d.lock);
    *made = d.allocated;
    *live = d.live;
    pthread_mutex_unlock(&d.lock);
}

__attribute__((visibility("default"))) bool lmvk_double_placed(const void *p);
bool lmvk_double_placed(const void *p)
{
    bool found = false;
    pthread_mutex_lock(&d.lock);
    for (int i = 0; i < MAX_MEM && !found; i++)
        found = d.mems[i].placed && (const char *)p >= (char *)d.mems[i].placed &&
                (const char *)p < (char *)d.mems[i].placed + d.mems[i].size;
    pthread_mutex_unlock(&d.lock);
    return found;
}

static VkResult VKAPI_CALL enum_ext(VkPhysicalDevice pd, const char *layer,
                                    uint32_t *count,
                                    VkExtensionProperties *props)
{
    PFN_vkEnumerateDeviceExtensionProperties real =
        (PFN_vkEnumerateDeviceExtensionProperties)d.gipa(
            d.inst, "vkEnumerateDeviceExtensionProperties");
    uint32_t n = 0;
    VkResult r = real(pd, layer, &n, NULL);
    if (r != VK_SUCCESS)
        return r;
    VkExtensionProperties *all = calloc(n + 2, sizeof(*all));
    real(pd, layer, &n, all);
    uint32_t out = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (mode("no_fd_ext") &&
            strcmp(all[i].extensionName, "VK_KHR_external_memory_fd") == 0)
            continue;
        all[out++] = all[i];
    }
    if (mode("placed")) {
        strcpy(all[out++].extensionName, "VK_KHR_map_memory2");
        strcpy(all[out++].extensionName, "VK_EXT_map_memory_placed");
    }
    if (!props) {
        *count = out;
    } else {
        uint32_t k = *count < out ? *count : out;
        memcpy(props, all, k * sizeof(*all));
        r = k < out ? VK_INCOMPLETE : VK_SUCCESS;
        *count = k;
    }
    free(all);
    return r;
}

/* Takes our structure out of a pNext chain, returning it (or NULL). */
static void *unlink_stype(void *head, VkStructureType type)
{
    VkBaseOutStructure *prev = head, *s;
    for (s = prev ? prev->pNext : NULL; s; prev = s, s = s->pNext) {
        if (s->sType == type) {
            prev->pNext = s->pNext;
            return s;
        }
    }
    return NULL;
}

static void VKAPI_CALL features2(VkPhysicalDevice pd,
                                 VkPhysicalDeviceFeatures2 *f)
{
    struct placed_features *pf = unlink_stype(f, STYPE_PLACED_FEATURES);
    ((PFN_vkGetPhysicalDeviceFeatures2)d.gipa(
        d.inst, "vkGetPhysicalDeviceFeatures2"))(pd, f);
    if (pf) {
        pf->memoryMapPlaced = pf->memoryUnmapReserve = VK_TRUE;
        pf->memoryMapRangePlaced = VK_FALSE;
        pf->pNext = f->pNext;
        f->pNext = pf;
    }
}

static void VKAPI_CALL props2(VkPhysicalDevice pd,
                              VkPhysicalDeviceProperties2 *p)
{
    struct placed_properties *pp = unlink_stype(p, STYPE_PLACED_PROPERTIES);
    ((PFN_vkGetPhysicalDeviceProperties2)d.gipa(
        d.inst, "vkGetPhysicalDeviceProperties2"))(pd, p);
    for (VkBaseOutStructure *s = p->pNext; s; s = s->pNext) {
        VkPhysicalDeviceIDProperties *id = (VkPhysicalDeviceIDProperties *)s;
        if (s->sType != VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES)
            continue;
        if (mode("bad_uuid"))
            id->deviceUUID[0] ^= 0xff;
        if (mode("fake_uuid")) {
            memcpy(id->deviceUUID, LOWMAPFAKE_DEVICE_UUID, VK_UUID_SIZE);
            memcpy(id->driverUUID, LOWMAPFAKE_DRIVER_UUID, VK_UUID_SIZE);
        }
    }
    if (pp) {
        pp->minPlacedMemoryMapAlignment = (VkDeviceSize)sysconf(_SC_PAGESIZE);
        pp->pNext = p->pNext;
        p->pNext = pp;
    }
}

static VkResult VKAPI_CALL create_device(VkPhysicalDevice pd,
                                         const VkDeviceCreateInfo *info,
                                         const VkAllocationCallbacks *a,
                                         VkDevice *dev)
{
    VkDeviceCreateInfo copy = *info;
    const char *names[16];
    uint32_t n = 0;
    for (uint32_t i = 0; i < info->enabledExtensionCount && n < 16; i++) {
        const char *e = info->ppEnabledExtensionNames[i];
        if (strcmp(e, "VK_KHR_map_memory2") != 0 &&
            strcmp(e, "VK_EXT_map_memory_placed") != 0)
            names[n++] = e;
    }
    copy.enabledExtensionCount = n;
    copy.ppEnabledExtensionNames = names;
    /* The features structure is ours alone: out of the chain (a copy of
     * the head keeps the caller's chain as it was). */
    VkBaseOutStructure head = {.pNext = (void *)copy.pNext};
    unlink_stype(&head, STYPE_PLACED_FEATURES);
    copy.pNext = head.pNext;
    return ((PFN_vkCreateDevice)d.gipa(d.inst, "vkCreateDevice"))(pd, &copy, a,
                                                                 dev);
}

static VkResult VKAPI_CALL allocate(VkDevice dev,
                                    const VkMemoryAllocateInfo *info,
                                    const VkAllocationCallbacks *a,
                                    VkDeviceMemory *mem)
{
    VkResult r = ((PFN_vkAllocateMemory)d.gdpa(dev, "vkAllocateMemory"))(
        dev, info, a, mem);
    if (r != VK_SUCCESS)
        return r;
    pthread_mutex_lock(&d.lock);
    d.allocated++;
    d.live++;
    for (int i = 0; i < MAX_MEM; i++) {
        if (!d.mems[i].mem) {
            d.mems[i].mem = *mem;
            d.mems[i].size = (size_t)info->allocationSize;
            d.mems[i].placed = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&d.lock);
    return r;
}

static int slot_of(VkDeviceMemory mem)
{
    for (int i = 0; i < MAX_MEM; i++)
        if (d.mems[i].mem == mem)
            return i;
    return -1;
}

static void VKAPI_CALL free_memory(VkDevice dev, VkDeviceMemory mem,
                                   const VkAllocationCallbacks *a)
{
    pthread_mutex_lock(&d.lock);
    int i = slot_of(mem);
    if (i >= 0)
        memset(&d.mems[i], 0, sizeof(d.mems[i]));
    if (mem != VK_NULL_HANDLE)
        d.live--;
    pthread_mutex_unlock(&d.lock);
    ((PFN_vkFreeMemory)d.gdpa(dev, "vkFreeMemory"))(dev, mem, a);
}

static VkResult VKAPI_CALL map2(VkDevice dev, const struct map_info *info,
                                void **out)
{
    const struct placed_info *pl = NULL;
    for (const VkBaseInStructure *s = info->pNext; s; s = s->pNext)
        if (s->sType == STYPE_MAP_PLACED_INFO)
            pl = (const void *)s;
    void *host = NULL;
    VkResult r = ((PFN_vkMapMemory)d.gdpa(dev, "vkMapMemory"))(
        dev, info->memory, info->offset, info->size, 0, &host);
    if (r != VK_SUCCESS || !pl || !(info->flags & 1u)) {
        *out = host;
        return r;
    }
    pthread_mutex_lock(&d.lock);
    int i = slot_of(info->memory);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t len = i >= 0 ? (d.mems[i].size + page - 1) & ~(page - 1) : 0;
    void *at = MAP_FAILED;
    if (len && ((uintptr_t)host & (page - 1)) == 0)
        at = mremap(host, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED,
                    pl->pPlacedAddress);
    if (at != MAP_FAILED)
        d.mems[i].placed = at;
    pthread_mutex_unlock(&d.lock);
    if (at == MAP_FAILED) {
        ((PFN_vkUnmapMemory)d.gdpa(dev, "vkUnmapMemory"))(dev, info->memory);
        return VK_ERROR_MEMORY_MAP_FAILED;
    }
    *out = at;
    return VK_SUCCESS;
}

static VkResult VKAPI_CALL unmap2(VkDevice dev, const struct unmap_info *info)
{
    pthread_mutex_lock(&d.lock);
    int i = slot_of(info->memory);
    if (i >= 0 && d.mems[i].placed) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t len = (d.mems[i].size + page - 1) & ~(page - 1);
        if (info->flags & 1u)
            mmap(d.mems[i].placed, len, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1,
                 0);
        else
            munmap(d.mems[i].placed, len);
        d.mems[i].placed = NULL;
    }
    pthread_mutex_unlock(&d.lock);
    ((PFN_vkUnmapMemory)d.gdpa(dev, "vkUnmapMemory"))(dev, info->memory);
    return VK_SUCCESS;
}

static PFN_vkVoidFunction VKAPI_CALL get_device_proc(VkDevice dev,
                                                     const char *name)
{
    if (strcmp(name, "vkGetDeviceProcAddr") == 0)
        return (PFN_vkVoidFunction)get_device_proc;
    if (mode("placed")) {
        if (strcmp(name, "vkMapMemory2KHR") == 0)
            return (PFN_vkVoidFunction)map2;
        if (strcmp(name, "vkUnmapMemory2KHR") == 0)
            return (PFN_vkVoidFunction)unmap2;
    }
    if (strcmp(name, "vkAllocateMemory") == 0)
        return (PFN_vkVoidFunction)allocate;
    if (strcmp(name, "vkFreeMemory") == 0)
        return (PFN_vkVoidFunction)free_memory;
    return d.gdpa(dev, name);
}

__attribute__((visibility("default"))) PFN_vkVoidFunction VKAPI_CALL
vkGetInstanceProcAddr(VkInstance inst, const char *name)
{
    static const struct { const char *name; PFN_vkVoidFunction fn; } ours[] = {
        {"vkEnumerateDeviceExtensionProperties", (PFN_vkVoidFunction)enum_ext},
        {"vkGetPhysicalDeviceFeatures2", (PFN_vkVoidFunction)features2},
        {"vkGetPhysicalDeviceProperties2", (PFN_vkVoidFunction)props2},
        {"vkCreateDevice", (PFN_vkVoidFunction)create_device},
        {"vkGetDeviceProcAddr", (PFN_vkVoidFunction)get_device_proc},
    };
    load();
    if (!d.gipa || !d.gdpa)
        return NULL;
    if (inst)
        d.inst = inst;
    if (inst)
        for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
            if (strcmp(name, ours[i].name) == 0)
                return ours[i].fn;
    return d.gipa(inst, name);
}
