/*
 * The strategies that need a view: mremap duplication, re-mmap of the
 * mapping's own file, and the shadow copy.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>

#include "alias.h"
#include "arena.h"
#include "core.h"
#include "log.h"

/* Zero-copy views show the host VMA from its start: DRM refuses mmap
 * offsets inside an object, and some drivers' fault handlers ignore the
 * page offset of partial duplicates.  Small VMAs are shown whole, so later
 * sub-allocations of the same driver heap hit the cache. */
#define WHOLE_VMA_MAX ((size_t)64 << 20)

/* Learned answers, guarded by the core lock. */
static int pfnmap_dup = LOWMAP_UNKNOWN;
static int mremap_shared = LOWMAP_UNKNOWN;

int strategy_pfnmap_dup(void)
{
    return pfnmap_dup;
}

int strategy_mremap_shared(void)
{
    return mremap_shared;
}

static size_t view_span(const struct request *rq)
{
    size_t whole = rq->vma.end - rq->vma.start;

    return whole <= WHOLE_VMA_MAX ? whole : rq->end - rq->vma.start;
}

static struct view *view_new(int strategy, uintptr_t low, size_t len,
                             uintptr_t host, const struct plat_vma *vma)
{
    struct view *v = calloc(1, sizeof(*v));

    if (!v)
        return NULL;
    v->low = low;
    v->len = len;
    v->host = host;
    v->strategy = strategy;
    v->refs = 1;
    if (vma) {
        v->dev = vma->dev;
        v->ino = vma->ino;
        v->offset = vma->offset;
    }
    return v;
}

/*
 * After a failed mremap or MAP_FIXED mmap: the slot goes back to the arena
 * if it holds our placeholder again; if something else took the address
 * meanwhile, it is lost rather than clobbered.
 */
static void slot_recover(uintptr_t low, size_t len)
{
    int err = plat_slot_restore(low, len);

    if (err == 0)
        arena_free(low, len);
    else
        arena_lose(low, len, err);
}

void view_destroy(struct view *v)
{
    shadow_view_gone(v);
    arena_vacate(v->low, v->len);
    free(v->twin);
    free(v);
}

static bool donated_only(const struct request *rq)
{
    return rq->access & LOWMAP_CLIENT_RANGE;
}

/* Common tail of the zero-copy strategies. */
static int zero_copy_done(const struct request *rq, int strategy,
                          uintptr_t low, size_t len, struct view **out)
{
    struct view *v = view_new(strategy, low, len, rq->vma.start, &rq->vma);

    if (!v) {
        arena_vacate(low, len);
        return -ENOMEM;
    }
    /* Fault in what the caller asked for in one call, not the whole VMA:
     * populating untouched shared memory would allocate it. */
    plat_populate(low + (rq->base - rq->vma.start), rq->end - rq->base,
                  rq->vma.prot & PLAT_PROT_WRITE);
    arena_notify(low, len, (int)rq->vma.prot);
    *out = v;
    return 0;
}

int strategy_mremap(const struct request *rq, struct view **out)
{
    bool device = rq->have_vma && rq->vma.backing == PLAT_BACKING_DEVICE;
    uintptr_t low;
    size_t len;
    int err;

    if (!rq->have_vma || !rq->vma.shared)
        return -ENOTSUP;
    if (device && pfnmap_dup == LOWMAP_NO)
        return -ENOTSUP;
    len = view_span(rq);
    if ((err = arena_alloc(len, donated_only(rq), &low)))
        return err;
    err = plat_mremap_dup(rq->vma.start, len, low);
    if (err) {
        slot_recover(low, len);
        /* EFAULT is the kernel refusing PFNMAP/DONTEXPAND duplication:
         * true of every driver mapping on this kernel, so stop trying. */
        if (device && err == -EFAULT && pfnmap_dup == LOWMAP_UNKNOWN) {
            pfnmap_dup = LOWMAP_NO;
            log_info("mremap: this kernel does not duplicate driver "
                     "(PFNMAP) mappings; using fd re-mmap for them");
        }
        log_trace("mremap: %#lx+%#zx: %d", (unsigned long)rq->vma.start,
                  len, err);
        return -ENOTSUP;
    }
    if (device)
        pfnmap_dup = LOWMAP_YES;
    else
        mremap_shared = LOWMAP_YES;
    return zero_copy_done(rq, LOWMAP_STRATEGY_MREMAP, low, len, out);
}

int strategy_fd_remap(const struct request *rq, struct view **out)
{
    uintptr_t low;
    size_t len;
    int err;

    if (!rq->have_vma || !rq->vma.shared || !rq->vma.ino)
        return -ENOTSUP;
    len = view_span(rq);
    if ((err = arena_alloc(len, donated_only(rq), &low)))
        return err;
    err = plat_fd_remap(&rq->vma, len, low, rq->vma.prot);
    if (err) {
        slot_recover(low, len);
        log_trace("fd_remap: %#lx+%#zx: %d", (unsigned long)rq->vma.start,
                  len, err);
        return -ENOTSUP;
    }
    return zero_copy_done(rq, LOWMAP_STRATEGY_FD_REMAP, low, len, out);
}

static size_t pages_spanned(size_t lead, size_t size, size_t page)
{
    return (lead + size + page - 1) / page;
}

/*
 * Where in its first page a shadow starts: half a page away from the
 * host's page offset.  Copies between two ranges at the same page offset
 * ran a third slower on x86 (1.75 against 1.3 us for 64 KiB in a GL
 * process on the README's machine): the loads alias the stores just made
 * 4 KiB apart.  Half a page keeps any host alignment up to 2 KiB, far more
 * than the GL's 64 bytes.  Where that would take a page more (a
 * page-aligned range of whole pages), the shadow keeps the host's offset:
 * low address space is scarcer than copy speed, and a range then never
 * needs more of it than a zero-copy view would.
 */
static size_t shadow_lead(const struct request *rq)
{
    size_t page = plat_page_size(), same = rq->host & (page - 1);
    size_t apart = same ^ (page / 2);

    return pages_spanned(apart, rq->size, page) >
                   pages_spanned(same, rq->size, page)
               ? same
               : apart;
}

int strategy_shadow(const struct request *rq, struct view **out)
{
    size_t page = plat_page_size(), lead = shadow_lead(rq);
    size_t len = pages_spanned(lead, rq->size, page) * page;
    struct view *v;
    uintptr_t low;
    int err;

    if ((err = arena_alloc(len, donated_only(rq), &low)))
        return err;
    err = plat_map_anon(low, len, PLAT_PROT_READ | PLAT_PROT_WRITE);
    if (err) {
        slot_recover(low, len);
        return err;
    }
    v = view_new(LOWMAP_STRATEGY_SHADOW, low, len, rq->host - lead, NULL);
    if (!v) {
        arena_vacate(low, len);
        return -ENOMEM;
    }
    arena_notify(low, len, PLAT_PROT_READ | PLAT_PROT_WRITE);
    *out = v;
    return 0;
}
