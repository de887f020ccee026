/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "lowmap.h"

bool lowmap__limit_valid(uintptr_t limit)
{
    return limit >= LOWMAP__MIN_LIMIT && limit <= LOWMAP_LIMIT_4G &&
           limit % plat_page_size() == 0;
}

int lowmap__parse_limit(const char *s, uintptr_t *out)
{
    uintptr_t v;
    char *end;

    if (!s)
        return -EINVAL;
    if (strcmp(s, "2G") == 0 || strcmp(s, "2g") == 0) {
        v = LOWMAP_LIMIT_2G;
    } else if (strcmp(s, "4G") == 0 || strcmp(s, "4g") == 0) {
        v = LOWMAP_LIMIT_4G;
    } else {
        if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
            return -EINVAL;
        /* strtoull() would also take spaces and a sign. */
        for (const char *c = s + 2; *c; c++)
            if (!isxdigit((unsigned char)*c))
                return -EINVAL;
        errno = 0;
        unsigned long long x = strtoull(s + 2, &end, 16);
        if (errno || *end || x > LOWMAP_LIMIT_4G)
            return -EINVAL;
        v = (uintptr_t)x;
    }
    if (!lowmap__limit_valid(v))
        return -EINVAL;
    *out = v;
    return 0;
}

static const char *const strategy_names[LOWMAP_STRATEGY_COUNT] = {
    [LOWMAP_STRATEGY_PASSTHROUGH] = "passthrough",
    [LOWMAP_STRATEGY_PLACED] = "placed",
    [LOWMAP_STRATEGY_MREMAP] = "mremap",
    [LOWMAP_STRATEGY_FD_REMAP] = "fd_remap",
    [LOWMAP_STRATEGY_SHADOW] = "shadow",
};

const char *lowmap_strategy_name(int strategy)
{
    if (strategy <= 0 || strategy >= LOWMAP_STRATEGY_COUNT)
        return "unknown";
    return strategy_names[strategy];
}

int lowmap__parse_strategies(const char *s, unsigned *out)
{
    unsigned mask = 0;

    if (!s)
        return -EINVAL;
    while (*s) {
        size_t len = strcspn(s, ",");
        int found = 0;
        for (int i = 1; i < LOWMAP_STRATEGY_COUNT; i++) {
            if (strlen(strategy_names[i]) == len &&
                strncmp(s, strategy_names[i], len) == 0) {
                mask |= 1u << i;
                found = 1;
            }
        }
        if (!found)
            return -EINVAL;
        s += len;
        if (*s == ',')
            s++;
    }
    if (!mask)
        return -EINVAL;
    *out = mask;
    return 0;
}

int lowmap__parse_vma_backend(const char *s, enum plat_vma_backend *out)
{
    if (!s)
        return -EINVAL;
    if (strcmp(s, "auto") == 0)
        *out = PLAT_VMA_AUTO;
    else if (strcmp(s, "procmap_query") == 0)
        *out = PLAT_VMA_PROCMAP_QUERY;
    else if (strcmp(s, "maps") == 0)
        *out = PLAT_VMA_MAPS;
    else
        return -EINVAL;
    return 0;
}

int lowmap__parse_dirty(const char *s, enum lowmap__dirty_mode *out)
{
    static const char *const names[] = {
        [LOWMAP__DIRTY_AUTO] = "auto",
        [LOWMAP__DIRTY_OFF] = "off",
        [LOWMAP__DIRTY_COMPARE] = "compare",
        [LOWMAP__DIRTY_TRACK] = "track",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum lowmap__dirty_mode)i;
            return 0;
        }
    }
    return -EINVAL;
}

void lowmap__config_load(struct lowmap__config *cfg)
{
    const char *s;

    lowmap__log_mask = lowmap__log_parse(getenv("LOWMAP_DEBUG"));

    cfg->limit = LOWMAP_LIMIT_2G;
    cfg->strategies = LOWMAP__ALL_STRATEGIES;
    cfg->vma_backend = PLAT_VMA_AUTO;
    s = getenv("LOWMAP_STATS");
    cfg->stats_at_exit = s && *s && strcmp(s, "0") != 0;
    cfg->dirty = LOWMAP__DIRTY_AUTO;
    if ((s = getenv("LOWMAP_DIRTY")) && lowmap__parse_dirty(s, &cfg->dirty))
        log_error("LOWMAP_DIRTY=%s: expected auto, off, compare or track; "
                  "using auto", s);

    if ((s = getenv("LOWMAP_LIMIT")) && lowmap__parse_limit(s, &cfg->limit))
        log_error("LOWMAP_LIMIT=%s is not 2G, 4G or a page-aligned hex "
                  "value in [16 MiB, 4 GiB]; using 2G", s);
    if ((s = getenv("LOWMAP_STRATEGIES")) &&
        lowmap__parse_strategies(s, &cfg->strategies))
        log_error("LOWMAP_STRATEGIES=%s: expected a comma list of "
                  "passthrough,placed,mremap,fd_remap,shadow; using all", s);
    if ((s = getenv("LOWMAP_VMA_QUERY")) &&
        lowmap__parse_vma_backend(s, &cfg->vma_backend))
        log_error("LOWMAP_VMA_QUERY=%s: expected auto, procmap_query or "
                  "maps; using auto", s);
}
