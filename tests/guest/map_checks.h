/*
 * GL mapping checks that run as guest code under a real translator: built
 * as a Windows program for Wine (x86_64 and i686, mingw-w64) and as an
 * i386 Linux program for box64's box32.  They need nothing but a current
 * desktop GL context (compatibility profile) and a way to resolve entry
 * points, so the same checks run in every guest; the caller makes the
 * context the way its platform does (WGL, EGL surfaceless, GLX).
 *
 * Output is one line per check, "ok ..." or "FAIL ...", on stdout.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_TESTS_GUEST_MAP_CHECKS_H
#define LOWMAP_TESTS_GUEST_MAP_CHECKS_H

#include <stddef.h>
#include <stdint.h>

struct mc_env {
    /* An entry point of the current context, or NULL when unknown. */
    void *(*proc)(const char *name);
    /* Every byte of every pointer must lie below it; 0: no check (a 64-bit
     * guest without lowmap gets the driver's pointers). */
    uint64_t limit;
    /* Committed read/write memory below @limit for client-pointer ranges,
     * the way the translator would donate it; NULL where there is none. */
    void *(*alloc_low)(size_t size);
    void (*free_low)(void *p, size_t size);
};

/* Runs every check; returns the number that failed (0 when all passed). */
int mc_run_checks(const struct mc_env *env);

/* Times map + touch + unmap cycles and prints one line per case:
 * "bench <case> <bytes> <cycles> <ns per cycle>".  @only, unless NULL,
 * names the one case to run as "<case>/<bytes>" ("write/65536"), for
 * counting what a single case copies.  Returns 0 when every map succeeded
 * and its data was right. */
int mc_run_bench(const struct mc_env *env, int cycles, const char *only);

/* Monotonic nanoseconds; each platform provides it. */
uint64_t mc_now_ns(void);

#endif
