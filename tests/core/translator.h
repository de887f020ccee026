/*
 * A fake translator in the libglvnd dummy-vendor style: it owns a low
 * pool, hands it out bump-allocated through lowmap_va_ops, and records
 * every call so tests can compare them with what lowmap did.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_TEST_TRANSLATOR_H
#define LOWMAP_TEST_TRANSLATOR_H

#include "helpers.h"

#define T_MAX 4096

struct t_range {
    uintptr_t addr;
    size_t size;
    int prot;
};

static struct translator {
    char *pool;
    size_t pool_size, next;
    uintptr_t limit; /* lowmap_limit() at install: callbacks run under
                      * lowmap's lock and must not call back into it */
    int reserves, releases, bad_args;
    /* released[].prot is 1 once the range was handed out again */
    struct t_range given[T_MAX], released[T_MAX], notes[T_MAX];
    size_t n_given, n_released, n_notes;
    void *override; /* reserve returns this instead, once */
} tr;

static inline void *t_reserve(void *user, size_t size, size_t align,
                              uintptr_t limit)
{
    struct translator *t = user;
    size_t at = (t->next + align - 1) & ~(align - 1);

    t->reserves++;
    if (t->n_given == T_MAX)
        return NULL;
    if (!size || !align || (align & (align - 1)) || align % PAGE ||
        limit != t->limit)
        t->bad_args++;
    if (t->override) {
        void *p = t->override;
        t->override = NULL;
        return p;
    }
    /* Like a real translator, hand out what came back first. */
    for (size_t i = 0; i < t->n_released; i++) {
        struct t_range *r = &t->released[i];
        if (r->prot == 0 && r->size == size && r->addr % align == 0) {
            r->prot = 1; /* reused */
            t->given[t->n_given++] = (struct t_range){r->addr, size, 0};
            return (void *)r->addr;
        }
    }
    if (at > t->pool_size || size > t->pool_size - at ||
        (uintptr_t)t->pool + at + size > limit)
        return NULL;
    t->next = at + size;
    t->given[t->n_given++] = (struct t_range){(uintptr_t)t->pool + at, size, 0};
    return t->pool + at;
}

static inline void t_release(void *user, void *addr, size_t size)
{
    struct translator *t = user;

    t->releases++;
    if (t->n_released < T_MAX)
        t->released[t->n_released++] =
            (struct t_range){(uintptr_t)addr, size, 0};
}

static inline void t_notify(void *user, void *addr, size_t size, int prot)
{
    struct translator *t = user;

    if (t->n_notes < T_MAX)
        t->notes[t->n_notes++] = (struct t_range){(uintptr_t)addr, size, prot};
}

/* Reserves a PROT_NONE pool of @size bytes below 2 GiB. */
static inline void t_pool(size_t size)
{
    tr.pool = map_low_prot(size, PROT_NONE, LOWMAP_LIMIT_2G);
    tr.pool_size = size;
}

/* Installs reserve/release (and notify when @with_notify). */
static inline void t_install(int with_notify)
{
    struct lowmap_va_ops ops = {
        .size = sizeof(ops), .user = &tr, .reserve = t_reserve,
        .release = t_release, .notify = with_notify ? t_notify : NULL,
    };

    tr.limit = lowmap_limit();
    cr_assert(lowmap_set_va_ops(&ops) == 0);
}

/* Index of the latest notify that covers [addr, addr+size) with @prot, or
 * -1. */
static inline long t_noted(const void *addr, size_t size, int prot)
{
    uintptr_t lo = (uintptr_t)addr & ~(uintptr_t)(PAGE - 1);
    uintptr_t hi = ((uintptr_t)addr + size + PAGE - 1) & ~(uintptr_t)(PAGE - 1);

    for (size_t i = tr.n_notes; i-- > 0;)
        if (tr.notes[i].addr <= lo && tr.notes[i].addr + tr.notes[i].size >= hi)
            return tr.notes[i].prot == prot ? (long)i : -1;
    return -1;
}

#endif /* LOWMAP_TEST_TRANSLATOR_H */
