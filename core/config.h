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

struct lowmap__config {
    uintptr_t limit;
    unsigned strategies; /* bit (1u << LOWMAP_STRATEGY_x) per enabled one */
    bool stats_at_exit;
    bool dirty_tracking; /* LOWMAP_DIRTY: track shadow writes if we can */
    enum plat_vma_backend vma_backend;
};

#define LOWMAP__ALL_STRATEGIES 0x3eu /* bits 1..5 */
#define LOWMAP__MIN_LIMIT ((uintptr_t)16 << 20)

/* Parsers return 0 or -EINVAL and leave *out alone on error. */
int lowmap__parse_limit(const char *s, uintptr_t *out);
int lowmap__parse_strategies(const char *s, unsigned *out);
int lowmap__parse_vma_backend(const char *s, enum plat_vma_backend *out);
/* Accepts the limits lowmap_set_limit() accepts. */
bool lowmap__limit_valid(uintptr_t limit);

/* Fills @cfg from the environment, logging and ignoring bad values. */
void lowmap__config_load(struct lowmap__config *cfg);

#endif /* LOWMAP_CONFIG_H */
