/*
 * lowmap_alias_*: choosing a strategy, the view cache, shadow copies, and
 * placed memory.  Handles themselves live in handle.c.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "arena.h"
#include "core.h"
#include "log.h"

struct placed {
    uintptr_t addr;
    size_t len;
    /* lowmap_mem_alias(): the zero-copy alias whose view this block is,
     * and the pointer handed out (inside the block). */
    lowmap_alias *alias;
    void *user;
    unsigned prot; /* PLAT_PROT_*, as lowmap_mem_protect() last set it */
};

/* All guarded by the core lock. */
static struct view *cache;          /* zero-copy views by host VMA start */
/* lowmap_mem_alloc() memory: a balanced tree (tsearch) of disjoint blocks
 * ordered by address, so that finding the block holding a range costs
 * O(log n) however many buffers have placed storage. */
static void *placed_blocks;

/* ---- view cache -------------------------------------------------------- */

static void cache_remove(struct view *v)
{
    if (v->cached) {
        HASH_DEL(cache, v);
        v->cached = false;
    }
}

struct view *cache_find(const struct request *rq)
{
    struct view *v;
    uintptr_t key = rq->vma.start;

    HASH_FIND(hh, cache, &key, sizeof(key), v);
    if (!v)
        return NULL;
    /* Drivers free and reuse addresses: the view is only good for the
     * very mapping it duplicated. */
    if (v->dev != rq->vma.dev || v->ino != rq->vma.ino ||
        v->offset != rq->vma.offset) {
        log_trace("cache: %#lx now maps another object; dropping its view",
                  (unsigned long)key);
        cache_remove(v);
        return NULL;
    }
    if (v->host + v->len < rq->end)
        return NULL; /* too short: a longer view replaces it */
    return v;
}

void cache_insert(struct view *v)
{
    struct view *old;

    HASH_FIND(hh, cache, &v->host, sizeof(v->host), old);
    if (old)
        cache_remove(old); /* its holders keep it until they release */
    HASH_ADD(hh, cache, host, sizeof(v->host), v);
    v->cached = true;
}

/* ---- placed memory ------------------------------------------------------ */

/* Overlapping blocks compare equal: a key range finds the block it
 * overlaps (blocks never overlap each other). */
static int placed_cmp(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;

    if (x->addr + x->len <= y->addr)
        return -1;
    return y->addr + y->len <= x->addr ? 1 : 0;
}

static struct placed *placed_find(uintptr_t addr, size_t len)
{
    struct placed key = {.addr = addr, .len = len ? len : 1};
    struct placed **found = tfind(&key, &placed_blocks, placed_cmp);

    return found ? *found : NULL;
}

/* The block that holds all of [addr, addr+len), or NULL. */
static struct placed *placed_holding(uintptr_t addr, size_t len)
{
    struct placed *p = placed_find(addr, len);

    return p && addr >= p->addr && addr + len <= p->addr + p->len ? p : NULL;
}

bool placed_contains(uintptr_t addr, size_t len)
{
    return placed_holding(addr, len) != NULL;
}

static uintptr_t page_up(uintptr_t v)
{
    return (v + plat_page_size() - 1) & ~(uintptr_t)(plat_page_size() - 1);
}

int lowmap_mem_alloc(size_t size, void **out)
{
    struct placed *p;
    uintptr_t low;
    int err;

    if (!out)
        return LOWMAP_EINVAL;
    *out = NULL;
    if (!size)
        return LOWMAP_EINVAL;
    if (page_up(size) < size)
        return LOWMAP_EOVERFLOW;
    lowmap__init();
    if (!(p = calloc(1, sizeof(*p))))
        return LOWMAP_ENOMEM;
    p->len = page_up(size);
    lowmap__lock();
    err = arena_alloc(p->len, false, &low);
    if (!err && (err = plat_map_anon(low, p->len,
                                     PLAT_PROT_READ | PLAT_PROT_WRITE))) {
        /* The failed MAP_FIXED may have left the slot empty, and another
         * thread may have mapped there since: never map over that. */
        int restored = plat_slot_restore(low, p->len);
        if (restored == 0)
            arena_free(low, p->len);
        else
            arena_lose(low, p->len, restored);
    }
    if (!err) {
        p->addr = low;
        p->prot = PLAT_PROT_READ | PLAT_PROT_WRITE;
        if (!tsearch(p, &placed_blocks, placed_cmp)) {
            plat_placeholder(low, p->len);
            arena_free(low, p->len);
            err = LOWMAP_ENOMEM;
        } else {
            arena_notify(low, p->len, PLAT_PROT_READ | PLAT_PROT_WRITE);
        }
    }
    lowmap__unlock();
    if (err) {
        free(p);
        return err;
    }
    *out = (void *)low;
    return 0;
}

