/*
 * Shared state of the core: the one lock, the configuration and the
 * counters.
 *
 * The core lock guards the arena, the view cache, the set of live handles,
 * the placed blocks and the learned kernel answers.  It is held while
 * lowmap_va_ops callbacks run and never while shadow data is copied.
 * Counters are atomics and need no lock.  A shadow handle counts its own
 * copies and write-backs, which join these totals when it is released
 * (handle.c).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_CORE_H
#define LOWMAP_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "lowmap.h"

/* Reads the configuration once; every public entry point calls it. */
void lowmap__init(void);
/* Logs what this process lacks (probe.c); LOWMAP_DEBUG=info only. */
void lowmap__report_missing(void);
/* The configuration, read by lowmap__init(); a call's worth of time on
 * every write-back if it were a function. */
extern struct lowmap__config lowmap__settings;
static inline const struct lowmap__config *lowmap__config(void)
{
    return &lowmap__settings;
}
void lowmap__lock(void);
void lowmap__unlock(void);
/* Decided once at init: LOWMAP_DIRTY allows it and the kernel can. */
bool lowmap__dirty_tracking(void);

struct lowmap__counters {
    uint64_t created[LOWMAP_STRATEGY_COUNT];
    uint64_t live;
    uint64_t cache_hits;
    uint64_t high_pointers;
    uint64_t failures;
    /* Shadows' copies and write-backs are counted per handle (alias.h). */
};
extern struct lowmap__counters lowmap__counters;

#define counter_add(field, n)                                                \
    __atomic_fetch_add(&lowmap__counters.field, (n), __ATOMIC_RELAXED)
#define counter_sub(field, n)                                                \
    __atomic_fetch_sub(&lowmap__counters.field, (n), __ATOMIC_RELAXED)
#define counter_get(field)                                                   \
    __atomic_load_n(&lowmap__counters.field, __ATOMIC_RELAXED)

static inline bool strategy_enabled(int strategy)
{
    return lowmap__config()->strategies & (1u << strategy);
}

#endif /* LOWMAP_CORE_H */
