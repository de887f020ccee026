/*
 * Shared by the stress tests: a cheap per-thread random generator and a
 * check macro that works off the main thread (Criterion's asserts must run
 * on the test's own thread).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_STRESS_H
#define LOWMAP_STRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lowmap.h"

#ifndef STRESS_DIVISOR
#define STRESS_DIVISOR 1
#endif
#define SCALED(n) ((n) / STRESS_DIVISOR)

struct rng { uint64_t s; };

static inline uint64_t rnd(struct rng *r)
{
    /* xorshift64*: plenty for picking sizes and offsets */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ull;
}

/* 1 B to @max, spread evenly over the powers of two in between. */
static inline size_t rnd_size(struct rng *r, size_t max)
{
    unsigned bits = 0;
    size_t size;

    while (((size_t)1 << (bits + 1)) <= max)
        bits++;
    size = 1 + rnd(r) % ((size_t)1 << (rnd(r) % (bits + 1)));
    return size < max ? size : max;
}

/* READ and/or WRITE with any of the modifiers but CLIENT_RANGE. */
static inline unsigned rnd_access(struct rng *r)
{
    unsigned mods = LOWMAP_PERSISTENT | LOWMAP_COHERENT | LOWMAP_INVALIDATE |
                    LOWMAP_FLUSH_EXPLICIT;
    unsigned v = (unsigned)rnd(r);

    return (1u + v % 3) | ((v >> 8) & mods);
}

/* The first failure of a worker, reported by the test thread. */
struct failure { char msg[256]; bool failed; };

#define CHECK(f, cond, ...)                                                  \
    do {                                                                     \
        if (!(cond)) {                                                       \
            snprintf((f)->msg, sizeof((f)->msg), __VA_ARGS__);               \
            (f)->failed = true;                                              \
            return false;                                                    \
        }                                                                    \
    } while (0)

#endif /* LOWMAP_STRESS_H */
