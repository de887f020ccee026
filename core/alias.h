/*
 * Views and handles.
 *
 * A view is one low mapping made by lowmap: a zero-copy duplicate of a
 * host mapping (mremap, fd_remap), shared by every handle on that host
 * mapping and cached by the host VMA's start, or a shadow copy owned by a
 * single handle.  A handle (struct lowmap_alias) is what a caller holds:
 * it points into a view, or straight at the host range for passthrough and
 * placed memory, which need no view.
 *
 * All functions here run with the core lock held, except the copies in
 * alias_copy_in()/alias_copy_out(), which touch only memory the handle
 * owns.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_ALIAS_H
#define LOWMAP_ALIAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uthash.h>

#include "lowmap.h"
#include "platform.h"

struct view {
    uintptr_t low;   /* slot start */
    size_t len;      /* slot length, page multiple */
    uintptr_t host;  /* host address shown at low: page aligned, but a
                      * shadow's range may start half a page away from
                      * the host's page offset (strategy.c) */
    int strategy;
    unsigned refs;
    bool cached;
    bool tracked; /* shadow: the kernel tracks which pages get written */
    bool registered; /* shadow: registered for tracking, now or before */
    /* Shadow: pages its recent write-backs found written, or for tracked
     * ones copied back (a moving average over @samples of them), to
     * choose the next write-back. */
    double written;
    uint32_t samples;
    /* Pages explicit flushes published since the last write-back: written
     * too, though the write-back finds them equal to the host. */
    size_t flushed;
    /* Tracked, not persistent: pages the last scan left writable (copied
     * back at each write-back until protected again), and how many kept
     * write-backs leave them so before one protects them (shadow.c). */
    size_t carried;
    uint32_t protect_in;
    /* Tracked, not persistent: the pages written afresh (each a fault) in
     * the protect cycle under way; and the faults per write-back measured
     * on the last cycle, or a bound from the one under way (@rate_known),
     * which the cost model uses instead of its estimate (shadow.c,
     * expected_faults()). */
    uint32_t cycle_faults;
    double fault_rate;
    bool rate_known;
    /* Untracked after tracking cost too much: write-backs until the
     * measured rate is forgotten and tracking may be tried again, and the
     * wait after the last such try (doubling, up to a bound). */
    uint32_t retry_in, backoff;
    /* Non-persistent shadow: what its compared and whole write-backs
     * took, in ns (moving averages, 0 until measured), and how many
     * untracked write-backs it has had. */
    double ns_compare, ns_whole;
    uint32_t untracked;
    /* Not persistent: whether the next write-back should be tracked, as
     * last worked out from the above (shadow.c). */
    enum { VERDICT_STALE, VERDICT_UNTRACKED, VERDICT_TRACK } verdict;
    /* Persistent shadow: what shadow and host last agreed on, per byte of
     * the handle's range (shadow.c), or NULL. */
    unsigned char *twin;
    /* Identity of the host VMA when the view was made, to tell a reused
     * address from the mapping we duplicated. */
    uint64_t dev, ino, offset;
    UT_hash_handle hh; /* cache, keyed by host */
};

/* What a shadow handle copied, and its write-backs by method. */
struct handle_counts {
    uint64_t bytes_in, bytes_out;
    uint64_t tracked, compared, whole;
};

struct lowmap_alias {
    struct view *view; /* NULL for passthrough and placed */
    void *ptr;         /* low pointer matching host */
    const void *host;
    size_t size;
    unsigned access;
    int strategy;
    struct lowmap_alias *self; /* itself while live, else NULL (handle.c) */
    struct lowmap_alias *prev, *next; /* live list, or free slots */
    struct handle_counts counts; /* written by the holder only */
};

/* handle.c, under the core lock unless said otherwise. */
struct lowmap_alias *handle_new(void); /* zeroed; NULL when out of memory */
void handle_publish(struct lowmap_alias *a); /* live from now on */
/* Ends a handle's life if @a is a live handle; false if it is not. */
bool handle_retire(struct lowmap_alias *a);
void handle_free(struct lowmap_alias *a, bool was_live);
/* Shadow counts: what released handles left, and the live ones'. */
void handle_sum_counts(struct handle_counts *sum);
void *handle_translate(uintptr_t host);
/* No lock: whether @a, any pointer, is a live handle. */
bool handle_live(const struct lowmap_alias *a);
/* No lock, by the handle's holder: a load and a store. */
#define handle_count(a, field, n)                                            \
    __atomic_store_n(&(a)->counts.field,                                     \
                     __atomic_load_n(&(a)->counts.field, __ATOMIC_RELAXED) + \
                         (n),                                                \
                     __ATOMIC_RELAXED)

/* Page-rounded host request. */
struct request {
    uintptr_t host;
    size_t size;
    unsigned access;
    uintptr_t base, end; /* page-rounded [base, end) */
    bool have_vma;       /* vma describes base, and covers [base, end) */
    struct plat_vma vma;
};

/* strategy.c: each returns 0 with *out set, -ENOTSUP when it does not
 * apply to this mapping, or another negative errno (-ENOMEM: no room). */
int strategy_mremap(const struct request *rq, struct view **out);
int strategy_fd_remap(const struct request *rq, struct view **out);
int strategy_shadow(const struct request *rq, struct view **out);
/* Tear a view down: placeholder back, slot to quarantine. */
void view_destroy(struct view *v);
/* Learned per process: does mremap duplicate device (PFNMAP) mappings? */
int strategy_pfnmap_dup(void);
/* Did mremap duplication of shared memory work yet (probe)? */
int strategy_mremap_shared(void);

/* alias.c: view cache. */
struct view *cache_find(const struct request *rq);
void cache_insert(struct view *v);

/* shadow.c: copies between a shadow handle and its host range.  The
 * view is the handle's own; no lock is held. */
bool shadow_needs_copy_in(unsigned access);
/* Whether a map with @access writes back at sync and release. */
static inline bool shadow_writes_back(unsigned access)
{
    return (access & LOWMAP_WRITE) && !(access & LOWMAP_FLUSH_EXPLICIT);
}
void shadow_start(struct lowmap_alias *a); /* after create */
void shadow_copy_out(struct lowmap_alias *a, size_t off, size_t size);
/* An explicit flush of [off, off+size): copied out, and counted written. */
void shadow_flush(struct lowmap_alias *a, size_t off, size_t size);
void shadow_refresh(struct lowmap_alias *a, size_t off, size_t size);
/* @keep: a sync (the view goes on), not a release. */
void shadow_write_back(struct lowmap_alias *a, bool keep);
/* A view goes: it no longer counts against the tracking allowance. */
void shadow_view_gone(struct view *v);
/* This machine's costs, measured at first call. */
const struct plat_dirty_costs *shadow_costs(void);

/* Placed blocks (lowmap_mem_alloc), for the PLACED strategy. */
bool placed_contains(uintptr_t addr, size_t len);

#endif /* LOWMAP_ALIAS_H */
