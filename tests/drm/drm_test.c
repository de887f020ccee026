/*
 * lowmap on a real DRM driver: vgem dumb buffers mapped the way Mesa's
 * drivers map BOs (node fd, fake offset, MAP_SHARED), then given low views
 * by the real core.  Runs inside a QEMU guest booted by run.sh; prints one
 * line per test and a closing "N passed, N failed" line.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>
#include <xf86drm.h>

#include "lowmap.h"

#define BO_SIZE (64 * 1024)
#define PAGE 4096

static const char *node = "/dev/dri/card0";
static bool failed;
/* What BO mappings must get: fd re-mmap on kernels that refuse to
 * duplicate PFNMAP mappings, mremap where they allow it (--pfnmap-dup). */
static int bo_strategy = LOWMAP_STRATEGY_FD_REMAP;
static bool pfnmap_dup;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            printf("  %s:%d: %s: ", __FILE__, __LINE__, #cond);              \
            printf(__VA_ARGS__);                                             \
            printf("\n");                                                    \
            failed = true;                                                   \
            return;                                                          \
        }                                                                    \
    } while (0)

struct bo {
    int fd;
    uint32_t handle;
    uint64_t offset; /* fake mmap offset */
    unsigned char *map;
};

static int bo_create(int fd, struct bo *bo)
{
    struct drm_mode_create_dumb create = {
        .width = BO_SIZE / 4, .height = 1, .bpp = 32};
    struct drm_mode_map_dumb map = {0};

    if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
        return -errno;
    map.handle = create.handle;
    if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
        return -errno;
    bo->fd = fd;
    bo->handle = create.handle;
    bo->offset = map.offset;
    bo->map = NULL;
    return 0;
}

/* Map the whole BO, as drivers do, at @where (NULL: anywhere). */
static int bo_map(struct bo *bo, void *where)
{
    void *p = mmap(where, BO_SIZE, PROT_READ | PROT_WRITE,
                   MAP_SHARED | (where ? MAP_FIXED : 0), bo->fd,
                   (off_t)bo->offset);
    if (p == MAP_FAILED)
        return -errno;
    bo->map = p;
    return 0;
}

static void bo_destroy(struct bo *bo)
{
    struct drm_gem_close close_req = {.handle = bo->handle};

    if (bo->map)
        munmap(bo->map, BO_SIZE);
    drmIoctl(bo->fd, DRM_IOCTL_GEM_CLOSE, &close_req);
}

static int open_node(void)
{
    return open(node, O_RDWR | O_CLOEXEC);
}

static bool below_limit(const void *p, size_t size)
{
    return (uintptr_t)p + size <= lowmap_limit();
}

/* ---- tests ------------------------------------------------------------ */

static void test_node_is_drm(void)
{
    int fd = open_node();

    CHECK(fd >= 0, "open %s: %s", node, strerror(errno));
    CHECK(drmGetNodeTypeFromFd(fd) >= 0, "libdrm does not see a DRM node");
    close(fd);
}

static void test_whole_bo_gets_its_strategy(void)
{
    lowmap_alias *a;
    struct bo bo;
    int fd = open_node(), err;

    CHECK(fd >= 0 && bo_create(fd, &bo) == 0 && bo_map(&bo, NULL) == 0,
          "cannot create and map a BO");
    for (size_t i = 0; i < BO_SIZE; i++)
        bo.map[i] = (unsigned char)(i * 7);
    err = lowmap_alias_create(bo.map, BO_SIZE, LOWMAP_READ | LOWMAP_WRITE, &a);
    CHECK(err == 0, "create: %s", lowmap_strerror(err));
    CHECK(lowmap_alias_strategy(a) == bo_strategy,
          "strategy %s", lowmap_strategy_name(lowmap_alias_strategy(a)));
    CHECK(below_limit(lowmap_alias_ptr(a), BO_SIZE), "ptr %p",
          lowmap_alias_ptr(a));
    CHECK(memcmp(lowmap_alias_ptr(a), bo.map, BO_SIZE) == 0,
          "low view shows other data");
    lowmap_alias_release(a);
    bo_destroy(&bo);
    close(fd);
}

static void test_sub_allocation_coherent(void)
{
    const size_t off = 3 * PAGE + 123, size = 5000;
    unsigned char *low;
    lowmap_alias *a;
    struct bo bo;
    int fd = open_node();

    CHECK(fd >= 0 && bo_create(fd, &bo) == 0 && bo_map(&bo, NULL) == 0,
          "cannot create and map a BO");
    memset(bo.map, 0x11, BO_SIZE);
    CHECK(lowmap_alias_create(bo.map + off, size, LOWMAP_READ | LOWMAP_WRITE,
                              &a) == 0, "create failed");
    low = lowmap_alias_ptr(a);
    CHECK(lowmap_alias_strategy(a) == bo_strategy, "strategy %s",
          lowmap_strategy_name(lowmap_alias_strategy(a)));
    CHECK(((uintptr_t)low & (PAGE - 1)) == ((uintptr_t)(bo.map + off) &
                                             (PAGE - 1)), "page offset");
    CHECK(below_limit(low, size), "ptr %p", (void *)low);
    /* Both ways, at both ends of the unaligned range, no flush needed. */
    low[0] = 0xa1;
    low[size - 1] = 0xa2;
    CHECK(bo.map[off] == 0xa1 && bo.map[off + size - 1] == 0xa2,
          "low writes not seen by the driver's view");
    bo.map[off + 1] = 0xb1;
    bo.map[off + size - 2] = 0xb2;
    CHECK(low[1] == 0xb1 && low[size - 2] == 0xb2,
          "driver writes not seen through the low view");
    CHECK(bo.map[off - 1] == 0x11 && bo.map[off + size] == 0x11,
          "bytes around the range changed");
    lowmap_alias_release(a);
    bo_destroy(&bo);
    close(fd);
}

