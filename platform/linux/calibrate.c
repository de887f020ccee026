/*
 * What shadow write-back costs on this machine, measured rather than
 * assumed: the cost of a write-protect fault differs about tenfold between
 * machines, and with it the point where tracking written pages beats
 * comparing the shadow with the host.  Runs once, on scratch memory of its
 * own, in well under a millisecond where faults are cheap and a few where
 * they are not.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "fault.h"
#include "platform.h"

/* Large enough to leave the caches (a 1 MiB map is what matters), small
 * enough to cost a few milliseconds once. */
#define PAGES 512
#define FEW 16
#define ROUNDS 5

uint64_t plat_now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void ignore_run(void *ctx, uintptr_t start, uintptr_t end)
{
    *(size_t *)ctx += end - start;
}

/* Best of ROUNDS: the machine is shared, the cheapest run is the cost. */
static uint64_t best(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* memcpy and memcmp of PAGES pages, per page. */
static void measure_copies(char *a, char *b, size_t page,
                           struct plat_dirty_costs *c)
{
    uint64_t copy = UINT64_MAX, cmp = UINT64_MAX;
    volatile int sink = 0;

    for (int r = 0; r < ROUNDS; r++) {
        uint64_t t0 = plat_now_ns();
        memcpy(b, a, PAGES * page);
        uint64_t t1 = plat_now_ns();
        sink += memcmp(a, b, PAGES * page);
        uint64_t t2 = plat_now_ns();
        copy = best(copy, t1 - t0);
        cmp = best(cmp, t2 - t1);
    }
    (void)sink;
    c->copy_ns_page = copy / PAGES;
    c->compare_ns_page = cmp / PAGES;
}

static uint64_t time_scan(uintptr_t at, size_t len, size_t *seen, int *err)
{
    uint64_t t0 = plat_now_ns();

    *seen = 0;
    *err = plat_dirty_scan(at, len, true, ignore_run, seen);
    return plat_now_ns() - t0;
}

/*
 * A scan's cost per call and per clean page, and what one written page
 * adds: its fault, and the scan's re-protection of it with the TLB flush
 * that takes.  Measured one page at a time, as a map that writes little
 * pays it: batched, the flush is shared and looks several times cheaper
 * than it is for such a map.
 */
static int measure_tracking(char *mem, size_t page,
                            struct plat_dirty_costs *c)
{
    uintptr_t at = (uintptr_t)mem;
    uint64_t few = UINT64_MAX, all = UINT64_MAX, written = UINT64_MAX;
    size_t seen;
    int err;

    if ((err = plat_dirty_track(at, PAGES * page)))
        return err;
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t t_few = time_scan(at, FEW * page, &seen, &err);
        if (err)
            return err;
        uint64_t t_all = time_scan(at, PAGES * page, &seen, &err);
        if (err)
            return err;
        uint64_t t0 = plat_now_ns();
        ((volatile char *)mem)[(size_t)r * 16 * page] = (char)r;
        uint64_t t_write = plat_now_ns() - t0 +
                           time_scan(at, PAGES * page, &seen, &err);
        if (err)
            return err;
        if (seen != page)
            return -EIO; /* the tracking does not see what we wrote */
        few = best(few, t_few);
        all = best(all, t_all);
        written = best(written, t_write);
    }
    /* Rounded up: a scan is never free. */
    c->scan_ns_page = all > few ? (all - few + PAGES - FEW - 1) / (PAGES - FEW)
                                : 1;
    c->scan_ns_call = few > FEW * c->scan_ns_page ? few - FEW * c->scan_ns_page
                                                  : 0;
    /* Best against best: the best of per-round differences would keep the
     * round whose clean scan a stall slowed, down to a free fault. */
    c->fault_ns = written > all ? written - all : 1;
    return 0;
}

int plat_dirty_calibrate(struct plat_dirty_costs *c)
{
    size_t page = plat_page_size();
    char *a, *b;
    int err = 0;

    memset(c, 0, sizeof(*c));
    a = FAULT_OR("mm/mmap", ENOMEM, MAP_FAILED,
                 mmap(NULL, 2 * PAGES * page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (a == MAP_FAILED)
        return -errno;
    b = a + PAGES * page;
    memset(a, 1, 2 * PAGES * page);
    measure_copies(a, b, page, c);
    if (plat_have_dirty_tracking())
        err = measure_tracking(a, page, c);
    else
        err = -ENOTSUP;
    (void)FAULT_OR("mm/munmap", ENOMEM, -1, munmap(a, 2 * PAGES * page));
    return err;
}
