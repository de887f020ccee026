/*
 * The arena: address space below the limit, in chunks that come from one
 * of three sources (self-reserved, translator callbacks, donated ranges),
 * handed out page-granular as slots.  Free space in every chunk holds a
 * PROT_NONE placeholder, so stale pointers fault.  A freed slot sits in a
 * FIFO quarantine before it can be handed out again.
 *
 * Not thread-safe by itself: every function must be called with the core
 * lock held (core.h).  Callbacks in struct lowmap_va_ops run under it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_ARENA_H
#define LOWMAP_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lowmap_va_ops;

enum arena_source {
    ARENA_SELF = 0,
    ARENA_CALLBACKS = 1,
    ARENA_DONATED = 2,
};

void arena_init(uintptr_t limit);
uintptr_t arena_limit(void);
/* -EBUSY once the arena has handed out memory or holds chunks. */
int arena_set_limit(uintptr_t limit);
int arena_set_ops(const struct lowmap_va_ops *ops);
int arena_add_range(uintptr_t addr, size_t size);
uintptr_t arena_release_range(unsigned flags, size_t *size);

/*
 * Hand out @len bytes (page multiple) holding a PROT_NONE placeholder.
 * @donated_only restricts the search to donated ranges.
 */
int arena_alloc(size_t len, bool donated_only, uintptr_t *out);
/* Take a slot back; a PROT_NONE placeholder must already sit there. */
void arena_free(uintptr_t addr, size_t len);
/* Forget a slot whose placeholder could not be put back (@err: the
 * negative errno; -EEXIST when another mapping took the address). */
void arena_lose(uintptr_t addr, size_t len, int err);
/* Put the placeholder back over a slot we mapped, and take the slot back
 * (or lose it, as above). */
void arena_vacate(uintptr_t addr, size_t len);

/* True when [addr, addr+len) lies inside memory the translator gave us
 * (callbacks or donated; donated only when @donated_only). */
bool arena_contains_foreign(uintptr_t addr, size_t len, bool donated_only);
/* True once the translator supplied callbacks or donated ranges. */
bool arena_foreign(void);
enum arena_source arena_source(void);
/* Tell the translator about a mapping lowmap made (va_ops.notify). */
void arena_notify(uintptr_t addr, size_t len, int prot);
void arena_totals(uint64_t *bytes, uint64_t *used);

#endif /* LOWMAP_ARENA_H */
