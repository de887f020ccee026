/*
 * Translator callbacks: reserve/release supply all low memory, notify
 * hears about every mapping lowmap makes.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>

#include "translator.h"

TestSuite(arena_callbacks, .init = env_reset);

/* One alias of each kind lowmap makes a mapping for. */
struct kinds {
    lowmap_alias *mremap, *shadow;
    void *placed;
    void *shared, *private_mem;
};

static void make_kinds(struct kinds *k)
{
    k->shared = map_memfd(4 * PAGE, NULL);
    k->private_mem = map_anon(4 * PAGE, MAP_PRIVATE);
    k->mremap = alias_ok((char *)k->shared + 10, 2 * PAGE,
                         LOWMAP_READ | LOWMAP_WRITE);
    cr_assert(lowmap_alias_strategy(k->mremap) == LOWMAP_STRATEGY_MREMAP);
    k->shadow = alias_ok((char *)k->private_mem + 10, 2 * PAGE,
                         LOWMAP_READ | LOWMAP_WRITE);
    cr_assert(lowmap_alias_strategy(k->shadow) == LOWMAP_STRATEGY_SHADOW);
    cr_assert(lowmap_mem_alloc(3 * PAGE, &k->placed) == 0);
}

Test(arena_callbacks, all_low_memory_comes_from_reserve)
{
    struct vma_list before, after;
    struct lowmap_caps caps = {.size = sizeof(caps)};
    struct kinds k;

    t_pool(256 * MiB);
    low_vmas(&before, LOWMAP_LIMIT_4G);
    t_install(0);
    make_kinds(&k);
    cr_assert(lowmap_probe(&caps) == 0);
    cr_assert(caps.arena_source == 1);

    cr_assert(tr.reserves >= 1);
    cr_assert(tr.bad_args == 0, "reserve got a bad size, align or limit");
    cr_assert(inside(lowmap_alias_ptr(k.mremap), 2 * PAGE, tr.pool,
                     tr.pool_size));
    cr_assert(inside(lowmap_alias_ptr(k.shadow), 2 * PAGE, tr.pool,
                     tr.pool_size));
    cr_assert(inside(k.placed, 3 * PAGE, tr.pool, tr.pool_size));
    low_vmas(&after, LOWMAP_LIMIT_4G);
    assert_no_low_memory_of_its_own(&before, &after, (uintptr_t)tr.pool,
                                    (uintptr_t)tr.pool + tr.pool_size);
}

Test(arena_callbacks, idle_chunk_goes_back_through_release)
{
    void *small = map_anon(PAGE, MAP_PRIVATE);
    size_t big_size = 80 * MiB;
    void *big = map_anon(big_size, MAP_PRIVATE | MAP_NORESERVE);
    size_t n;

    t_pool(256 * MiB);
    t_install(0);
    lowmap_alias *keep = alias_ok(small, PAGE, LOWMAP_READ);
    size_t first = tr.n_given;
    lowmap_alias *b = alias_ok(big, big_size, LOWMAP_READ | LOWMAP_INVALIDATE);
    cr_assert(tr.n_given == first + 1, "a second chunk was reserved");
    struct t_range chunk = tr.given[first];
    cr_assert(inside(lowmap_alias_ptr(b), big_size, (void *)chunk.addr,
                     chunk.size));
    cr_assert(tr.releases == 0);

    cr_assert(lowmap_alias_release(b) == 0);
    /* Quarantine holds the slot; draining it leaves the chunk idle. */
    cr_assert(lowmap_release_range(LOWMAP_RELEASE_ALL, &n) == NULL);
    cr_assert(n == 0);
    cr_assert(tr.releases == 1, "release called %d times", tr.releases);
    cr_assert(tr.released[0].addr == chunk.addr &&
                  tr.released[0].size == chunk.size,
              "released %#lx+%#zx, reserved %#lx+%#zx",
              (unsigned long)tr.released[0].addr, tr.released[0].size,
              (unsigned long)chunk.addr, chunk.size);
    /* What lowmap gives back holds a placeholder: it faults, it is not
     * unmapped. */
    struct vma_list l;
    low_vmas(&l, LOWMAP_LIMIT_2G);
    int mapped = 0;
    for (size_t i = 0; i < l.n; i++)
        mapped |= l.start[i] <= chunk.addr &&
                  l.end[i] >= chunk.addr + chunk.size;
    cr_assert(mapped, "the released chunk is no longer reserved");
    cr_assert(lowmap_alias_release(keep) == 0);
}

/* The pool holds 8 pages: the ninth page-sized alias finds no room; a
 * release makes room again. */
