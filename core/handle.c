/*
 * Handles: where they live, how a pointer is told to be one, and what the
 * live ones have counted.
 *
 * A sync, flush or refresh must answer LOWMAP_ENOENT for a pointer that is
 * not a live handle, without reading through it.  Checking a set under the
 * core lock cost a lock and a hash lookup on every call, which is most of
 * lowmap's own share of a small shadow's map + unmap.  So handles come
 * from chunks that are never freed: a pointer is a handle when it lies in
 * a chunk on a handle's boundary, and live while its self field points at
 * itself.  Both hold without the lock, since a chunk never goes away and
 * the chunk table only grows.  A released handle's slot is reused, as
 * malloc would reuse its memory.
 *
 * A shadow handle's copies and write-backs are counted in the handle by
 * its holder alone, with a load and a store; lowmap_stats() adds the live
 * handles' counts to the totals that released ones left behind.
 *
 * Everything here but handle_live() and handle_count() runs with the core
 * lock held.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "core.h"

/* Chunk n holds 64 << n handles, up to 64 << 12 (262 144): about 17
 * million handles in all, far more than an arena has pages. */
#define CHUNKS 64
#define CHUNK_MAX_SHIFT 12

struct chunk {
    lowmap_alias *base;
    size_t cap;
};

/* Written under the core lock before nchunks counts them; read without. */
static struct chunk chunks[CHUNKS];
static _Atomic size_t nchunks;
/* Core lock: slots of the last chunk handed out, released slots, and the
 * live handles (for lowmap_translate() and lowmap_stats()). */
static size_t used;
static lowmap_alias *free_slots;
static lowmap_alias *live;
/* Core lock: the shadow counts of every handle released. */
static struct handle_counts released;

/* Adds @c to @sum.  A live handle's holder may be counting meanwhile, so
 * each field is read whole. */
static void counts_add(struct handle_counts *sum, const struct handle_counts *c)
{
    sum->bytes_in += __atomic_load_n(&c->bytes_in, __ATOMIC_RELAXED);
    sum->bytes_out += __atomic_load_n(&c->bytes_out, __ATOMIC_RELAXED);
    sum->tracked += __atomic_load_n(&c->tracked, __ATOMIC_RELAXED);
    sum->compared += __atomic_load_n(&c->compared, __ATOMIC_RELAXED);
    sum->whole += __atomic_load_n(&c->whole, __ATOMIC_RELAXED);
}

lowmap_alias *handle_new(void)
{
    size_t n = atomic_load_explicit(&nchunks, memory_order_relaxed);
    lowmap_alias *a = free_slots;

    if (a) {
        free_slots = a->next;
        memset(a, 0, sizeof(*a));
        return a;
    }
    if (!n || used == chunks[n - 1].cap) {
        size_t cap = (size_t)64 << (n < CHUNK_MAX_SHIFT ? n : CHUNK_MAX_SHIFT);
        if (n == CHUNKS || !(chunks[n].base = calloc(cap, sizeof(*a))))
            return NULL;
        chunks[n].cap = cap;
        atomic_store_explicit(&nchunks, ++n, memory_order_release);
        used = 0;
    }
    return &chunks[n - 1].base[used++];
}

void handle_publish(lowmap_alias *a)
{
    a->prev = NULL;
    a->next = live;
    if (live)
        live->prev = a;
    live = a;
    __atomic_store_n(&a->self, a, __ATOMIC_RELEASE);
}

bool handle_live(const lowmap_alias *a)
{
    size_t n = atomic_load_explicit(&nchunks, memory_order_acquire);

    for (size_t i = 0; i < n; i++) {
        size_t k = ((uintptr_t)a - (uintptr_t)chunks[i].base) / sizeof(*a);
        if (k < chunks[i].cap)
            return &chunks[i].base[k] == a &&
                   __atomic_load_n(&a->self, __ATOMIC_ACQUIRE) == a;
    }
    return false;
}

bool handle_retire(lowmap_alias *a)
{
    if (!handle_live(a))
        return false;
    __atomic_store_n(&a->self, NULL, __ATOMIC_RELEASE);
    return true;
}

/* The released handle's counts join the totals in the same critical
 * section that takes it off the live list: lowmap_stats() sees them in
 * one place or the other, never both or neither. */
void handle_free(lowmap_alias *a, bool was_live)
{
    if (was_live) {
        if (a->prev)
            a->prev->next = a->next;
        else
            live = a->next;
        if (a->next)
            a->next->prev = a->prev;
        counts_add(&released, &a->counts);
    }
    a->next = free_slots;
    free_slots = a;
}

void handle_sum_counts(struct handle_counts *sum)
{
    *sum = released;
    for (const lowmap_alias *a = live; a; a = a->next)
        counts_add(sum, &a->counts);
}

void *handle_translate(uintptr_t host)
{
    for (const lowmap_alias *a = live; a; a = a->next) {
        uintptr_t start = (uintptr_t)a->host;
        /* A handle being released is still listed, for its counts. */
        if (host >= start && host - start < a->size &&
            __atomic_load_n(&a->self, __ATOMIC_RELAXED) == a)
            return (char *)a->ptr + (host - start);
    }
    return NULL;
}