static void test_survives_driver_unmap(void)
{
    unsigned char *low;
    lowmap_alias *a;
    struct bo bo;
    int fd = open_node();

    CHECK(fd >= 0 && bo_create(fd, &bo) == 0 && bo_map(&bo, NULL) == 0,
          "cannot create and map a BO");
    memset(bo.map, 0x22, BO_SIZE);
    CHECK(lowmap_alias_create(bo.map, BO_SIZE, LOWMAP_READ | LOWMAP_WRITE,
                              &a) == 0, "create failed");
    low = lowmap_alias_ptr(a);
    munmap(bo.map, BO_SIZE);
    bo.map = NULL;
    CHECK(low[100] == 0x22, "low view lost its data with the driver view");
    low[200] = 0x33;
    CHECK(bo_map(&bo, NULL) == 0, "remap failed");
    CHECK(bo.map[200] == 0x33, "low write lost after the driver remapped");
    lowmap_alias_release(a);
    bo_destroy(&bo);
    close(fd);
}

static void test_reused_address_gets_new_view(void)
{
    lowmap_alias *a1, *a2;
    struct bo bo1, bo2;
    unsigned char *addr;
    int fd = open_node();

    CHECK(fd >= 0 && bo_create(fd, &bo1) == 0 && bo_map(&bo1, NULL) == 0,
          "cannot create and map a BO");
    memset(bo1.map, 0x44, BO_SIZE);
    CHECK(lowmap_alias_create(bo1.map, BO_SIZE, LOWMAP_READ, &a1) == 0,
          "create failed");
    addr = bo1.map;
    /* The driver frees the BO and puts a new one at the same address,
     * while the old view is still held (and so still cached). */
    bo_destroy(&bo1);
    CHECK(bo_create(fd, &bo2) == 0 && bo_map(&bo2, addr) == 0,
          "cannot map a second BO at %p", (void *)addr);
    memset(bo2.map, 0x55, BO_SIZE);
    CHECK(lowmap_alias_create(addr, BO_SIZE, LOWMAP_READ, &a2) == 0,
          "create failed");
    CHECK(lowmap_alias_ptr(a2) != lowmap_alias_ptr(a1), "stale view reused");
    CHECK(((unsigned char *)lowmap_alias_ptr(a2))[10] == 0x55,
          "new view shows %#x", ((unsigned char *)lowmap_alias_ptr(a2))[10]);
    CHECK(((unsigned char *)lowmap_alias_ptr(a1))[10] == 0x44,
          "old view changed");
    lowmap_alias_release(a1);
    lowmap_alias_release(a2);
    bo_destroy(&bo2);
    close(fd);
}

static void test_other_open_file_is_skipped(void)
{
    lowmap_alias *a;
    struct bo bo;
    /* Opened first, so it comes first among the candidates. */
    int other = open_node(), fd = open_node();
    void *p;

    CHECK(other >= 0 && fd >= 0 && other < fd, "open failed");
    CHECK(bo_create(fd, &bo) == 0 && bo_map(&bo, NULL) == 0,
          "cannot create and map a BO");
    /* The premise: another open file description may not map this BO. */
    p = mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, other,
             (off_t)bo.offset);
    CHECK(p == MAP_FAILED && errno == EACCES,
          "mapping through another open of the node: %s",
          p == MAP_FAILED ? strerror(errno) : "allowed");
    memset(bo.map, 0x66, BO_SIZE);
    CHECK(lowmap_alias_create(bo.map, BO_SIZE, LOWMAP_READ | LOWMAP_WRITE,
                              &a) == 0, "create failed");
    CHECK(lowmap_alias_strategy(a) == bo_strategy, "strategy %s",
          lowmap_strategy_name(lowmap_alias_strategy(a)));
    ((unsigned char *)lowmap_alias_ptr(a))[5] = 0x67;
    CHECK(bo.map[5] == 0x67, "view not coherent");
    lowmap_alias_release(a);
    bo_destroy(&bo);
    close(fd);
    close(other);
}