int lowmap_mem_free(void *ptr)
{
    uintptr_t addr = (uintptr_t)ptr;
    struct placed *p;

    if (!ptr)
        return LOWMAP_EINVAL;
    lowmap__init();
    lowmap__lock();
    p = placed_find(addr, 1);
    if (p && p->addr != addr && p->user != ptr)
        p = NULL; /* inside a block, not what was handed out */
    if (p) {
        tdelete(p, &placed_blocks, placed_cmp);
        /* An aliased block's view goes with its alias, below. */
        if (!p->alias)
            arena_vacate(p->addr, p->len);
    }
    lowmap__unlock();
    if (!p)
        return LOWMAP_ENOENT;
    if (p->alias) {
        counter_add(live, 1);
        lowmap_alias_discard(p->alias);
    }
    free(p);
    return 0;
}

int lowmap_mem_protect(void *ptr, size_t size, unsigned access)
{
    uintptr_t addr = (uintptr_t)ptr;
    size_t page = plat_page_size();
    unsigned prot = (access & LOWMAP_READ ? PLAT_PROT_READ : 0) |
                    (access & LOWMAP_WRITE ? PLAT_PROT_WRITE : 0);
    int err;

    if (!ptr || !size || (addr | size) & (page - 1) ||
        (access & ~(unsigned)(LOWMAP_READ | LOWMAP_WRITE)) ||
        access == LOWMAP_WRITE)
        return LOWMAP_EINVAL;
    if (addr + size < addr)
        return LOWMAP_EOVERFLOW;
    lowmap__init();
    lowmap__lock();
    struct placed *p = placed_holding(addr, size);
    if (!p) {
        lowmap__unlock();
        return LOWMAP_ENOENT;
    }
    if ((err = plat_protect(addr, size, prot)) == 0) {
        arena_notify(addr, size, (int)prot);
        /* Part of a block: what the whole block surely allows. */
        p->prot = addr == p->addr && size == p->len ? prot : p->prot & prot;
    }
    lowmap__unlock();
    if (err)
        return err == -EINVAL ? LOWMAP_EINVAL : LOWMAP_ENOMEM;
    return 0;
}

/* ---- choosing a strategy ---------------------------------------------- */

/* What the host range must allow for @access. */
static unsigned prot_needed(unsigned access)
{
    unsigned need = 0;

    if ((access & LOWMAP_READ) || shadow_needs_copy_in(access))
        need |= PLAT_PROT_READ;
    if (access & LOWMAP_WRITE)
        need |= PLAT_PROT_WRITE;
    return need;
}

/*
 * True when [base, end) lies in a block of lowmap_mem_alloc() that allows
 * the access: such memory is known mapped, so it needs neither a view nor
 * a look at the process's mappings (a syscall each time storage placed
 * anew is first mapped).
 */
static bool placed_serves(const struct request *rq)
{
    struct placed *p;

    if (!strategy_enabled(LOWMAP_STRATEGY_PLACED) ||
        (rq->access & LOWMAP_CLIENT_RANGE) || rq->end > arena_limit())
        return false;
    p = placed_holding(rq->base, rq->end - rq->base);
    return p && !p->alias &&
           (p->prot & prot_needed(rq->access)) == prot_needed(rq->access);
}

/* True when the host range needs no view at all. */
static int no_view_strategy(const struct request *rq)
{
    bool client = rq->access & LOWMAP_CLIENT_RANGE;
    size_t len = rq->end - rq->base;

    if (rq->end > arena_limit())
        return 0;
    if (client && !arena_contains_foreign(rq->base, len, true))
        return 0;
    if (strategy_enabled(LOWMAP_STRATEGY_PLACED) &&
        placed_contains(rq->base, len))
        return LOWMAP_STRATEGY_PLACED;
    /* A translator that supplies memory owns the low address space: only
     * what it gave us is known to be safe to hand out as is. */
    if (strategy_enabled(LOWMAP_STRATEGY_PASSTHROUGH) &&
        (client || !arena_foreign() ||
         arena_contains_foreign(rq->base, len, false)))
        return LOWMAP_STRATEGY_PASSTHROUGH;
    return 0;
}

/*
 * Checks that [base, end) is mapped without holes and allows the access
 * asked for, whatever the strategy: a view must never fault where the
 * caller was promised access, and a shadow reads the host at create.
 * rq->have_vma is set when one VMA covers it all, which the zero-copy
 * strategies need.
 */
