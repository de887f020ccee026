/*
 * lowmap-bench's two halves: the parent runs each configuration in a child
 * process, rounds alternating, and prints the medians; a child times every
 * case on one EGL surfaceless context and prints one line per case.
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
    int cpu;           /* the CPU every child runs on, or -1 for any */
};

/* In a child: every case, one "case <name> <ns>" line each, after a
 * "renderer <GL_RENDERER>" line. */
int bench_child(bool quick);

int bench_parent(const struct bench_config *configs, int n,
                 const struct bench_options *o);

#endif
