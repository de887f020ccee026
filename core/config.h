/*
 * Configuration from the environment, read once at first use.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_CONFIG_H
#define LOWMAP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "platform.h"

/* How shadows find what was written (LOWMAP_DIRTY). */
enum lowmap__dirty_mode {
    LOWMAP__DIRTY_AUTO = 0, /* by measured cost, per view */
    LOWMAP__DIRTY_OFF,      /* copy the whole range back */
    LOWMAP__DIRTY_COMPARE,  /* compare with the host, never track */
    LOWMAP__DIRTY_TRACK,    /* track written pages wherever the kernel can */
};

struct lowmap__config {
    uintptr_t limit;
    unsigned strategies; /* bit (1u << LOWMAP_STRATEGY_x) per enabled one */
    bool stats_at_exit;
    enum lowmap__dirty_mode dirty; /* LOWMAP_DIRTY */
    enum plat_vma_backend vma_backend;
};

#define LOWMAP__ALL_STRATEGIES 0x3eu /* bits 1..5 */
#define LOWMAP__MIN_LIMIT ((uintptr_t)16 << 20)

/* Parsers return 0 or -EINVAL and leave *out alone on error. */
int lowmap__parse_limit(const char *s, uintptr_t *out);
int lowmap__parse_strategies(const char *s, unsigned *out);
int lowmap__parse_vma_backend(const char *s, enum plat_vma_backend *out);
int lowmap__parse_dirty(const char *s, enum lowmap__dirty_mode *out);
/* Accepts the limits lowmap_set_limit() accepts. */
bool lowmap__limit_valid(uintptr_t limit);

/* Fills @cfg from the environment, logging and ignoring bad values. */
void lowmap__config_load(struct lowmap__config *cfg);

#endif /* LOWMAP_CONFIG_H */