static int inspect_host(struct request *rq)
{
    unsigned prot = PLAT_PROT_READ | PLAT_PROT_WRITE;
    uintptr_t at = rq->base;
    struct plat_vma vma;

    while (at < rq->end) {
        int r = plat_vma_query(at, &vma);
        /* Where mappings cannot be inspected (no /proc in a sandbox), a
         * shadow still serves a range the kernel says is mapped. */
        if (r < 0 && r != -ENOENT && at == rq->base)
            return plat_range_mapped(rq->base, rq->end - rq->base) == 0
                       ? 0 : LOWMAP_EFAULT;
        if (r < 0 || vma.start > at)
            return LOWMAP_EFAULT;
        if (at == rq->base) {
            rq->vma = vma;
            rq->have_vma = vma.end >= rq->end;
        }
        prot &= vma.prot;
        at = vma.end;
    }
    return (prot & prot_needed(rq->access)) == prot_needed(rq->access)
               ? 0
               : LOWMAP_EFAULT;
}

static int choose_view(struct request *rq, bool zero_copy, struct view **out)
{
    static int (*const zero_copy_of[])(const struct request *, struct view **) = {
        [LOWMAP_STRATEGY_MREMAP] = strategy_mremap,
        [LOWMAP_STRATEGY_FD_REMAP] = strategy_fd_remap,
    };
    int err = LOWMAP_ENOTSUP, e;

    if (rq->have_vma && (*out = cache_find(rq)) &&
        strategy_enabled((*out)->strategy)) {
        (*out)->refs++;
        counter_add(cache_hits, 1);
        return 0;
    }
    for (int s = LOWMAP_STRATEGY_MREMAP; s <= LOWMAP_STRATEGY_FD_REMAP; s++) {
        if (!strategy_enabled(s))
            continue;
        e = zero_copy_of[s](rq, out);
        if (!e) {
            cache_insert(*out);
            return 0;
        }
        if (e != LOWMAP_ENOTSUP)
            err = e;
    }
    if (zero_copy || !strategy_enabled(LOWMAP_STRATEGY_SHADOW))
        return err;
    return strategy_shadow(rq, out);
}

/* ---- public ------------------------------------------------------------- */

/* @zero_copy: never a shadow (lowmap_mem_alias). */
static int alias_create(const void *host, size_t size, unsigned access,
                        bool zero_copy, lowmap_alias **out)
{
    struct request rq = {.host = (uintptr_t)host, .size = size,
                         .access = access};
    struct view *v = NULL;
    lowmap_alias *a;
    int err = 0;

    if (!out)
        return LOWMAP_EINVAL;
    *out = NULL;
    if (!host || !size || (access & ~LOWMAP_ACCESS_MASK) ||
        !(access & (LOWMAP_READ | LOWMAP_WRITE)))
        return LOWMAP_EINVAL;
    if (rq.host + size < rq.host || page_up(rq.host + size) < rq.host + size)
        return LOWMAP_EOVERFLOW;
    lowmap__init();
    rq.base = rq.host & ~(uintptr_t)(plat_page_size() - 1);
    rq.end = page_up(rq.host + size);

    lowmap__lock();
    if (!(a = handle_new())) {
        lowmap__unlock();
        return LOWMAP_ENOMEM;
    }
    a->host = host;
    a->size = size;
    a->access = access;
    if (placed_serves(&rq)) {
        a->strategy = LOWMAP_STRATEGY_PLACED;
        a->ptr = (void *)host;
    } else if ((err = inspect_host(&rq))) {
        /* unmapped, or not accessible the way the caller asks */
    } else if ((a->strategy = no_view_strategy(&rq))) {
        a->ptr = (void *)host;
    } else if (!(err = choose_view(&rq, zero_copy, &v))) {
        a->view = v;
        a->strategy = v->strategy;
        a->ptr = (void *)(v->low + (rq.host - v->host));
    }
    if (!err)
        handle_publish(a);
    else
        handle_free(a, false);
    lowmap__unlock();

    if (err) {
        counter_add(failures, 1);
        log_warn("no low view of %p+%#zx (access %#x): %s", host, size,
                 access, lowmap_strerror(err));
        return err;
    }
    /* The view is this handle's alone: no lock needed. */
    if (a->strategy == LOWMAP_STRATEGY_SHADOW)
        shadow_start(a);
    counter_add(created[a->strategy], 1);
    counter_add(live, 1);
    log_trace("alias %p+%#zx -> %p (%s)", host, size, a->ptr,
              lowmap_strategy_name(a->strategy));
    *out = a;
    return 0;
}

int lowmap_alias_create(const void *host, size_t size, unsigned access,
                        lowmap_alias **out)
{
    return alias_create(host, size, access, false, out);
}

