/*
 * Shared by the fault-injection programs: a seeded decision callback for
 * libfiu, the checks every program makes on the address space, and the
 * figures they print.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_TESTS_FAULTLIB_H
#define LOWMAP_TESTS_FAULTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fails the program with a message (the stage reports it). */
#define FL_CHECK(cond, ...)                                                  \
    do {                                                                     \
        if (!(cond))                                                         \
            fl_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                 \
    } while (0)
_Noreturn void fl_fail(const char *file, int line, const char *cond,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Seeded xorshift: the same seed gives the same run. */
void fl_seed(uint64_t seed);
uint64_t fl_rand(void);
/* Uniform in [0, n). */
size_t fl_below(size_t n);

/*
 * Enables the points matching each pattern (libfiu wildcards such as
 * a trailing star) with a callback that fires with @probability while armed,
 * each time with an errno picked from the point's usual ones.
 */
void fl_faults_enable(const char *const *patterns, double probability);
/* The patterns to enable: FAULT_POINTS (one point name) if set, else
 * @fallback. */
const char *const *fl_points(const char *const *fallback);
void fl_faults_disable(const char *const *patterns);
/* Faults fire only while armed: around lowmap's calls, never the test's. */
void fl_arm(bool on);
/* Faults fired since start, for points the program counts itself. */
unsigned long fl_fired(void);
/* Print "fired NAME COUNT" for every point name seen. */
void fl_print_fired(const char *tag);

/*
 * Address-space checks below the limit, faults off:
 * - every VMA below the limit lies in lowmap's arena, and the arena's
 *   bytes are exactly what is mapped there (nothing leaked, no hole);
 * - every slot taken by foreign memory (LOWMAP_FAULT_STEAL) still holds
 *   its mark: lowmap never mapped over it.
 * @extra: bytes below the limit the program mapped itself.
 * Returns the number of foreign slots found.
 */
unsigned long fl_check_space(const char *when, uint64_t extra);

/*
 * With FAULT_NOFILE=1 in the environment: lower RLIMIT_NOFILE to the fds
 * open now, so that lowmap can open none (fd re-mmap cannot look for an
 * fd, /proc cannot be read).  fl_check_space() lifts it while it looks.
 */
void fl_nofile_tight(void);
void fl_nofile_restore(void);
/* Print the peak virtual size and resident set ("VmPeak ... VmHWM ..."). */
void fl_print_peak(void);

/* Fill and compare with a pattern derived from (tag, offset). */
void fl_fill(void *p, size_t len, uint32_t tag, size_t off);
bool fl_same(const void *p, size_t len, uint32_t tag, size_t off);

#endif
