/*
 * The Vulkan side of the memory-object backend: the loader, the instance
 * and one device per GL device (see vkmem.h).
 *
 * Everything goes through vkGetInstanceProcAddr of the library opened at
 * run time: lowmap never links against the loader, and a test may load a
 * double in its place (LOWMAP_VULKAN_LIBRARY).
 *
 * SPDX-License-Identifier: MIT
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gl_private.h"
#include "vkmem.h"

#ifdef LOWMAP_HAVE_VULKAN
#include "vk_private.h"

/* Guards everything here.  Never held while calling GL; held while
 * calling Vulkan only to set up the instance and devices. */
static struct {
    pthread_mutex_t lock;
    bool tried, forked;
    void *lib;
    PFN_vkGetInstanceProcAddr gipa;
    VkInstance instance;
    struct lm_vk_device *devices;
    char reason[200];
} vk = {.lock = PTHREAD_MUTEX_INITIALIZER};

#define VK_FN(type, inst, name) ((type)vk.gipa((inst), (name)))

/* Records why the backend is off; memobj.c logs it once. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(vk.reason, sizeof(vk.reason), fmt, ap);
    va_end(ap);
}

static void after_fork_child(void)
{
    vk.forked = true;
    pthread_mutex_init(&vk.lock, NULL);
}

/* Lock held.  Opens the loader and creates the instance, once. */
static bool instance_up(void)
{
    const char *name = getenv("LOWMAP_VULKAN_LIBRARY");

    if (vk.tried)
        return vk.instance != VK_NULL_HANDLE;
    vk.tried = true;
    pthread_atfork(NULL, NULL, after_fork_child);
    if (!name || !*name)
        name = "libvulkan.so.1";
    if (!(vk.lib = dlopen(name, RTLD_NOW | RTLD_LOCAL))) {
        say("no Vulkan loader (%s)", dlerror());
        return false;
    }
    vk.gipa = (PFN_vkGetInstanceProcAddr)dlsym(vk.lib,
                                               "vkGetInstanceProcAddr");
    if (!vk.gipa) {
        say("%s has no vkGetInstanceProcAddr", name);
        return false;
    }
    PFN_vkEnumerateInstanceVersion version = VK_FN(
        PFN_vkEnumerateInstanceVersion, NULL, "vkEnumerateInstanceVersion");
    uint32_t v = VK_API_VERSION_1_0;
    if (!version || version(&v) != VK_SUCCESS || v < VK_API_VERSION_1_1) {
        say("the Vulkan loader predates Vulkan 1.1");
        return false;
    }
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "lowmap",
        .apiVersion = VK_API_VERSION_1_1,
    };
    VkInstanceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pApplicationInfo = &app,
    };
    PFN_vkCreateInstance create =
        VK_FN(PFN_vkCreateInstance, NULL, "vkCreateInstance");
    VkResult r = create ? create(&info, NULL, &vk.instance)
                        : VK_ERROR_INITIALIZATION_FAILED;
    if (r != VK_SUCCESS) {
        vk.instance = VK_NULL_HANDLE;
        say("vkCreateInstance failed (%d)", (int)r);
        return false;
    }
    return true;
}

static bool has_ext(const VkExtensionProperties *e, uint32_t n,
                    const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(e[i].extensionName, name) == 0)
            return true;
    return false;
}

