/*
 * Named fault points around every system call lowmap makes.
 *
 * Built with -DLOWMAP_FAULTS=ON (tests only), each call site asks libfiu
 * whether its point ("lowmap/mm/mmap", "lowmap/ioctl/uffd", ...) should
 * fail; if so the call is skipped and returns its failure value with the
 * errno the test chose (fiu's failinfo) or the point's usual one.  In
 * every other build FAULT() is the constant 0 and the compiler drops it:
 * the fast paths cost nothing.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_PLATFORM_FAULT_H
#define LOWMAP_PLATFORM_FAULT_H

#include <stddef.h>
#include <stdint.h>

#ifdef LOWMAP_FAULTS
/*
 * True when @point fires at this call site; errno is then set.  @slot and
 * @len name the low slot a MAP_FIXED-style call would replace, or 0: with
 * LOWMAP_FAULT_STEAL=1 a fault there also does what kernels before 6.12
 * may do when such a call fails (unmap the slot) and what another thread
 * may do next (map memory of its own there), so tests can check that
 * lowmap never maps over it.
 */
int plat__fault(const char *point, int err, const char *site, uintptr_t slot,
                size_t len);
#define FAULT_STR2(x) #x
#define FAULT_STR(x) FAULT_STR2(x)
#define FAULT_SITE __FILE__ ":" FAULT_STR(__LINE__)
#define FAULT(point, err) plat__fault("lowmap/" point, err, FAULT_SITE, 0, 0)
#define FAULT_SLOT(point, err, slot, len)                                    \
    plat__fault("lowmap/" point, err, FAULT_SITE, slot, len)
#else
#define FAULT(point, err) 0
#define FAULT_SLOT(point, err, slot, len) 0
#endif

/* @call, unless @point fires: then @failval (errno set). */
#define FAULT_OR(point, err, failval, call)                                  \
    (FAULT(point, err) ? (failval) : (call))
#define FAULT_SLOT_OR(point, err, slot, len, failval, call)                  \
    (FAULT_SLOT(point, err, slot, len) ? (failval) : (call))

#endif /* LOWMAP_PLATFORM_FAULT_H */