static void test_dma_buf(void)
{
    unsigned char *dmabuf_map, *low;
    lowmap_alias *a;
    struct bo bo;
    int fd = open_node(), prime = -1;

    CHECK(fd >= 0 && bo_create(fd, &bo) == 0 && bo_map(&bo, NULL) == 0,
          "cannot create and map a BO");
    /* Read-write the first time: the export is cached with its flags. */
    CHECK(drmPrimeHandleToFD(fd, bo.handle, DRM_CLOEXEC | DRM_RDWR,
                             &prime) == 0, "export: %s", strerror(errno));
    dmabuf_map = mmap(NULL, BO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                      prime, 0);
    CHECK(dmabuf_map != MAP_FAILED, "mmap dma-buf: %s", strerror(errno));
    memset(bo.map, 0x77, BO_SIZE);
    CHECK(lowmap_alias_create(dmabuf_map, BO_SIZE, LOWMAP_READ | LOWMAP_WRITE,
                              &a) == 0, "create failed");
    CHECK(lowmap_alias_strategy(a) == bo_strategy, "strategy %s",
          lowmap_strategy_name(lowmap_alias_strategy(a)));
    low = lowmap_alias_ptr(a);
    CHECK(below_limit(low, BO_SIZE), "ptr %p", (void *)low);
    CHECK(low[9] == 0x77, "dma-buf view shows %#x", low[9]);
    low[9] = 0x78;
    CHECK(bo.map[9] == 0x78, "dma-buf view not coherent with the BO");
    lowmap_alias_release(a);
    munmap(dmabuf_map, BO_SIZE);
    close(prime);
    bo_destroy(&bo);
    close(fd);
}

static void test_pfnmap_duplication_learned(void)
{
    struct lowmap_caps caps = {.size = sizeof(caps)};
    struct bo bo;
    void *dup;
    int fd = open_node();

    CHECK(fd >= 0 && bo_create(fd, &bo) == 0 && bo_map(&bo, NULL) == 0,
          "cannot create and map a BO");
    /* The premise, straight from the kernel: does mremap duplicate a
     * PFNMAP mapping? */
    dup = mremap(bo.map, 0, BO_SIZE, MREMAP_MAYMOVE);
    if (pfnmap_dup) {
        CHECK(dup != MAP_FAILED, "mremap duplication: %s", strerror(errno));
        munmap(dup, BO_SIZE);
    } else {
        CHECK(dup == MAP_FAILED && errno == EFAULT, "mremap duplication: %s",
              dup == MAP_FAILED ? strerror(errno) : "worked");
    }
    CHECK(lowmap_probe(&caps) == 0, "probe failed");
    CHECK(caps.mremap_pfnmap == (pfnmap_dup ? LOWMAP_YES : LOWMAP_NO),
          "probe says PFNMAP duplication is %d after a driver mapping",
          caps.mremap_pfnmap);
    CHECK(caps.fd_remap == LOWMAP_YES, "probe says fd re-mmap is %d",
          caps.fd_remap);
    bo_destroy(&bo);
    close(fd);
}

/* Last: every view of every test above was given back. */
static void test_nothing_left_live(void)
{
    struct lowmap_stats st = {.size = sizeof(st)};

    CHECK(lowmap_stats(&st) == 0, "stats failed");
    CHECK(st.aliases_live == 0, "%llu handles still live",
          (unsigned long long)st.aliases_live);
    CHECK(st.aliases_created[LOWMAP_STRATEGY_SHADOW] == 0,
          "%llu views fell back to a shadow copy",
          (unsigned long long)st.aliases_created[LOWMAP_STRATEGY_SHADOW]);
}

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
    {"node_is_drm", test_node_is_drm},
    {"whole_bo_gets_its_strategy", test_whole_bo_gets_its_strategy},
    {"sub_allocation_coherent", test_sub_allocation_coherent},
    {"survives_driver_unmap", test_survives_driver_unmap},
    {"reused_address_gets_new_view", test_reused_address_gets_new_view},
    {"other_open_file_is_skipped", test_other_open_file_is_skipped},
    {"dma_buf", test_dma_buf},
    {"pfnmap_duplication_learned", test_pfnmap_duplication_learned},
    {"nothing_left_live", test_nothing_left_live},
};

int main(int argc, char **argv)
{
    int passed = 0, nfailed = 0;
    struct lowmap_stats st = {.size = sizeof(st)};

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pfnmap-dup") == 0) {
            pfnmap_dup = true;
            bo_strategy = LOWMAP_STRATEGY_MREMAP;
        } else {
            node = argv[i];
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        failed = false;
        tests[i].fn();
        printf("%s %s\n", failed ? "FAIL" : "PASS", tests[i].name);
        failed ? nfailed++ : passed++;
    }
    lowmap_stats(&st);
    printf("stats: fd_remap %llu, mremap %llu, shadow %llu, live %llu\n",
           (unsigned long long)st.aliases_created[LOWMAP_STRATEGY_FD_REMAP],
           (unsigned long long)st.aliases_created[LOWMAP_STRATEGY_MREMAP],
           (unsigned long long)st.aliases_created[LOWMAP_STRATEGY_SHADOW],
           (unsigned long long)st.aliases_live);
    printf("drm: %d passed, %d failed\n", passed, nfailed);
    return nfailed ? 1 : 0;
}
