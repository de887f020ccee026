/*
 * lowmap-bench's two halves: the parent runs each configuration in a child
 * process, steps them case by case in turn, round after round, and prints
 * the medians; a child times every case on one EGL surfaceless context.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_BENCH_H
#define LOWMAP_BENCH_H

#include <stdbool.h>

#define BENCH_MAX_ENV 4

struct bench_config {
    const char *name;
    bool lowmap;                    /* lowmap's EGL vendor, else the host's */
    const char *env[BENCH_MAX_ENV]; /* NULL-terminated NAME=value list */
};

struct bench_options {
    bool quick;        /* fewer sizes and live-buffer counts */
    int rounds;        /* each configuration this many times, alternating */
    const char *json;  /* where the results go as JSON */
    const char *only;  /* comma list of configuration names, or NULL */
    const char *cases; /* only the cases whose names hold this, or NULL */
    int cpu;           /* the CPU every child runs on, or -1 for any */
};

/* In a child: a "renderer <GL_RENDERER>" line, then every case, one at a
 * time as the parent steps it (a byte on stdin per step, a "step" line at
 * the end of each): a "case <ns> <name>" line and a "served <kinds>
 * <name>" line.  "end" answers the step after the last case. */
int bench_child(bool quick);

int bench_parent(const struct bench_config *configs, int n,
                 const struct bench_options *o);

#define BENCH_MAX_CONFIGS 12
#define BENCH_MAX_CASES 128
#define BENCH_MAX_ROUNDS 99

/* What the rounds gathered, by configuration and case. */
struct bench_results {
    char names[BENCH_MAX_CASES][96];
    int n;
    /* ns[config][case][round]; < 0: no figure */
    double ns[BENCH_MAX_CONFIGS][BENCH_MAX_CASES][BENCH_MAX_ROUNDS];
    /* The kinds of low views lowmap made for each case, comma-separated,
     * as the last round saw them; "host" where it made none. */
    char served[BENCH_MAX_CONFIGS][BENCH_MAX_CASES][64];
    char renderer[256];
};

/* The median over @rounds of one case of one configuration; < 0: none. */
double bench_median(const struct bench_results *res, int ci, int k,
                    int rounds);
/* The median over @rounds of each round's time of configuration @ca in
 * case @ka over configuration @cb's in case @kb: two figures taken moments
 * apart, batch by batch, so that a slow spell of the machine falls on
 * both; < 0: no round has both. */
double bench_ratio(const struct bench_results *res, int ca, int ka, int cb,
                   int kb, int rounds);
int bench_config_index(const struct bench_config *configs, int n,
                       const char *name);

/* Prints, from the ratios, how each row family stands against its target
 * (README, Performance), with the write-protect fault cost @fault_ns that
 * decides whether the one-page target applies here. */
void bench_print_targets(const struct bench_results *res,
                         const struct bench_config *c, int n,
                         const bool *on, int rounds,
                         unsigned long long fault_ns);

#endif
