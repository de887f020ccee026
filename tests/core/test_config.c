/*
 * Configuration parsers (white box, against lowmap_static).
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>

#include "config.h"
#include "lowmap.h"

#define UNTOUCHED ((uintptr_t)0x5a5a5a5a)

/* Parameters are copied into each test's process, which may map the
 * binary elsewhere: they hold text, not pointers. */
struct limit_case {
    char text[32];
    uintptr_t want; /* 0: must be rejected */
};

ParameterizedTestParameters(config, parse_limit)
{
    static struct limit_case cases[] = {
        {"2G", LOWMAP_LIMIT_2G},
        {"2g", LOWMAP_LIMIT_2G},
        {"4G", LOWMAP_LIMIT_4G},
        {"4g", LOWMAP_LIMIT_4G},
        {"0x40000000", 0x40000000},
        {"0X40000000", 0x40000000},
        {"0x1000000", 0x1000000},     /* the 16 MiB minimum */
        {"0x100000000", LOWMAP_LIMIT_4G},
        {"0xfffff000", 0xfffff000},
        {"", 0},
        {"0x", 0},
        {"0x0", 0},
        {"0xfff000", 0},              /* below 16 MiB */
        {"0x40000001", 0},            /* not page aligned */
        {"0x100001000", 0},           /* above 4 GiB */
        {"0xffffffffffffffffffff", 0}, /* out of range for strtoull */
        {"1G", 0},
        {"3G", 0},
        {"2G ", 0},
        {"1073741824", 0},            /* decimal is not accepted */
        {"40000000", 0},
        {"0x40000000z", 0},
        {"0x 40000000", 0},           /* no blanks inside the number */
        {"0x+40000000", 0},           /* no sign either */
        {"0x-ffffffffc0000000", 0},   /* ...which would wrap to 1 GiB */
    };
    return cr_make_param_array(struct limit_case, cases,
                               sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct limit_case *c, config, parse_limit)
{
    uintptr_t v = UNTOUCHED;
    int r = lowmap__parse_limit(c->text, &v);

    if (c->want) {
        cr_assert(r == 0, "\"%s\" rejected", c->text);
        cr_assert(v == c->want, "\"%s\" gave %#lx", c->text,
                  (unsigned long)v);
    } else {
        cr_assert(r == -EINVAL, "\"%s\" accepted as %#lx", c->text,
                  (unsigned long)v);
        cr_assert(v == UNTOUCHED, "\"%s\" changed the output", c->text);
    }
}

Test(config, parse_limit_null)
{
    uintptr_t v = UNTOUCHED;

    cr_assert(lowmap__parse_limit(NULL, &v) == -EINVAL);
    cr_assert(v == UNTOUCHED);
}

Test(config, limit_valid)
{
    cr_assert(lowmap__limit_valid(LOWMAP_LIMIT_2G));
    cr_assert(lowmap__limit_valid(LOWMAP_LIMIT_4G));
    cr_assert(lowmap__limit_valid(LOWMAP__MIN_LIMIT));
    cr_assert(!lowmap__limit_valid(LOWMAP__MIN_LIMIT - 4096));
    cr_assert(!lowmap__limit_valid(LOWMAP_LIMIT_4G + 4096));
    cr_assert(!lowmap__limit_valid(LOWMAP_LIMIT_2G + 1));
    cr_assert(!lowmap__limit_valid(0));
}

struct strategies_case {
    char text[48];
    unsigned want; /* 0: must be rejected */
};

#define BIT(s) (1u << LOWMAP_STRATEGY_##s)

ParameterizedTestParameters(config, parse_strategies)
{
    static struct strategies_case cases[] = {
        {"passthrough", BIT(PASSTHROUGH)},
        {"placed", BIT(PLACED)},
        {"mremap", BIT(MREMAP)},
        {"fd_remap", BIT(FD_REMAP)},
        {"shadow", BIT(SHADOW)},
        {"passthrough,fd_remap,shadow",
         BIT(PASSTHROUGH) | BIT(FD_REMAP) | BIT(SHADOW)},
        {"shadow,mremap", BIT(MREMAP) | BIT(SHADOW)},
        {"mremap,mremap", BIT(MREMAP)},
        {"passthrough,placed,mremap,fd_remap,shadow", LOWMAP__ALL_STRATEGIES},
        {"", 0},
        {",", 0},
        {",shadow", 0},
        {"shadow,,mremap", 0},
        {"Shadow", 0},
        {"shad", 0},
        {"shadowx", 0},
        {"shadow mremap", 0},
        {"shadow,bogus", 0},
        {"fd-remap", 0},
    };
    return cr_make_param_array(struct strategies_case, cases,
                               sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct strategies_case *c, config, parse_strategies)
{
    unsigned v = 0xdead;
    int r = lowmap__parse_strategies(c->text, &v);

    if (c->want) {
        cr_assert(r == 0, "\"%s\" rejected", c->text);
        cr_assert(v == c->want, "\"%s\" gave %#x, want %#x", c->text, v,
                  c->want);
    } else {
        cr_assert(r == -EINVAL, "\"%s\" accepted as %#x", c->text, v);
        cr_assert(v == 0xdead, "\"%s\" changed the output", c->text);
    }
}

Test(config, parse_strategies_null)
{
    unsigned v = 0xdead;

    cr_assert(lowmap__parse_strategies(NULL, &v) == -EINVAL);
    cr_assert(v == 0xdead);
}

Test(config, all_strategies_is_every_strategy)
{
    unsigned all = 0;

    for (int s = 1; s < LOWMAP_STRATEGY_COUNT; s++)
        all |= 1u << s;
    cr_assert(LOWMAP__ALL_STRATEGIES == all);
}

Test(config, parse_vma_backend)
{
    enum plat_vma_backend b = (enum plat_vma_backend)42;

    cr_assert(lowmap__parse_vma_backend("auto", &b) == 0);
    cr_assert(b == PLAT_VMA_AUTO);
    cr_assert(lowmap__parse_vma_backend("procmap_query", &b) == 0);
    cr_assert(b == PLAT_VMA_PROCMAP_QUERY);
    cr_assert(lowmap__parse_vma_backend("maps", &b) == 0);
    cr_assert(b == PLAT_VMA_MAPS);
    b = (enum plat_vma_backend)42;
    cr_assert(lowmap__parse_vma_backend("Maps", &b) == -EINVAL);
    cr_assert(lowmap__parse_vma_backend("", &b) == -EINVAL);
    cr_assert(lowmap__parse_vma_backend(NULL, &b) == -EINVAL);
    cr_assert(b == (enum plat_vma_backend)42);
}

Test(config, load_defaults)
{
    struct lowmap__config cfg;

    unsetenv("LOWMAP_LIMIT");
    unsetenv("LOWMAP_STRATEGIES");
    unsetenv("LOWMAP_VMA_QUERY");
    unsetenv("LOWMAP_STATS");
    lowmap__config_load(&cfg);
    cr_assert(cfg.limit == LOWMAP_LIMIT_2G);
    cr_assert(cfg.strategies == LOWMAP__ALL_STRATEGIES);
    cr_assert(cfg.vma_backend == PLAT_VMA_AUTO);
    cr_assert(!cfg.stats_at_exit);
}

Test(config, load_environment)
{
    struct lowmap__config cfg;

    setenv("LOWMAP_LIMIT", "0x20000000", 1);
    setenv("LOWMAP_STRATEGIES", "fd_remap,shadow", 1);
    setenv("LOWMAP_VMA_QUERY", "maps", 1);
    setenv("LOWMAP_STATS", "1", 1);
    lowmap__config_load(&cfg);
    cr_assert(cfg.limit == 0x20000000);
    cr_assert(cfg.strategies == (BIT(FD_REMAP) | BIT(SHADOW)));
    cr_assert(cfg.vma_backend == PLAT_VMA_MAPS);
    cr_assert(cfg.stats_at_exit);
}

Test(config, load_ignores_bad_values)
{
    struct lowmap__config cfg;

    setenv("LOWMAP_LIMIT", "5G", 1);
    setenv("LOWMAP_STRATEGIES", "fast", 1);
    setenv("LOWMAP_VMA_QUERY", "guess", 1);
    setenv("LOWMAP_STATS", "0", 1);
    lowmap__config_load(&cfg);
    cr_assert(cfg.limit == LOWMAP_LIMIT_2G);
    cr_assert(cfg.strategies == LOWMAP__ALL_STRATEGIES);
    cr_assert(cfg.vma_backend == PLAT_VMA_AUTO);
    cr_assert(!cfg.stats_at_exit);
}
