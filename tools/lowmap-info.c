/*
 * lowmap-info: what lowmap can do on this machine, found by trying.
 *
 * SPDX-License-Identifier: MIT
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>
#include <xf86drm.h>

#include "lowmap.h"
#ifdef LOWMAP_INFO_VULKAN
#include "vkmem.h"
#endif

static const char *yes_no(int answer)
{
    switch (answer) {
    case LOWMAP_YES: return "yes";
    case LOWMAP_NO: return "no";
    default: return "unknown";
    }
}

static const char *source_name(int source)
{
    switch (source) {
    case 0: return "self-reserved";
    case 1: return "translator callbacks";
    case 2: return "donated ranges";
    default: return "?";
    }
}

/*
 * Map a small dumb buffer of a DRM device the way drivers map BOs and ask
 * lowmap for a view of it: the strategy it picks is the one GL mappings of
 * that driver will get.  Returns the strategy or a negative error.
 */
static int try_drm_node(int fd)
{
    struct drm_mode_create_dumb create = {.width = 1024, .height = 1,
                                          .bpp = 32};
    struct drm_mode_map_dumb map = {0};
    struct drm_gem_close close_req = {0};
    lowmap_alias *alias;
    void *p;
    int ret;

    if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
        return -errno;
    close_req.handle = map.handle = create.handle;
    ret = drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) ? -errno : 0;
    p = ret ? MAP_FAILED
            : mmap(NULL, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                   (off_t)map.offset);
    if (p == MAP_FAILED) {
        ret = ret ? ret : -errno;
    } else {
        ret = lowmap_alias_create(p, create.size,
                                  LOWMAP_READ | LOWMAP_WRITE, &alias);
        if (ret == 0) {
            ret = lowmap_alias_strategy(alias);
            lowmap_alias_release(alias);
        }
        munmap(p, create.size);
    }
    drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &close_req);
    return ret;
}

/* One line per DRM card node: which strategy its buffer mappings get. */
static void report_drm(void)
{
    struct dirent *de;
    DIR *dir = opendir("/dev/dri");
    int found = 0;

    while (dir && (de = readdir(dir))) {
        char path[300];
        drmVersionPtr ver;
        int fd, s;

        if (strncmp(de->d_name, "card", 4) != 0)
            continue;
        snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
        if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
            continue;
        ver = drmGetVersion(fd);
        s = try_drm_node(fd);
        printf("DRM %-17s %s: buffer mappings get %s\n", path,
               ver ? ver->name : "?",
               s > 0 ? lowmap_strategy_name(s) : lowmap_strerror(s));
        if (ver)
            drmFreeVersion(ver);
        close(fd);
        found++;
    }
    if (dir)
        closedir(dir);
    if (!found)
        printf("DRM devices:           none\n");
}

#ifdef LOWMAP_INFO_VULKAN
static void vulkan_line(void *first, const char *line)
{
    printf("%s %s\n", *(int *)first ? "Vulkan (memory objects):" :
                                       "                       ", line);
    *(int *)first = 0;
}

/* What the memory-object backend finds on the Vulkan side. */
static void report_vulkan(void)
{
    int first = 1;
    lm_vk_describe(vulkan_line, &first);
}
#else
static void report_vulkan(void)
{
}
#endif