int lowmap_mem_alias(const void *host, size_t size, void **out)
{
    const unsigned acc = LOWMAP_READ | LOWMAP_WRITE | LOWMAP_PERSISTENT |
                         LOWMAP_COHERENT;
    lowmap_alias *a;
    struct placed *p;
    int err;

    if (!out)
        return LOWMAP_EINVAL;
    *out = NULL;
    if ((err = alias_create(host, size, acc, true, &a)))
        return err;
    /* Already low: nothing of ours to own, the caller keeps its pointer. */
    if (!a->view) {
        lowmap_alias_discard(a);
        return LOWMAP_ENOTSUP;
    }
    if (!(p = calloc(1, sizeof(*p)))) {
        lowmap_alias_discard(a);
        return LOWMAP_ENOMEM;
    }
    p->alias = a;
    p->user = a->ptr;
    lowmap__lock();
    p->addr = a->view->low;
    p->len = a->view->len;
    /* A view the cache shares with another block cannot be two blocks. */
    if (placed_find(p->addr, p->len) || !tsearch(p, &placed_blocks,
                                                  placed_cmp)) {
        lowmap__unlock();
        lowmap_alias_discard(a);
        free(p);
        return LOWMAP_EEXIST;
    }
    lowmap__unlock();
    /* Memory, like lowmap_mem_alloc()'s, not a handle of the caller's:
     * aliases_live counts the maps made inside it instead. */
    counter_sub(live, 1);
    *out = a->ptr;
    return 0;
}

void *lowmap_alias_ptr(const lowmap_alias *a)
{
    return a ? a->ptr : NULL;
}

int lowmap_alias_strategy(const lowmap_alias *a)
{
    return a ? a->strategy : LOWMAP_EINVAL;
}

size_t lowmap_alias_size(const lowmap_alias *a)
{
    return a ? a->size : 0;
}

/* Validates a sub-range of a live handle. */
static int check_range(lowmap_alias *a, size_t off, size_t size)
{
    if (!a || !size)
        return LOWMAP_EINVAL;
    if (!handle_live(a))
        return LOWMAP_ENOENT;
    if (off > a->size || size > a->size - off)
        return LOWMAP_EINVAL;
    return 0;
}

int lowmap_alias_flush(lowmap_alias *a, size_t off, size_t size)
{
    int err = check_range(a, off, size);

    if (err)
        return err;
    if (!(a->access & LOWMAP_WRITE))
        return LOWMAP_EINVAL;
    if (a->strategy == LOWMAP_STRATEGY_SHADOW)
        shadow_flush(a, off, size);
    else
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return 0;
}

int lowmap_alias_sync(lowmap_alias *a)
{
    if (!a)
        return LOWMAP_EINVAL;
    /* No init: a live handle means it ran, and before it none is live. */
    if (!handle_live(a))
        return LOWMAP_ENOENT;
    if (a->strategy == LOWMAP_STRATEGY_SHADOW) {
        /* Explicit-flush maps publish only what they flush. */
        if (shadow_writes_back(a->access))
            shadow_write_back(a, true);
    } else {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    return 0;
}

int lowmap_alias_refresh(lowmap_alias *a, size_t off, size_t size)
{
    int err = check_range(a, off, size);

    if (err)
        return err;
    if (a->strategy != LOWMAP_STRATEGY_SHADOW)
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    else
        shadow_refresh(a, off, size);
    return 0;
}

/* Core lock held: the handle's last reference to its view goes, and its
 * memory with it. */
static void handle_end(lowmap_alias *a)
{
    if (a->view && --a->view->refs == 0) {
        cache_remove(a->view);
        view_destroy(a->view);
    }
    handle_free(a, true);
}

static int drop_handle(lowmap_alias *a, bool copy_back)
{
    bool found, write_back;

    if (!a)
        return LOWMAP_EINVAL;
    lowmap__init();
    if (!handle_live(a))
        return LOWMAP_EALREADY;
    write_back = copy_back && a->strategy == LOWMAP_STRATEGY_SHADOW &&
                 shadow_writes_back(a->access);
    lowmap__lock();
    /* Only one of two racing releases finds it live here. */
    if ((found = handle_retire(a)) && !write_back)
        handle_end(a);
    lowmap__unlock();
    if (!found)
        return LOWMAP_EALREADY;

    /* Copy back before the view goes: the handle is ours alone now. */
    if (write_back) {
        shadow_write_back(a, false);
        lowmap__lock();
        handle_end(a);
        lowmap__unlock();
    }
    counter_sub(live, 1);
    return 0;
}

int lowmap_alias_release(lowmap_alias *a)
{
    return drop_handle(a, true);
}

int lowmap_alias_discard(lowmap_alias *a)
{
    return drop_handle(a, false);
}

void *lowmap_translate(const void *host)
{
    void *low;

    if (!host)
        return NULL;
    lowmap__init();
    lowmap__lock();
    low = handle_translate((uintptr_t)host);
    lowmap__unlock();
    return low;
}
