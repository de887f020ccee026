/*
 * lowmap_probe(): find out what works on this kernel by trying it on
 * memory of our own.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "alias.h"
#include "arena.h"
#include "core.h"
#include "log.h"

static int answer(bool yes)
{
    return yes ? LOWMAP_YES : LOWMAP_NO;
}

/*
 * Make a view of a small shared memory object with one strategy, then
 * check it is coherent both ways.  Returns LOWMAP_YES/NO.
 */
static int try_zero_copy(int (*strategy)(const struct request *,
                                         struct view **))
{
    size_t len = 2 * plat_page_size();
    struct request rq = {.access = LOWMAP_READ | LOWMAP_WRITE};
    struct view *v = NULL;
    uintptr_t host;
    int fd, ok = LOWMAP_NO;

    if ((fd = plat_shm_create(len)) < 0)
        return LOWMAP_NO;
    if (plat_map_shared(fd, len, &host) < 0) {
        plat_close(fd);
        return LOWMAP_NO;
    }
    rq.host = rq.base = host;
    rq.size = len;
    rq.end = host + len;
    rq.have_vma = plat_vma_query(host, &rq.vma) == 0 && rq.vma.end >= rq.end;

    lowmap__lock();
    int err = strategy(&rq, &v);
    lowmap__unlock();
    if (!err) {
        volatile char *lo = (char *)v->low + (host - v->host);
        volatile char *hi = (char *)host;
        lo[1] = 0x5a;
        hi[len - 1] = 0x3c;
        ok = answer(hi[1] == 0x5a && lo[len - 1] == 0x3c);
        lowmap__lock();
        view_destroy(v);
        lowmap__unlock();
    }
    plat_unmap(host, len);
    plat_close(fd);
    return ok;
}

static int try_shadow(void)
{
    static const char data[] = "lowmap";
    struct request rq = {.access = LOWMAP_READ | LOWMAP_WRITE};
    struct view *v = NULL;
    int ok;

    rq.host = rq.base = (uintptr_t)data & ~(uintptr_t)(plat_page_size() - 1);
    rq.size = plat_page_size();
    rq.end = rq.base + rq.size;
    lowmap__lock();
    int err = strategy_shadow(&rq, &v);
    lowmap__unlock();
    if (err)
        return LOWMAP_NO;
    /* Writable and below the limit is all a shadow needs. */
    volatile char *lo = (char *)v->low;
    lo[0] = 1;
    ok = answer(lo[0] == 1 && v->low + v->len <= arena_limit());
    lowmap__lock();
    view_destroy(v);
    lowmap__unlock();
    return ok;
}

/*
 * One log line naming what this process lacks, found by trying: sandboxes
 * deny system calls (seccomp), hide /proc, or cap resources, and the
 * degraded paths that follow (whole-range write-back, shadows only) should
 * say why.  Only with LOWMAP_DEBUG=info.
 */
void lowmap__report_missing(void)
{
    struct lowmap_caps c = {.size = sizeof(c)};
    struct plat_vma v;
    char line[512] = "";
    int fd, r;

#define MISSING(...)                                                        \
    snprintf(line + strlen(line), sizeof(line) - strlen(line), __VA_ARGS__)
    if (lowmap_probe(&c) < 0)
        return;
    r = plat_vma_query((uintptr_t)&c, &v);
    if (r < 0)
        MISSING(" /proc/self/maps (%s: shadows only);", strerror(-r));
    else if (c.procmap_query != LOWMAP_YES)
        MISSING(" PROCMAP_QUERY (parsing /proc/self/maps);");
    if ((fd = plat_shm_create(plat_page_size())) < 0)
        MISSING(" memfd_create (%s);", strerror(-fd));
    plat_close(fd);
    if (c.mremap_shared != LOWMAP_YES)
        MISSING(" mremap duplication;");
    if (c.fd_remap != LOWMAP_YES)
        MISSING(" fd re-mmap;");
    if (c.shadow != LOWMAP_YES)
        MISSING(" low anonymous memory (no shadows);");
    if (c.uffd_wp_async != LOWMAP_YES)
        MISSING(" userfaultfd write-protect;");
    if (c.pagemap_scan != LOWMAP_YES)
        MISSING(" PAGEMAP_SCAN;");
    if (c.dirty_tracking != LOWMAP_YES)
        MISSING(" so shadows find written pages by comparing (persistent "
                "ones copy whole ranges);");
#undef MISSING
    log_info("missing here:%s", *line ? line : " nothing");
}

int lowmap_probe(struct lowmap_caps *out)
{
    struct lowmap_caps c = {0};

    if (!out || out->size < sizeof(out->size))
        return LOWMAP_EINVAL;
    lowmap__init();
    c.limit = lowmap_limit();
    c.strategies = lowmap__config()->strategies;
    lowmap__lock();
    c.arena_source = (int)arena_source();
    lowmap__unlock();
    /* A caller that asks only this much (the GL layer, at each buffer
     * specification) gets it without the trial mappings below. */
    if (out->size <= offsetof(struct lowmap_caps, mremap_shared))
        goto fill;
    c.mremap_shared = try_zero_copy(strategy_mremap);
    c.fd_remap = try_zero_copy(strategy_fd_remap);
    c.shadow = try_shadow();
    lowmap__lock();
    c.mremap_pfnmap = strategy_pfnmap_dup();
    lowmap__unlock();
    c.procmap_query = answer(plat_have_procmap_query());
    c.pagemap_scan = answer(plat_have_pagemap_scan());
    c.uffd_wp_async = answer(plat_have_uffd_wp_async());
    c.populate = answer(plat_have_populate());
    c.dirty_tracking = answer(lowmap__dirty_tracking());
    const struct plat_dirty_costs *costs = shadow_costs();
    c.copy_ns_page = costs->copy_ns_page;
    c.compare_ns_page = costs->compare_ns_page;
    c.scan_ns_page = costs->scan_ns_page;
    c.scan_ns_call = costs->scan_ns_call;
    c.wp_fault_ns = costs->fault_ns;

fill:;
    size_t n = out->size < sizeof(c) ? out->size : sizeof(c);
    c.size = n;
    memcpy(out, &c, n);
    return 0;
}
