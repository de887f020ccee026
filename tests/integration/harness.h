/*
 * What the translator-like harnesses share: reading /proc/self/maps, the
 * box64/FEX-style reservation of everything above 4 GiB, and one GL
 * workload (every kind of buffer map an app makes) whose pointers a
 * harness checks against the memory it knows about.
 *
 * GL comes from tests/gl/gl_util.h: real Mesa llvmpipe through libglvnd,
 * with lowmap's EGL vendor as the only one.  The harnesses set up their
 * address space in the test body, before the first EGL call loads any
 * vendor, so each test calls gt_setup() itself.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_TESTS_INTEGRATION_HARNESS_H
#define LOWMAP_TESTS_INTEGRATION_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gl_util.h"

#define IT_4G ((uintptr_t)1 << 32)

/* One line of /proc/self/maps. */
struct it_vma {
    uintptr_t start, end;
    int prot; /* PROT_READ | PROT_WRITE | PROT_EXEC */
    char name[64];
};

/* The VMAs that start below @top, at most @max of them; returns how many
 * there are (which may exceed @max). */
size_t it_maps(uintptr_t top, struct it_vma *out, size_t max);
/* Protection of every page of [start, end) if all pages share one,
 * -1 if some page is unmapped, -2 if protections differ. */
int it_prot_of(uintptr_t start, uintptr_t end);

/*
 * Reserve every free byte above 4 GiB the way box64 and FEX do for 32-bit
 * guests: PROT_NONE, MAP_NORESERVE, halving the size until nothing fits.
 * Afterwards every mapping made without an address hint lands below
 * 4 GiB.  Returns the bytes reserved; asserts that a fresh mapping lands
 * low.
 */
size_t it_reserve_high(void);

/* Called with every pointer a map in it_gl_workload() returned. */
typedef void (*it_ptr_check)(const void *p, size_t len);

/*
 * Maps buffers every way an app does — read, write, read/write,
 * invalidate, explicit flush, glMapBuffer, named maps, persistent
 * coherent and non-coherent storage — checks the data makes the round
 * trip both ways, and passes each pointer to @check.  Returns the number
 * of maps made.
 */
unsigned it_gl_workload(it_ptr_check check);

/* Maps, writes and deletes small buffers one at a time until @done
 * returns true, at most @max times; returns how many it took, or -1. */
int it_churn_until(bool (*done)(void), int max);

#endif
