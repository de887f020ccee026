/* SPDX-License-Identifier: MIT */
#include "arena.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "lowmap.h"
#include "platform.h"

/* Self-reserved and callback chunks grow in steps of this size (address
 * space only: placeholders are PROT_NONE and MAP_NORESERVE). */
#define GROW_STEP ((size_t)64 << 20)
#define GROW_ALIGN ((size_t)2 << 20)
/* Self-reserved chunks stay above the first MiB, clear of the NULL page
 * neighbourhood and of legacy fixed-address executables. */
#define SELF_FLOOR ((uintptr_t)1 << 20)
#define QUARANTINE_SLOTS 64
#define QUARANTINE_BYTES ((size_t)256 << 20)

struct chunk {
    uintptr_t start;
    size_t len;
    size_t used; /* handed out or in quarantine */
    enum arena_source source;
    struct chunk *next;
};

struct extent {
    uintptr_t start;
    size_t len;
    struct chunk *chunk;
};

/* Free extents sorted by address; neighbours of one chunk are merged. */
struct extent_list {
    struct extent *v;
    size_t n, cap;
};

static struct {
    uintptr_t limit;
    bool used_ever;
    bool have_ops;
    bool donated; /* ever: lowmap keeps off low memory of its own after */
    struct lowmap_va_ops ops;
    struct chunk *chunks;
    struct extent_list free;
    struct extent quarantine[QUARANTINE_SLOTS]; /* FIFO ring */
    size_t q_head, q_count, q_bytes;
} arena;

static uintptr_t round_up(uintptr_t v, size_t a)
{
    return (v + a - 1) & ~(uintptr_t)(a - 1);
}

void arena_init(uintptr_t limit)
{
    arena.limit = limit;
}

uintptr_t arena_limit(void)
{
    return arena.limit;
}

bool arena_foreign(void)
{
    return arena.have_ops || arena.donated;
}

enum arena_source arena_source(void)
{
    if (arena.have_ops)
        return ARENA_CALLBACKS;
    return arena.donated ? ARENA_DONATED : ARENA_SELF;
}

int arena_set_limit(uintptr_t limit)
{
    if (arena.used_ever || arena.chunks)
        return -EBUSY;
    arena.limit = limit;
    return 0;
}

int arena_set_ops(const struct lowmap_va_ops *ops)
{
    struct lowmap_va_ops copy = {0};

    if (arena.used_ever || arena.chunks)
        return -EBUSY;
    /* Read only the fields the caller's struct has. */
    memcpy(&copy, ops, ops->size < sizeof(copy) ? ops->size : sizeof(copy));
    if (!copy.reserve != !copy.release || (!copy.reserve && !copy.notify))
        return -EINVAL;
    copy.size = sizeof(copy);
    arena.ops = copy;
    arena.have_ops = copy.reserve != NULL;
    return 0;
}

void arena_notify(uintptr_t addr, size_t len, int prot)
{
    if (arena.ops.notify)
        arena.ops.notify(arena.ops.user, (void *)addr, len, prot);
}

/* ---- free-extent list ------------------------------------------------ */

static int list_insert_at(struct extent_list *l, size_t i, struct extent e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct extent *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof(*l->v));
    l->v[i] = e;
    l->n++;
    return 0;
}

static void list_remove_at(struct extent_list *l, size_t i)
{
    memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
    l->n--;
}