/* Lock held.  A device for @pd, or NULL with the reason said. */
static struct lm_vk_device *device_new(VkPhysicalDevice pd,
                                       const VkPhysicalDeviceProperties2 *p)
{
    PFN_vkEnumerateDeviceExtensionProperties enum_ext =
        VK_FN(PFN_vkEnumerateDeviceExtensionProperties, vk.instance,
              "vkEnumerateDeviceExtensionProperties");
    PFN_vkGetPhysicalDeviceFeatures2 features2 = VK_FN(
        PFN_vkGetPhysicalDeviceFeatures2, vk.instance,
        "vkGetPhysicalDeviceFeatures2");
    PFN_vkGetPhysicalDeviceProperties2 props2 = VK_FN(
        PFN_vkGetPhysicalDeviceProperties2, vk.instance,
        "vkGetPhysicalDeviceProperties2");
    PFN_vkGetPhysicalDeviceMemoryProperties mem_props = VK_FN(
        PFN_vkGetPhysicalDeviceMemoryProperties, vk.instance,
        "vkGetPhysicalDeviceMemoryProperties");
    PFN_vkCreateDevice create =
        VK_FN(PFN_vkCreateDevice, vk.instance, "vkCreateDevice");
    PFN_vkGetDeviceProcAddr gdpa =
        VK_FN(PFN_vkGetDeviceProcAddr, vk.instance, "vkGetDeviceProcAddr");
    const char *dev_name = p->properties.deviceName;
    VkExtensionProperties *exts = NULL;
    uint32_t n = 0;

    if (!enum_ext || !features2 || !props2 || !mem_props || !create ||
        !gdpa) {
        say("the Vulkan loader lacks Vulkan 1.1 entry points");
        return NULL;
    }
    if (p->properties.apiVersion < VK_API_VERSION_1_1) {
        say("%s supports only Vulkan 1.0", dev_name);
        return NULL;
    }
    if (enum_ext(pd, NULL, &n, NULL) != VK_SUCCESS ||
        !(exts = calloc(n ? n : 1, sizeof(*exts))) ||
        enum_ext(pd, NULL, &n, exts) != VK_SUCCESS) {
        free(exts);
        say("cannot list the extensions of %s", dev_name);
        return NULL;
    }
    bool fd_ext = has_ext(exts, n, "VK_KHR_external_memory_fd");
    bool placed = has_ext(exts, n, "VK_EXT_map_memory_placed") &&
                  has_ext(exts, n, "VK_KHR_map_memory2");
    free(exts);
    if (!fd_ext) {
        say("%s lacks VK_KHR_external_memory_fd", dev_name);
        return NULL;
    }

    struct lm_vk_placed_features pf = {.sType = LM_VK_STYPE_PLACED_FEATURES};
    struct lm_vk_placed_properties pp = {
        .sType = LM_VK_STYPE_PLACED_PROPERTIES};
    if (placed) {
        VkPhysicalDeviceFeatures2 f = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
            .pNext = &pf};
        VkPhysicalDeviceProperties2 q = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
            .pNext = &pp};
        features2(pd, &f);
        props2(pd, &q);
        /* Views are page-granular blocks of the arena. */
        placed = pf.memoryMapPlaced &&
                 pp.minPlacedMemoryMapAlignment <=
                     (VkDeviceSize)sysconf(_SC_PAGESIZE);
    }

    VkPhysicalDeviceMemoryProperties mp;
    const VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    uint32_t type = UINT32_MAX;
    mem_props(pd, &mp);
    for (uint32_t i = 0; i < mp.memoryTypeCount && type == UINT32_MAX; i++)
        if ((mp.memoryTypes[i].propertyFlags & want) == want)
            type = i;
    if (type == UINT32_MAX) {
        say("%s has no host-visible coherent memory", dev_name);
        return NULL;
    }

    /* Drivers want a queue even where none is used (lavapipe crashes
     * without one). */
    const float priority = 1.0f;
    VkDeviceQueueCreateInfo queue = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = 0,
        .queueCount = 1,
        .pQueuePriorities = &priority,
    };
    const char *names[] = {"VK_KHR_external_memory_fd",
                           "VK_KHR_map_memory2",
                           "VK_EXT_map_memory_placed"};
    struct lm_vk_placed_features enable = {
        .sType = LM_VK_STYPE_PLACED_FEATURES,
        .memoryMapPlaced = VK_TRUE,
        .memoryUnmapReserve = pf.memoryUnmapReserve,
    };
    VkDeviceCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .pNext = placed ? &enable : NULL,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &queue,
        .enabledExtensionCount = placed ? 3 : 1,
        .ppEnabledExtensionNames = names,
    };
    struct lm_vk_device *d = calloc(1, sizeof(*d));
    if (!d) {
        say("out of memory");
        return NULL;
    }
    VkResult r = create(pd, &info, NULL, &d->device);
    if (r != VK_SUCCESS) {
        free(d);
        say("vkCreateDevice failed on %s (%d)", dev_name, (int)r);
        return NULL;
    }