Test(arena_callbacks, exhaustion_and_recovery)
{
    lowmap_alias *a[9];
    void *host = map_anon(PAGE, MAP_PRIVATE);
    int err;

    t_pool(8 * PAGE);
    t_install(0);
    for (int i = 0; i < 8; i++) {
        a[i] = alias_ok(host, PAGE, LOWMAP_READ | LOWMAP_WRITE);
        cr_assert(inside(lowmap_alias_ptr(a[i]), PAGE, tr.pool, tr.pool_size));
    }
    err = lowmap_alias_create(host, PAGE, LOWMAP_READ, &a[8]);
    cr_assert(err == LOWMAP_ENOMEM, "%s", lowmap_strerror(err));
    cr_assert(a[8] == NULL);
    err = lowmap_mem_alloc(PAGE, (void **)&a[8]);
    cr_assert(err == LOWMAP_ENOMEM, "%s", lowmap_strerror(err));

    cr_assert(lowmap_alias_release(a[3]) == 0);
    a[3] = alias_ok(host, PAGE, LOWMAP_READ);
    cr_assert(inside(lowmap_alias_ptr(a[3]), PAGE, tr.pool, tr.pool_size));
    cr_assert(tr.bad_args == 0);
}

/* reserve() returning memory above the limit is refused, given back, and
 * left alone: lowmap must not map over it. */
Test(arena_callbacks, reserve_above_limit_is_refused)
{
    char *high = map_anon(64 * MiB, MAP_PRIVATE | MAP_NORESERVE);
    void *host = map_anon(PAGE, MAP_PRIVATE);
    lowmap_alias *a = NULL;

    t_pool(8 * PAGE);
    t_install(0);
    tr.override = high;
    high[0] = 42;
    high[64 * MiB - 1] = 43;
    cr_assert(lowmap_alias_create(host, PAGE, LOWMAP_READ, &a) < 0 ||
              inside(lowmap_alias_ptr(a), PAGE, tr.pool, tr.pool_size));
    cr_assert(tr.releases >= 1);
    cr_assert(tr.released[0].addr == (uintptr_t)high);
    cr_assert(high[0] == 42 && high[64 * MiB - 1] == 43);
}

Test(arena_callbacks, notify_hears_every_mapping)
{
    struct kinds k;

    t_pool(256 * MiB);
    t_install(1);
    make_kinds(&k);

    /* Each reserved chunk was announced as a placeholder. */
    for (size_t i = 0; i < tr.n_given; i++) {
        int seen = 0;
        for (size_t j = 0; j < tr.n_notes; j++)
            seen |= tr.notes[j].addr == tr.given[i].addr &&
                    tr.notes[j].size == tr.given[i].size &&
                    tr.notes[j].prot == PROT_NONE;
        cr_assert(seen, "chunk %zu not announced", i);
    }
    /* Every note lies in memory the translator handed out. */
    for (size_t j = 0; j < tr.n_notes; j++)
        cr_assert(inside((void *)tr.notes[j].addr, tr.notes[j].size, tr.pool,
                         tr.pool_size));

    const int rw = PROT_READ | PROT_WRITE;
    void *mp = lowmap_alias_ptr(k.mremap), *sp = lowmap_alias_ptr(k.shadow);
    cr_assert(t_noted(mp, 2 * PAGE, rw) >= 0, "mremap view not announced");
    cr_assert(t_noted(sp, 2 * PAGE, rw) >= 0, "shadow not announced");
    cr_assert(t_noted(k.placed, 3 * PAGE, rw) >= 0, "placed not announced");

    char *part = (char *)k.placed + PAGE;
    cr_assert(lowmap_mem_protect(part, PAGE, 0) == 0);
    cr_assert(t_noted(part, PAGE, PROT_NONE) >= 0, "protection unheard");
    cr_assert(lowmap_mem_protect(part, PAGE, LOWMAP_READ) == 0);
    cr_assert(t_noted(part, PAGE, PROT_READ) >= 0, "protection unheard");

    cr_assert(lowmap_alias_release(k.mremap) == 0);
    cr_assert(lowmap_alias_release(k.shadow) == 0);
    cr_assert(lowmap_mem_free(k.placed) == 0);
    cr_assert(t_noted(mp, 2 * PAGE, PROT_NONE) >= 0, "mremap unmap unheard");
    cr_assert(t_noted(sp, 2 * PAGE, PROT_NONE) >= 0, "shadow unmap unheard");
    cr_assert(t_noted(k.placed, 3 * PAGE, PROT_NONE) >= 0,
              "placed free unheard");
}

/* A read-only host mapping gets a read-only view, and notify says so. */
Test(arena_callbacks, notify_reports_view_protection)
{
    int fd;
    void *rw = map_memfd(2 * PAGE, &fd);
    void *ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);

    cr_assert(ro != MAP_FAILED);
    t_pool(256 * MiB);
    t_install(1);
    lowmap_alias *a = alias_ok(ro, 2 * PAGE, LOWMAP_READ);
    cr_assert(lowmap_alias_strategy(a) == LOWMAP_STRATEGY_MREMAP);
    cr_assert(t_noted(lowmap_alias_ptr(a), 2 * PAGE, PROT_READ) >= 0);
    ((char *)rw)[5] = 9;
    cr_assert(((char *)lowmap_alias_ptr(a))[5] == 9);
}

