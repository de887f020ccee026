/*
 * Random map/unmap cycles through GL against a model of each buffer's
 * contents, usable from any thread with a current context.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_TESTS_RB_CYCLES_H
#define LOWMAP_TESTS_RB_CYCLES_H

#include <epoxy/gl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stress.h"

#define RB_BUFFERS 6

struct rb_buf {
    GLuint name;
    size_t size;
    bool immutable; /* glBufferStorage, persistent maps allowed */
    uint8_t *model; /* what the buffer must hold */
};

struct rb_worker {
    struct rng rng;
    size_t max_size; /* largest buffer */
    struct rb_buf bufs[RB_BUFFERS];
    uint64_t maps, persistent, checks;
    struct failure fail;
};

/* Creates the worker's buffers in the current context. */
bool rb_worker_start(struct rb_worker *w);
/* One random map, access, unmap and check. */
bool rb_cycle(struct rb_worker *w);
/* Deletes the buffers. */
void rb_worker_stop(struct rb_worker *w);

/* Cycles to run: @dflt, or ROBUST_CYCLES (for slow tools). */
unsigned rb_cycles(unsigned dflt);

#endif
