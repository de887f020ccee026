/*
 * How a shadow chooses its write-back (LOWMAP_DIRTY=auto), by this
 * machine's measured costs: tracked where the pages a caller writes make
 * tracking cheap, and not for long where they do not.  Each test works
 * out from lowmap_probe()'s costs what the choice should be, and skips
 * where that is too close to call.
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h"

#define N 256 /* pages of each view: 1 MiB */

static void auto_dirty(void)
{
    env_reset();
    setenv("LOWMAP_STRATEGIES", "shadow", 1);
    setenv("LOWMAP_DIRTY", "auto", 1);
}

TestSuite(shadow_choice, .init = auto_dirty);

/* A 1 MiB read/write shadow of fresh memory, and the costs measured at
 * its making; skips where the kernel cannot track writes. */
static lowmap_alias *view(struct lowmap_caps *c, unsigned char **host)
{
    c->size = sizeof(*c);
    cr_assert(lowmap_probe(c) == 0);
    if (c->dirty_tracking != LOWMAP_YES)
        cr_skip_test("no write-protect tracking here: nothing to choose");
    *host = map_anon(N * PAGE, MAP_PRIVATE);
    fill(*host, N * PAGE, 1);
    lowmap_alias *a = alias_ok(*host, N * PAGE, LOWMAP_READ | LOWMAP_WRITE);
    /* The costs are measured at the first shadow: ask after it. */
    cr_assert(lowmap_probe(c) == 0);
    return a;
}

/* What a tracked sync costs that copies @w pages back and took @f faults
 * (core/shadow.c, tracked_cost()), and an untracked one: a compare. */
static double tracked(const struct lowmap_caps *c, double w, double f)
{
    return (double)c->scan_ns_call + N * (double)c->scan_ns_page +
           w * (double)c->copy_ns_page + f * (double)c->wp_fault_ns;
}

static double untracked(const struct lowmap_caps *c)
{
    return N * (double)c->compare_ns_page;
}

/* Syncs between two that protect the written pages, plus that one. */
static double cycle(const struct lowmap_caps *c)
{
    double t = c->copy_ns_page ? (double)(c->wp_fault_ns / c->copy_ns_page)
                               : 1;
    return (t < 1 ? 1 : t > 64 ? 64 : t) + 1;
}

static uint64_t tracked_syncs(const struct lowmap_stats *s0)
{
    return stats_now().writebacks_tracked - s0->writebacks_tracked;
}

/*
 * The same W pages written before every sync: tracked, they stay writable
 * and fault once a protect cycle, so tracking pays wherever W copies and
 * W faults a cycle cost well under half a compare of the whole view.
 */
Test(shadow_choice, pages_rewritten_at_every_sync_are_tracked_where_it_pays)
{
    enum { W = 25, SYNCS = 300 };
    struct lowmap_caps c;
    unsigned char *host;
    lowmap_alias *a = view(&c, &host);
    unsigned char *low = lowmap_alias_ptr(a);

    if (3 * tracked(&c, W, W / cycle(&c)) > untracked(&c))
        cr_skip_test("faults cost %llu ns here: tracking %d pages does not "
                     "clearly pay", (unsigned long long)c.wp_fault_ns, W);
    struct lowmap_stats s0 = stats_now();
    for (int i = 0; i < SYNCS; i++) {
        for (int p = 0; p < W; p++)
            low[(size_t)p * 10 * PAGE + 7] = (unsigned char)(i + p);
        cr_assert(lowmap_alias_sync(a) == 0);
        cr_assert(host[(size_t)(i % W) * 10 * PAGE + 7] ==
                  (unsigned char)(i + i % W));
    }
    uint64_t n = tracked_syncs(&s0);
    cr_assert(n >= SYNCS / 2, "%llu of %d syncs tracked",
              (unsigned long long)n, SYNCS);
    cr_assert(lowmap_alias_release(a) == 0);
}

/*
 * W other pages written before every sync: tracked, each is a fault.
 * Where that costs more than a compare, tracking may be tried, but is
 * given up within a cycle and tried again only after a wait that grows.
 */
Test(shadow_choice, pages_written_afresh_at_every_sync_are_not_tracked_long)
{
    enum { W = 20, SYNCS = 600 };
    struct lowmap_caps c;
    unsigned char *host;
    lowmap_alias *a = view(&c, &host);
    unsigned char *low = lowmap_alias_ptr(a);

    if (2 * tracked(&c, W, W) < 1.5 * untracked(&c))
        cr_skip_test("faults cost %llu ns here: tracking %d fresh pages "
                     "may pay", (unsigned long long)c.wp_fault_ns, W);
    struct lowmap_stats s0 = stats_now();
    size_t page = 0;
    for (int i = 0; i < SYNCS; i++) {
        for (int p = 0; p < W; p++, page = (page + 7) % N)
            low[page * PAGE + 100] = (unsigned char)(i + 1);
        cr_assert(lowmap_alias_sync(a) == 0);
        cr_assert(host[((page + N - 7) % N) * PAGE + 100] ==
                  (unsigned char)(i + 1));
    }
    uint64_t n = tracked_syncs(&s0);
    cr_assert(n <= SYNCS / 10, "%llu of %d syncs tracked",
              (unsigned long long)n, SYNCS);
    cr_assert(lowmap_alias_release(a) == 0);
}

/*
 * Pages the caller flushes go to the host at the flush, so the sync finds
 * them equal to it; they were written all the same, and tracking them
 * would cost their faults and copies.  Where that is well over what a
 * compare of the whole view costs, a view whose pages are flushed is
 * never tracked.
 */
Test(shadow_choice, flushed_pages_count_as_written)
{
    enum { W = 200, SYNCS = 50 };
    struct lowmap_caps c;
    unsigned char *host;
    lowmap_alias *a = view(&c, &host);
    unsigned char *low = lowmap_alias_ptr(a);

    if (2 * tracked(&c, W, W / cycle(&c)) < 1.5 * untracked(&c) ||
        2 * tracked(&c, 0, 0) > untracked(&c) / 1.5)
        cr_skip_test("costs here (fault %llu ns) do not tell flushed pages "
                     "from none", (unsigned long long)c.wp_fault_ns);
    struct lowmap_stats s0 = stats_now();
    for (int i = 0; i < SYNCS; i++) {
        for (int p = 0; p < W; p++) {
            size_t off = (size_t)p * PAGE + 100;
            low[off] = (unsigned char)(i + 1);
            cr_assert(lowmap_alias_flush(a, off, 1) == 0);
        }
        cr_assert(lowmap_alias_sync(a) == 0);
        cr_assert(host[(W - 1) * PAGE + 100] == i + 1);
    }
    uint64_t n = tracked_syncs(&s0);
    cr_assert_eq(n, 0, "tracked %llu syncs: the flushed pages were not "
                       "counted written", (unsigned long long)n);
    cr_assert(lowmap_alias_release(a) == 0);
}
