/*
 * What a shadow map costs against writing the host memory directly, and
 * what dirty-page tracking saves: a 1 MiB write map of private memory
 * (the kind llvmpipe hands out), a few pages written, then released.
 * Prints bytes copied back and time per map, with ratios to native, for
 * the write-back lowmap chose at start-up.  Run it twice to compare:
 *
 *   bench_shadow            (written pages only, where the kernel can)
 *   LOWMAP_DIRTY=off bench_shadow   (whole range)
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lowmap.h"

#define SIZE ((size_t)1 << 20)
#define PAGE 4096
#define ROUNDS 2000

static double now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* Writes @pages bytes, one in each of @pages pages spread over the map. */
static void touch(volatile char *p, int pages, int round)
{
    for (int i = 0; i < pages; i++)
        p[(size_t)i * (SIZE / (size_t)pages) + 17] = (char)(round + i);
}

int main(void)
{
    static const int written[] = {1, 4, 16, 256};
    struct lowmap_caps caps = {.size = sizeof(caps)};
    char *host = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (host == MAP_FAILED || lowmap_probe(&caps) < 0)
        return 1;
    memset(host, 1, SIZE);
    printf("shadow write-back: %s\n",
           caps.dirty_tracking == LOWMAP_YES ? "written pages only"
                                             : "whole range");
    printf("%-14s %12s %12s %14s %10s\n", "pages written", "native us",
           "lowmap us", "copied back", "time ratio");
    for (size_t w = 0; w < sizeof(written) / sizeof(written[0]); w++) {
        struct lowmap_stats s0 = {.size = sizeof(s0)}, s1 = s0;
        double t0 = now_us();

        for (int r = 0; r < ROUNDS; r++)
            touch(host, written[w], r);
        double native = (now_us() - t0) / ROUNDS;

        lowmap_stats(&s0);
        t0 = now_us();
        for (int r = 0; r < ROUNDS; r++) {
            lowmap_alias *a;
            /* Write-only with invalidate: nothing to copy in, so what is
             * left is the cost of the map itself and of the write-back. */
            if (lowmap_alias_create(host, SIZE,
                                    LOWMAP_WRITE | LOWMAP_INVALIDATE, &a)) {
                fprintf(stderr, "bench_shadow: create failed\n");
                return 1;
            }
            touch(lowmap_alias_ptr(a), written[w], r);
            lowmap_alias_release(a);
        }
        double through = (now_us() - t0) / ROUNDS;
        lowmap_stats(&s1);
        printf("%-14d %12.2f %12.2f %12" PRIu64 " B %9.0fx\n", written[w],
               native, through,
               (s1.bytes_copied_out - s0.bytes_copied_out) / ROUNDS,
               through / (native > 0.001 ? native : 0.001));
    }
    return 0;
}
