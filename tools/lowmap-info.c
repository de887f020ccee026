/*
 * lowmap-info: what lowmap can do on this machine, found by trying.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "lowmap.h"

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
    /* A machine where no low view of any kind can be made is broken for
     * lowmap's purpose: say so in the exit status. */
    return caps.shadow == LOWMAP_YES ? 0 : 1;
}
