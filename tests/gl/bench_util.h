/*
 * Benchmarks that compare the host vendor alone with lowmap in one run.
 *
 * bench_main() runs the program again as a child once per configuration
 * (native: the host's EGL vendor file; lowmap: lowmap's; optionally lowmap
 * with only the shadow strategy), each child calling @run, which times
 * cases with bench_case() on an EGL surfaceless context.  The parent
 * prints one table: nanoseconds per iteration and the ratio to native.
 *
 * Environment: BENCH_HOST_JSON (default: the system's Mesa vendor file),
 * BENCH_LOWMAP_JSON (default: the one from this build), BENCH_ITERS.
 *
 * Not a test: timings depend on the machine; nothing here fails on them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_BENCH_UTIL_H
#define LOWMAP_BENCH_UTIL_H

#include <stdbool.h>

/* A case: @body runs @iters times after one warm-up round of as many. */
typedef void (*bench_body_fn)(void *arg, long iters);

/* In a child: time @body over @iters iterations (best of five), report. */
void bench_case(const char *name, bench_body_fn body, void *arg, long iters);

/* Iteration count: BENCH_ITERS, else @fallback. */
long bench_iters(long fallback);

/* Whether this child runs with only the shadow strategy. */
bool bench_shadow_only(void);

/* Runs @run in one child per configuration and prints the table;
 * @shadow_column adds the shadow-only configuration.  Returns the exit
 * status for main(). */
int bench_main(int argc, char **argv, void (*run)(int argc, char **argv),
               bool shadow_column);

#endif