int main(void)
{
    struct lowmap_caps caps = {.size = sizeof(caps)};
    struct lowmap_stats st = {.size = sizeof(st)};
    int err;

    if ((err = lowmap_probe(&caps)) < 0 || (err = lowmap_stats(&st)) < 0) {
        fprintf(stderr, "lowmap-info: %s\n", lowmap_strerror(err));
        return 1;
    }
    printf("lowmap %s\n", lowmap_version_string());
    printf("limit:                 %#" PRIxPTR " (%" PRIuPTR " MiB)\n",
           caps.limit, caps.limit >> 20);
    printf("arena:                 %s, %" PRIu64 " KiB reserved\n",
           source_name(caps.arena_source), st.arena_bytes >> 10);
    printf("strategies enabled:   ");
    for (int s = 1; s < LOWMAP_STRATEGY_COUNT; s++)
        if (caps.strategies & (1u << s))
            printf(" %s", lowmap_strategy_name(s));
    printf("\n");
    printf("mremap, shared memory: %s\n", yes_no(caps.mremap_shared));
    printf("mremap, driver PFNMAP: %s%s\n", yes_no(caps.mremap_pfnmap),
           caps.mremap_pfnmap == LOWMAP_UNKNOWN
               ? " (learned on the first driver mapping)" : "");
    printf("fd re-mmap:            %s\n", yes_no(caps.fd_remap));
    printf("shadow copy:           %s\n", yes_no(caps.shadow));
    printf("PROCMAP_QUERY:         %s\n", yes_no(caps.procmap_query));
    printf("PAGEMAP_SCAN:          %s\n", yes_no(caps.pagemap_scan));
    printf("uffd async WP:         %s\n", yes_no(caps.uffd_wp_async));
    printf("MADV_POPULATE:         %s\n", yes_no(caps.populate));
    const char *dirty = getenv("LOWMAP_DIRTY");
    printf("shadow write-back:     %s\n",
           dirty && strcmp(dirty, "off") == 0 ? "whole mapped range"
           : caps.dirty_tracking == LOWMAP_YES
               ? "written pages, tracked (userfaultfd WP + PAGEMAP_SCAN) "
                 "or compared with the host, by cost"
               : "written pages, compared with the host");
    printf("costs measured here:   write-protect fault %" PRIu64 " ns; per "
           "page copy %" PRIu64 " ns, compare %" PRIu64 " ns, scan %" PRIu64
           " ns (+%" PRIu64 " ns a scan)\n",
           caps.wp_fault_ns, caps.copy_ns_page, caps.compare_ns_page,
           caps.scan_ns_page, caps.scan_ns_call);
    const char *placed = getenv("LOWMAP_PLACED");
    printf("placed storage (GL):   LOWMAP_PLACED=%s: %s\n",
           placed ? placed : "auto",
           !placed || strcmp(placed, "auto") == 0
               ? "where the host has GL_AMD_pinned_memory: persistent "
                 "storage, and buffers whose maps were shadows (on a "
                 "software rasterizer before their next map, on a GPU "
                 "driver at their next specification), in lowmap's own "
                 "arena (LOWMAP_DEBUG=info names the rule per context)"
           : strcmp(placed, "all") == 0 ? "every buffer"
           : strcmp(placed, "off") == 0 ? "none"
                                        : "persistent storage");
    const char *backend = getenv("LOWMAP_PLACED_BACKEND");
    printf("placed storage backend: LOWMAP_PLACED_BACKEND=%s: %s\n",
           backend ? backend : "auto",
           !backend || strcmp(backend, "auto") == 0
               ? "GL_AMD_pinned_memory where the host has it, else memory "
                 "objects from exportable Vulkan memory (GL_EXT_memory_"
                 "object_fd and a Vulkan device with the GL's UUIDs; "
                 "LOWMAP_DEBUG=info names the one in force per context)"
           : strcmp(backend, "pinned") == 0 ? "GL_AMD_pinned_memory only"
           : strcmp(backend, "memory_object") == 0
               ? "memory objects only"
           : strcmp(backend, "off") == 0 ? "none"
                                         : "unknown value: auto is used");
    report_vulkan();
    report_drm();
    /* What the DRM probe taught lowmap about PFNMAP duplication. */
    if (lowmap_probe(&caps) == 0 && caps.mremap_pfnmap != LOWMAP_UNKNOWN)
        printf("mremap, driver PFNMAP: %s (learned from the DRM device)\n",
               yes_no(caps.mremap_pfnmap));
    /* A machine where no low view of any kind can be made is broken for
     * lowmap's purpose: say so in the exit status. */
    return caps.shadow == LOWMAP_YES ? 0 : 1;
}