#define DEV_FN(field, type, name) d->field = (type)gdpa(d->device, name)
    DEV_FN(allocate, PFN_vkAllocateMemory, "vkAllocateMemory");
    DEV_FN(free, PFN_vkFreeMemory, "vkFreeMemory");
    DEV_FN(map, PFN_vkMapMemory, "vkMapMemory");
    DEV_FN(unmap, PFN_vkUnmapMemory, "vkUnmapMemory");
    DEV_FN(get_fd, PFN_vkGetMemoryFdKHR, "vkGetMemoryFdKHR");
    DEV_FN(create_buffer, PFN_vkCreateBuffer, "vkCreateBuffer");
    DEV_FN(destroy_buffer, PFN_vkDestroyBuffer, "vkDestroyBuffer");
    DEV_FN(requirements, PFN_vkGetBufferMemoryRequirements2,
           "vkGetBufferMemoryRequirements2");
    if (placed) {
        DEV_FN(map2, lm_vk_map2_fn, "vkMapMemory2KHR");
        DEV_FN(unmap2, lm_vk_unmap2_fn, "vkUnmapMemory2KHR");
    }
#undef DEV_FN
    d->type = type;
    d->placed = placed && d->map2 && d->unmap2;
    d->reserve = d->placed && pf.memoryUnmapReserve;
    if (!d->allocate || !d->free || !d->map || !d->unmap || !d->get_fd ||
        !d->create_buffer || !d->destroy_buffer || !d->requirements) {
        PFN_vkDestroyDevice destroy = (PFN_vkDestroyDevice)gdpa(
            d->device, "vkDestroyDevice");
        if (destroy)
            destroy(d->device, NULL);
        free(d);
        say("%s lacks device entry points", dev_name);
        return NULL;
    }
    lm_log(LM_LOG_INFO, "gl: memory-object backend on %s: low views %s",
           dev_name, d->placed ? "placed by the driver "
                                 "(VK_EXT_map_memory_placed)"
                               : "aliased by lowmap");
    snprintf(vk.reason, sizeof(vk.reason), "on (%.120s, views %s)", dev_name,
             d->placed ? "placed" : "aliased");
    return d;
}

struct lm_vk_device *lm_vk_device_find(const uint8_t (*device_uuids)[16],
                                       int count, const uint8_t *driver_uuid)
{
    struct lm_vk_device *d = NULL;
    VkPhysicalDevice pds[16];
    uint32_t n = 16;

    pthread_mutex_lock(&vk.lock);
    if (vk.forked) {
        say("a child of fork() makes no Vulkan memory");
        goto out;
    }
    for (d = vk.devices; d; d = d->next) {
        if (memcmp(d->driver_uuid, driver_uuid, 16) != 0)
            continue;
        for (int i = 0; i < count; i++)
            if (memcmp(d->device_uuid, device_uuids[i], 16) == 0)
                goto out;
    }
    if (!instance_up())
        goto out;
    PFN_vkEnumeratePhysicalDevices enum_pd = VK_FN(
        PFN_vkEnumeratePhysicalDevices, vk.instance,
        "vkEnumeratePhysicalDevices");
    PFN_vkGetPhysicalDeviceProperties2 props2 = VK_FN(
        PFN_vkGetPhysicalDeviceProperties2, vk.instance,
        "vkGetPhysicalDeviceProperties2");
    VkResult r = enum_pd && props2 ? enum_pd(vk.instance, &n, pds)
                                   : VK_ERROR_INITIALIZATION_FAILED;
    if (r != VK_SUCCESS && r != VK_INCOMPLETE)
        n = 0;
    for (uint32_t i = 0; i < n; i++) {
        VkPhysicalDeviceIDProperties id = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES};
        VkPhysicalDeviceProperties2 p = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
            .pNext = &id};
        props2(pds[i], &p);
        if (memcmp(id.driverUUID, driver_uuid, 16) != 0)
            continue;
        for (int j = 0; j < count; j++) {
            if (memcmp(id.deviceUUID, device_uuids[j], 16) != 0)
                continue;
            if ((d = device_new(pds[i], &p)) != NULL) {
                memcpy(d->device_uuid, id.deviceUUID, 16);
                memcpy(d->driver_uuid, id.driverUUID, 16);
                d->next = vk.devices;
                vk.devices = d;
            }
            goto out;
        }
    }
    say("no Vulkan device has the GL device's UUIDs (%u devices)", n);
