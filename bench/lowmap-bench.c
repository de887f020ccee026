/*
 * lowmap-bench: what a buffer map + unmap costs through lowmap, against the
 * host alone and against a translator's own copy path, in one run.
 *
 * Configurations (each in a child process of its own, since the GL vendor
 * and lowmap's policies are fixed at load; each round runs one child per
 * configuration side by side and takes every case through all of them in
 * turn, batch by batch, before the next, so that a slow spell of the
 * machine falls on all alike; each time is the median over the rounds,
 * and each ratio the median of the rounds' own ratios):
 *
 *   native    the host's EGL vendor alone
 *   wine      the host alone, with the copy path of Wine's opengl32
 *             (dlls/opengl32/unix_wgl.c) done around each map: a low buffer,
 *             the whole mapped range copied in unless the map invalidates,
 *             and the whole range copied back at unmap for write maps; and
 *             Wine's bookkeeping: its lock, and the bound buffer asked of
 *             the GL and looked up in its buffer tree at map and at unmap
 *   wine-min  the same copies without that bookkeeping (the GL asked for
 *             the map pointer, length and flags at unmap): the cheapest
 *             copy path a translator could have
 *   lowmap    lowmap's EGL vendor, default policies
 *   placed    lowmap with placed storage for every buffer (LOWMAP_PLACED=all)
 *   memobj    lowmap with persistent storage from exportable Vulkan memory
 *             (LOWMAP_PLACED_BACKEND=memory_object; needs a Vulkan driver
 *             for the GL's device, lavapipe for llvmpipe)
 *   shadow    shadows only (LOWMAP_STRATEGIES=shadow, LOWMAP_PLACED=off),
 *             write-back chosen by cost (LOWMAP_DIRTY=auto), and the same
 *             forced to each method: shadow-track, shadow-compare,
 *             shadow-whole
 *
 * mremap and fd re-mmap views do not apply to a host whose buffers are
 * private heap memory (llvmpipe): the machine line says which host ran.
 *
 * Cases: sizes 4 KiB to 16 MiB; access read, write+invalidate, read/write,
 * write+flush-explicit, persistent coherent with a draw after each write;
 * one page, a tenth or all of the pages written per map; and 64 KiB
 * read/write maps with 1, 1 000 and 100 000 live buffers (each mapped once).
 *
 *   lowmap-bench [--quick] [--rounds N] [--json FILE] [--only CONFIGS]
 *                [--cases TEXT] [--cpu N]
 *
 * --cases TEXT runs only the cases whose names hold TEXT ("64K write+").
 *
 * --cpu N runs every configuration on CPU N alone (llvmpipe's threads
 * included): on a shared virtual machine, runs of one build then differ
 * by a few per cent instead of tens.
 *
 * Not a test: it fails only when a configuration cannot run at all.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const struct bench_config configs[] = {
    {"native", false, {NULL}},
    {"wine", false, {"LOWMAP_BENCH_WINE=table", NULL}},
    {"wine-min", false, {"LOWMAP_BENCH_WINE=min", NULL}},
    {"lowmap", true, {NULL}},
    {"placed", true, {"LOWMAP_PLACED=all", NULL}},
    {"memobj", true, {"LOWMAP_PLACED_BACKEND=memory_object", NULL}},
    {"shadow", true, {"LOWMAP_STRATEGIES=shadow", "LOWMAP_PLACED=off", NULL}},
    {"shadow-track", true,
     {"LOWMAP_STRATEGIES=shadow", "LOWMAP_PLACED=off", "LOWMAP_DIRTY=track",
      NULL}},
    {"shadow-compare", true,
     {"LOWMAP_STRATEGIES=shadow", "LOWMAP_PLACED=off",
      "LOWMAP_DIRTY=compare", NULL}},
    {"shadow-whole", true,
     {"LOWMAP_STRATEGIES=shadow", "LOWMAP_PLACED=off", "LOWMAP_DIRTY=off",
      NULL}},
};
#define NCONFIGS (sizeof(configs) / sizeof(configs[0]))

int main(int argc, char **argv)
{
    struct bench_options o = {.rounds = 3, .json = "lowmap-bench.json",
                              .cpu = -1};

    if (getenv("LOWMAP_BENCH_CHILD"))
        return bench_child(getenv("LOWMAP_BENCH_QUICK") != NULL);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            o.quick = true;
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            o.rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            o.json = argv[++i];
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            o.only = argv[++i];
        } else if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
            o.cases = argv[++i];
        } else if (strcmp(argv[i], "--cpu") == 0 && i + 1 < argc) {
            char *end;
            long cpu = strtol(argv[++i], &end, 10);
            if (*end || cpu < 0 || cpu >= 1024) {
                fprintf(stderr, "lowmap-bench: --cpu takes a CPU number\n");
                return 2;
            }
            o.cpu = (int)cpu;
        } else {
            fprintf(stderr, "usage: %s [--quick] [--rounds N] [--json FILE] "
                            "[--only native,wine,lowmap,...] [--cases TEXT] "
                            "[--cpu N]\n",
                    argv[0]);
            return 2;
        }
    }
    if (o.rounds < 1 || o.rounds > 99) {
        fprintf(stderr, "lowmap-bench: --rounds takes 1 to 99\n");
        return 2;
    }
    return bench_parent(configs, NCONFIGS, &o);
}