/* Index of the first extent starting at or after @addr. */
static size_t list_lower_bound(const struct extent_list *l, uintptr_t addr)
{
    size_t lo = 0, hi = l->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->v[mid].start < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Return an extent to the free list, merging with neighbours.  Never
 * gives a chunk back: callers that may do so call release_chunk_if_idle(). */
static void free_extent(struct extent e)
{
    struct extent_list *l = &arena.free;
    size_t i = list_lower_bound(l, e.start);

    e.chunk->used -= e.len;
    if (i > 0 && l->v[i - 1].chunk == e.chunk &&
        l->v[i - 1].start + l->v[i - 1].len == e.start) {
        l->v[i - 1].len += e.len;
        if (i < l->n && l->v[i].chunk == e.chunk &&
            e.start + e.len == l->v[i].start) {
            l->v[i - 1].len += l->v[i].len;
            list_remove_at(l, i);
        }
    } else if (i < l->n && l->v[i].chunk == e.chunk &&
               e.start + e.len == l->v[i].start) {
        l->v[i].start = e.start;
        l->v[i].len += e.len;
    } else if (list_insert_at(l, i, e) < 0) {
        /* Out of memory for bookkeeping: the slot stays a placeholder and
         * is simply never reused. */
        e.chunk->used += e.len;
        log_warn("arena: lost %zu bytes at %#lx to an allocation failure",
                 e.len, (unsigned long)e.start);
    }
}

/* ---- chunks ---------------------------------------------------------- */

static struct chunk *add_chunk(uintptr_t start, size_t len,
                               enum arena_source source)
{
    struct chunk *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->start = start;
    c->len = len;
    c->source = source;
    c->used = len; /* free_extent() below subtracts it */
    c->next = arena.chunks;
    arena.chunks = c;
    free_extent((struct extent){start, len, c});
    return c;
}

static void unlink_chunk(struct chunk *c)
{
    struct chunk **pp = &arena.chunks;

    while (*pp != c)
        pp = &(*pp)->next;
    *pp = c->next;
    /* An idle chunk is one free extent, or none if add_chunk failed. */
    size_t i = list_lower_bound(&arena.free, c->start);
    if (i < arena.free.n && arena.free.v[i].chunk == c)
        list_remove_at(&arena.free, i);
    free(c);
}

static bool other_chunk_of(const struct chunk *c, enum arena_source source)
{
    for (struct chunk *o = arena.chunks; o; o = o->next)
        if (o != c && o->source == source)
            return true;
    return false;
}

/*
 * Give back chunks nobody uses: self-reserved ones once the translator
 * took over (lowmap must not keep low memory of its own then) or when
 * another remains for reuse; callback ones likewise.  Donated ranges are
 * given back only through arena_release_range().
 */
static void release_chunk_if_idle(struct chunk *c)
{
    uintptr_t start = c->start;
    size_t len = c->len;

    if (c->used || c->source == ARENA_DONATED)
        return;
    if (c->source == ARENA_SELF) {
        if (!arena_foreign() && !other_chunk_of(c, ARENA_SELF))
            return;
        unlink_chunk(c);
        plat_unmap(start, len);
        arena_notify(start, len, LOWMAP_NOTIFY_UNMAPPED);
    } else {
        if (!other_chunk_of(c, ARENA_CALLBACKS))
            return;
        unlink_chunk(c);
        arena.ops.release(arena.ops.user, (void *)start, len);
    }
    log_trace("arena: released chunk %#lx+%#zx", (unsigned long)start, len);
}

static bool overlaps_chunk(uintptr_t start, size_t len)
{
    for (struct chunk *c = arena.chunks; c; c = c->next)
        if (start < c->start + c->len && c->start < start + len)
            return true;
    return false;
}

static int grow_self(size_t len)
{
    size_t sizes[2] = {round_up(len > GROW_STEP ? len : GROW_STEP, GROW_ALIGN),
                       len};

    for (int s = 0; s < 2; s++) {
        /* A hole can be taken by another thread between the search and
         * the reservation; search again a few times. */
        for (int tries = 0; tries < 8; tries++) {
            uintptr_t addr;
            size_t align = s == 0 ? GROW_ALIGN : plat_page_size();
            if (plat_find_hole(sizes[s], align, SELF_FLOOR, arena.limit, &addr))
                break;
            int err = plat_reserve(addr, sizes[s]);
            if (err == -EEXIST)
                continue;
            if (err)
                return err;
            if (!add_chunk(addr, sizes[s], ARENA_SELF)) {
                plat_unmap(addr, sizes[s]);
                return -ENOMEM;
            }
            arena_notify(addr, sizes[s], PLAT_PROT_NONE);
            log_info("arena: reserved %#lx+%#zx below %#lx",
                     (unsigned long)addr, sizes[s],
                     (unsigned long)arena.limit);
            return 0;
        }
    }
    return -ENOMEM;
}

static int grow_callbacks(size_t len)
{
    size_t sizes[2] = {round_up(len > GROW_STEP ? len : GROW_STEP, GROW_ALIGN),
                       len};

    for (int s = 0; s < 2; s++) {
        void *p = arena.ops.reserve(arena.ops.user, sizes[s],
                                    plat_page_size(), arena.limit);
        uintptr_t addr = (uintptr_t)p;
        if (!p)
            continue;
        if (addr % plat_page_size() || addr + sizes[s] < addr ||
            addr + sizes[s] > arena.limit || overlaps_chunk(addr, sizes[s])) {
            log_error("arena: reserve callback returned %p+%#zx, which is "
                      "unaligned, above the limit or already ours", p,
                      sizes[s]);
            arena.ops.release(arena.ops.user, p, sizes[s]);
            return -EINVAL;
        }
        if (plat_placeholder(addr, sizes[s]) < 0 ||
            !add_chunk(addr, sizes[s], ARENA_CALLBACKS)) {
            arena.ops.release(arena.ops.user, p, sizes[s]);
            return -ENOMEM;
        }
        arena_notify(addr, sizes[s], PLAT_PROT_NONE);
        return 0;
    }
    return -ENOMEM;
}

/* ---- quarantine ------------------------------------------------------ */

/* Oldest quarantined slot back to the free list; returns its chunk. */
static struct chunk *quarantine_pop(void)
{
    struct extent e = arena.quarantine[arena.q_head];

    arena.q_head = (arena.q_head + 1) % QUARANTINE_SLOTS;
    arena.q_count--;
    arena.q_bytes -= e.len;
    free_extent(e);
    return e.chunk;
}

static void quarantine_drain(void)
{
    while (arena.q_count)
        quarantine_pop();
}

static bool chunk_usable(const struct chunk *c, bool donated_only);

/* Free the quarantined slots a request could use, keeping the others (and
 * their order), so that a request that cannot use them does not cut the
 * quarantine short for everyone else. */
static void quarantine_drain_usable(bool donated_only)
{
    for (size_t n = arena.q_count; n > 0; n--) {
        struct extent e = arena.quarantine[arena.q_head];
        if (chunk_usable(e.chunk, donated_only)) {
            quarantine_pop();
        } else {
            arena.q_head = (arena.q_head + 1) % QUARANTINE_SLOTS;
            size_t tail = (arena.q_head + arena.q_count - 1) % QUARANTINE_SLOTS;
            arena.quarantine[tail] = e;
        }
    }
}

/* ---- allocation ------------------------------------------------------ */

static bool chunk_usable(const struct chunk *c, bool donated_only)
{
    if (donated_only)
        return c->source == ARENA_DONATED;
    /* Once the translator supplies memory, lowmap's own is not used. */
    return !(c->source == ARENA_SELF && arena_foreign());
}

static bool take_fit(size_t len, bool donated_only, uintptr_t *out)
{
    struct extent_list *l = &arena.free;

    for (size_t i = 0; i < l->n; i++) {
        struct extent *e = &l->v[i];
        if (e->len < len || !chunk_usable(e->chunk, donated_only))
            continue;
        *out = e->start;
        e->chunk->used += len;
        e->start += len;
        e->len -= len;
        if (!e->len)
            list_remove_at(l, i);
        return true;
    }
    return false;
}

int arena_alloc(size_t len, bool donated_only, uintptr_t *out)
{
    int err = -ENOMEM;

    if (!len || len % plat_page_size() || len > arena.limit)
        return -EINVAL;
    arena.used_ever = true;
    if (take_fit(len, donated_only, out))
        return 0;
    if (!donated_only && (arena.have_ops || !arena.donated)) {
        err = arena.have_ops ? grow_callbacks(len) : grow_self(len);
        if (!err && take_fit(len, donated_only, out))
            return 0;
    }
    /* Last resort before failing: reuse quarantined slots early (keeping
     * the chunks they free up, which is the point). */
    if (arena.q_count) {
        quarantine_drain_usable(donated_only);
        if (take_fit(len, donated_only, out))
            return 0;
    }
    log_warn("arena: no room for %zu bytes below %#lx%s", len,
             (unsigned long)arena.limit,
             donated_only ? " in donated ranges" : "");
    return err == -EINVAL ? err : -ENOMEM;
}

static struct chunk *chunk_of(uintptr_t addr, size_t len)
{
    for (struct chunk *c = arena.chunks; c; c = c->next)
        if (addr >= c->start && addr + len <= c->start + c->len)
            return c;
    return NULL;
}

void arena_free(uintptr_t addr, size_t len)
{
    struct chunk *c = chunk_of(addr, len);

    if (!c)
        return;
    /* Make room by evicting the oldest slots; a slot bigger than the whole
     * budget just empties the quarantine.  An evicted slot's chunk may
     * now be idle; this slot's cannot be, as the slot itself still counts
     * as used there. */
    while (arena.q_count && (arena.q_count == QUARANTINE_SLOTS ||
                             arena.q_bytes + len > QUARANTINE_BYTES))
        release_chunk_if_idle(quarantine_pop());
    size_t tail = (arena.q_head + arena.q_count) % QUARANTINE_SLOTS;
    arena.quarantine[tail] = (struct extent){addr, len, c};
    arena.q_count++;
    arena.q_bytes += len;
}

void arena_lose(uintptr_t addr, size_t len, int err)
{
    /* The chunk keeps counting the bytes as used, so it is never given
     * back with someone else's mapping inside. */
    if (err == -EEXIST)
        log_warn("arena: slot %#lx+%#zx was taken by another mapping",
                 (unsigned long)addr, len);
    else
        log_warn("arena: slot %#lx+%#zx could not be reserved again (%s); "
                 "it stays out of use",
                 (unsigned long)addr, len, strerror(-err));
}

/*
 * A failed placeholder leaves the slot as it was or empty, and another
 * thread may map into an empty one at any time: only a lost slot is safe,
 * and its message says why (near vm.max_map_count, say, rather than taken
 * by another mapping).
 */
void arena_vacate(uintptr_t addr, size_t len)
{
    int err = plat_placeholder(addr, len);

    if (err < 0) {
        arena_lose(addr, len, err);
        return;
    }
    arena_notify(addr, len, PLAT_PROT_NONE);
    arena_free(addr, len);
}

/* ---- donated ranges ---------------------------------------------------- */

/* Is all of [addr, addr+size) mapped readable and writable?  A donor
 * promises that; taking a hole would map over whatever comes there. */
static bool mapped_rw(uintptr_t addr, size_t size)
{
    struct plat_vma v;

    for (uintptr_t at = addr; at < addr + size; at = v.end)
        if (plat_vma_query(at, &v) < 0 || v.start > at ||
            (v.prot & (PLAT_PROT_READ | PLAT_PROT_WRITE)) !=
                (PLAT_PROT_READ | PLAT_PROT_WRITE))
            return false;
    return true;
}

/* Give back every chunk that sits idle (see release_chunk_if_idle()). */
static void trim_idle_chunks(void)
{
    for (struct chunk *c = arena.chunks, *next; c; c = next) {
        next = c->next;
        release_chunk_if_idle(c);
    }
}

int arena_add_range(uintptr_t addr, size_t size)
{
    if (!addr || !size)
        return -EINVAL;
    if (addr % plat_page_size() || size % plat_page_size())
        return -EINVAL;
    if (addr + size < addr)
        return -EOVERFLOW;
    if (addr + size > arena.limit)
        return -EINVAL;
    if (overlaps_chunk(addr, size))
        return -EEXIST;
    if (!mapped_rw(addr, size))
        return -EFAULT;
    /* The range is ours while donated: free space holds placeholders. */
    int err = plat_placeholder(addr, size);
    if (err)
        return err;
    if (!add_chunk(addr, size, ARENA_DONATED)) {
        plat_map_anon(addr, size, PLAT_PROT_READ | PLAT_PROT_WRITE);
        return -ENOMEM;
    }
    arena.donated = true;
    arena_notify(addr, size, PLAT_PROT_NONE);
    /* Self-reserved chunks that sit idle now go back to the system. */
    trim_idle_chunks();
    return 0;
}

uintptr_t arena_release_range(unsigned flags, size_t *size)
{
    /* Releasing everything frees what quarantine holds, and the chunks of
     * other sources that leaves idle go back too. */
    if (flags & LOWMAP_RELEASE_ALL) {
        quarantine_drain();
        trim_idle_chunks();
    }
    for (struct chunk *c = arena.chunks; c; c = c->next) {
        if (c->source != ARENA_DONATED || c->used)
            continue;
        uintptr_t start = c->start;
        size_t len = c->len;
        unlink_chunk(c);
        /* Hand it back the way it came: readable and writable. */
        plat_map_anon(start, len, PLAT_PROT_READ | PLAT_PROT_WRITE);
        arena_notify(start, len, PLAT_PROT_READ | PLAT_PROT_WRITE);
        *size = len;
        return start;
    }
    *size = 0;
    return 0;
}

bool arena_contains_foreign(uintptr_t addr, size_t len, bool donated_only)
{
    struct chunk *c = chunk_of(addr, len);

    if (!c || c->source == ARENA_SELF)
        return false;
    return !donated_only || c->source == ARENA_DONATED;
}

void arena_totals(uint64_t *bytes, uint64_t *used)
{
    *bytes = *used = 0;
    for (struct chunk *c = arena.chunks; c; c = c->next) {
        *bytes += c->len;
        *used += c->used;
    }
}