out:
    pthread_mutex_unlock(&vk.lock);
    return d;
}

const char *lm_vk_reason(void)
{
    return vk.reason;
}

bool lm_vk_forked(void)
{
    return vk.forked;
}

static void hex(char *out, const uint8_t *uuid)
{
    for (int i = 0; i < 16; i++)
        sprintf(out + 2 * i, "%02x", uuid[i]);
}

void lm_vk_describe(void (*emit)(void *arg, const char *line), void *arg)
{
    VkPhysicalDevice pds[16];
    uint32_t n = 16;
    char line[512];

    pthread_mutex_lock(&vk.lock);
    if (!instance_up()) {
        emit(arg, vk.reason);
        pthread_mutex_unlock(&vk.lock);
        return;
    }
    PFN_vkEnumeratePhysicalDevices enum_pd = VK_FN(
        PFN_vkEnumeratePhysicalDevices, vk.instance,
        "vkEnumeratePhysicalDevices");
    PFN_vkGetPhysicalDeviceProperties2 props2 = VK_FN(
        PFN_vkGetPhysicalDeviceProperties2, vk.instance,
        "vkGetPhysicalDeviceProperties2");
    PFN_vkEnumerateDeviceExtensionProperties enum_ext =
        VK_FN(PFN_vkEnumerateDeviceExtensionProperties, vk.instance,
              "vkEnumerateDeviceExtensionProperties");
    VkResult r = enum_pd && props2 && enum_ext
                     ? enum_pd(vk.instance, &n, pds)
                     : VK_ERROR_INITIALIZATION_FAILED;
    if ((r != VK_SUCCESS && r != VK_INCOMPLETE) || n == 0)
        emit(arg, "no Vulkan device");
    for (uint32_t i = 0; (r == VK_SUCCESS || r == VK_INCOMPLETE) && i < n;
         i++) {
        VkPhysicalDeviceIDProperties id = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES};
        VkPhysicalDeviceProperties2 p = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
            .pNext = &id};
        VkExtensionProperties exts[512];
        uint32_t ne = 512;
        char dev[33], drv[33];
        props2(pds[i], &p);
        if (enum_ext(pds[i], NULL, &ne, exts) < 0)
            ne = 0;
        hex(dev, id.deviceUUID);
        hex(drv, id.driverUUID);
        bool fd = has_ext(exts, ne, "VK_KHR_external_memory_fd");
        bool placed = has_ext(exts, ne, "VK_EXT_map_memory_placed") &&
                      has_ext(exts, ne, "VK_KHR_map_memory2");
        snprintf(line, sizeof(line),
                 "%.200s: %s, views %s (deviceUUID %s driverUUID %s)",
                 p.properties.deviceName,
                 fd ? "exportable memory" : "no VK_KHR_external_memory_fd",
                 placed ? "placed by the driver" : "aliased by lowmap", dev,
                 drv);
        emit(arg, line);
    }
    pthread_mutex_unlock(&vk.lock);
}


#else /* !LOWMAP_HAVE_VULKAN */

void lm_vk_describe(void (*emit)(void *arg, const char *line), void *arg)
{
    emit(arg, lm_vk_reason());
}


struct lm_vk_device *lm_vk_device_find(const uint8_t (*device_uuids)[16],
                                       int count, const uint8_t *driver_uuid)
{
    (void)device_uuids;
    (void)count;
    (void)driver_uuid;
    lm_log(LM_LOG_INFO, "gl: memory-object backend off: %s",
           lm_vk_reason());
    return NULL;
}

const char *lm_vk_reason(void)
{
    return "lowmap was built without Vulkan headers";
}

#endif