Test(arena_callbacks, notify_only_keeps_self_reserving)
{
    struct lowmap_va_ops ops = {.size = sizeof(ops), .user = &tr,
                                .notify = t_notify};
    struct lowmap_caps caps = {.size = sizeof(caps)};
    void *host = map_anon(PAGE, MAP_PRIVATE);

    cr_assert(lowmap_set_va_ops(&ops) == 0);
    lowmap_alias *a = alias_ok(host, PAGE, LOWMAP_READ | LOWMAP_WRITE);
    cr_assert(tr.reserves == 0);
    cr_assert(tr.n_notes >= 2, "%zu notes", tr.n_notes);
    /* The self-reserved chunk, then the shadow inside it. */
    cr_assert(tr.notes[0].prot == PROT_NONE && tr.notes[0].size >= PAGE);
    cr_assert(inside(lowmap_alias_ptr(a), PAGE, (void *)tr.notes[0].addr,
                     tr.notes[0].size));
    cr_assert(t_noted(lowmap_alias_ptr(a), PAGE, PROT_READ | PROT_WRITE) >= 0);
    cr_assert(lowmap_probe(&caps) == 0);
    cr_assert(caps.arena_source == 0);
}

/* A self-reserved chunk that goes back to the system is announced as
 * unmapped, so a translator's map of every mapping stays true. */
Test(arena_callbacks, notify_hears_self_reserved_chunk_unmapped)
{
    struct lowmap_va_ops ops = {.size = sizeof(ops), .user = &tr,
                                .notify = t_notify};
    size_t big_size = 80 * MiB, n;
    void *big = map_anon(big_size, MAP_PRIVATE | MAP_NORESERVE);
    void *small = map_anon(PAGE, MAP_PRIVATE);

    cr_assert(lowmap_set_va_ops(&ops) == 0);
    lowmap_alias *keep = alias_ok(small, PAGE, LOWMAP_READ);
    /* Too big for the first chunk: a second one is reserved for it. */
    lowmap_alias *b = alias_ok(big, big_size, LOWMAP_READ | LOWMAP_INVALIDATE);
    size_t chunk = tr.n_notes;
    while (chunk-- > 0)
        if (tr.notes[chunk].prot == PROT_NONE &&
            inside(lowmap_alias_ptr(b), big_size, (void *)tr.notes[chunk].addr,
                   tr.notes[chunk].size))
            break;
    cr_assert(chunk < tr.n_notes, "the second chunk was not announced");
    struct t_range c = tr.notes[chunk];

    cr_assert(lowmap_alias_release(b) == 0);
    cr_assert(lowmap_release_range(LOWMAP_RELEASE_ALL, &n) == NULL);
    cr_assert(t_noted((void *)c.addr, c.size, LOWMAP_NOTIFY_UNMAPPED) >= 0,
              "unmapping %#lx+%#zx went unheard", (unsigned long)c.addr,
              c.size);
    cr_assert(lowmap_alias_release(keep) == 0);
}

static int forbidden_calls;

static void forbidden_notify(void *user, void *addr, size_t size, int prot)
{
    forbidden_calls++;
}

/* Fields past the caller's size are treated as NULL. */
Test(arena_callbacks, fields_past_size_are_ignored)
{
    struct lowmap_va_ops ops = {
        .size = offsetof(struct lowmap_va_ops, notify), .user = &tr,
        .reserve = t_reserve, .release = t_release,
        .notify = forbidden_notify,
    };

    t_pool(256 * MiB);
    tr.limit = lowmap_limit();
    cr_assert(lowmap_set_va_ops(&ops) == 0);
    struct kinds k;
    make_kinds(&k);
    cr_assert(tr.reserves >= 1);
    cr_assert(forbidden_calls == 0);
}

Test(arena_callbacks, set_after_use_is_busy)
{
    void *p;

    t_pool(PAGE);
    cr_assert(lowmap_mem_alloc(PAGE, &p) == 0);
    struct lowmap_va_ops ops = {.size = sizeof(ops), .user = &tr,
                                .reserve = t_reserve, .release = t_release};
    cr_assert(lowmap_set_va_ops(&ops) == LOWMAP_EBUSY);
    lowmap_alias *a = alias_ok(map_anon(PAGE, MAP_PRIVATE), PAGE, LOWMAP_READ);
    cr_assert(!inside(lowmap_alias_ptr(a), PAGE, tr.pool, tr.pool_size));
    cr_assert(tr.reserves == 0);
}
