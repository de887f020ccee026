/*
 * lowmap-bench's last section: each family of rows against its target
 * (README, Performance), read off the same run's ratios: each the median
 * of the rounds' own (bench_ratio()).
 *
 *   zero-copy rows    each lowmap configuration's rows that no shadow
 *                     served: at most 1.5x native
 *   shadow rows       the shadow configuration (write-back chosen by
 *                     cost): at most 1.1x Wine's copy path; the copies
 *                     alone (wine-min) are shown beside it
 *   one page written  in maps of 1 MiB or more, shadow configuration: at
 *                     least 10x cheaper than Wine's path, where a
 *                     write-protect fault costs 5 us or less
 *   live buffers      100 000 live buffers against one: at most 1.5x
 *
 * The forced write-back methods (shadow-track, -compare, -whole) are
 * there to show what the choice chose between; they have no target.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct extreme {
    double ratio; /* < 0: no row */
    int ci, k, rows;
};

/* Bytes in the case's leading size ("64K ...", "16M ..."). */
static size_t case_bytes(const char *name)
{
    char *end;
    unsigned long v = strtoul(name, &end, 10);

    return *end == 'M' ? (size_t)v << 20 : *end == 'K' ? (size_t)v << 10 : 0;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);

    return n >= m && strcmp(s + n - m, tail) == 0;
}

static void consider(struct extreme *e, double ratio, int ci, int k,
                     bool highest)
{
    e->rows++;
    if (e->ratio < 0 || (highest ? ratio > e->ratio : ratio < e->ratio))
        *e = (struct extreme){ratio, ci, k, e->rows};
}

static const char *verdict(bool met)
{
    return met ? "met" : "NOT met";
}

void bench_print_targets(const struct bench_results *res,
                         const struct bench_config *c, int n,
                         const bool *on, int rounds,
                         unsigned long long fault_ns)
{
    int native = bench_config_index(c, n, "native");
    int wine = bench_config_index(c, n, "wine");
    int wmin = bench_config_index(c, n, "wine-min");
    int shadow = bench_config_index(c, n, "shadow");
    struct extreme zero = {-1, 0, 0, 0}, sh = zero, shmin = zero,
                   page = zero, live = zero;

    for (int k = 0; k < res->n; k++) {
        const char *name = res->names[k];
        bool has_native = native >= 0 && on[native];

        for (int i = 0; i < n; i++) {
            double q = has_native && on[i] && c[i].lowmap
                           ? bench_ratio(res, i, k, native, k, rounds) : -1;
            if (q > 0 && res->served[i][k][0] &&
                !strstr(res->served[i][k], "shadow"))
                consider(&zero, q, i, k, true);
        }
        if (shadow < 0 || !on[shadow])
            continue;
        double w = wine >= 0 && on[wine]
                       ? bench_ratio(res, shadow, k, wine, k, rounds) : -1;
        double wm = wmin >= 0 && on[wmin]
                        ? bench_ratio(res, shadow, k, wmin, k, rounds) : -1;
        if (w > 0)
            consider(&sh, w, shadow, k, true);
        if (wm > 0)
            consider(&shmin, wm, shadow, k, true);
        if (w > 0 && ends_with(name, " 1p") && case_bytes(name) >= 1 << 20)
            consider(&page, bench_ratio(res, wine, k, shadow, k, rounds),
                     shadow, k, false);
    }
    int one = -1, many = -1;
    for (int k = 0; k < res->n; k++) {
        if (ends_with(res->names[k], " live=1"))
            one = k;
        else if (ends_with(res->names[k], " live=100000"))
            many = k;
    }
    for (int i = 0; i < n; i++) {
        double q = on[i] && c[i].lowmap && one >= 0 && many >= 0
                       ? bench_ratio(res, i, many, i, one, rounds) : -1;
        if (q > 0)
            consider(&live, q, i, many, true);
    }

    printf("\ntargets, from the ratios above:\n");
    if (zero.ratio >= 0)
        printf("  zero-copy rows <= 1.5x native: worst %.2fx (%s, %s) of "
               "%d rows: %s\n", zero.ratio, c[zero.ci].name,
               res->names[zero.k], zero.rows, verdict(zero.ratio <= 1.5));
    else
        printf("  zero-copy rows <= 1.5x native: no row measured\n");
    if (sh.ratio >= 0)
        printf("  shadow rows <= 1.1x Wine's copy path: worst %.2fx (%s) "
               "of %d rows: %s\n", sh.ratio, res->names[sh.k], sh.rows,
               verdict(sh.ratio <= 1.1));
    else
        printf("  shadow rows <= 1.1x Wine's copy path: needs the shadow "
               "and wine configurations\n");
    if (shmin.ratio >= 0)
        printf("    against the copies alone (wine-min): worst %.2fx (%s)\n",
               shmin.ratio, res->names[shmin.k]);
    if (page.ratio >= 0)
        printf("  one page written in >= 1 MiB, >= 10x cheaper than Wine's "
               "path where a fault costs <= 5 us: least %.2fx (%s); a fault "
               "costs %.1f us here: %s\n", page.ratio, res->names[page.k],
               (double)fault_ns / 1000,
               fault_ns > 5000 ? "does not apply here"
                               : verdict(page.ratio >= 10));
    if (live.ratio >= 0)
        printf("  100 000 live buffers <= 1.5x one: worst %.2fx (%s): %s\n",
               live.ratio, c[live.ci].name, verdict(live.ratio <= 1.5));
    else
        printf("  100 000 live buffers <= 1.5x one: not measured (--quick "
               "stops at 1 000; --cases may leave it out)\n");
}
