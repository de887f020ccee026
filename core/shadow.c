/*
 * Shadow copies: what goes from host to low and back, and how a write-back
 * finds what the caller wrote.
 *
 * Three ways to find the written bytes, all exact to the page and never
 * touching a byte outside the handle's range:
 *
 *  - whole: copy the whole range back (what a translator's own copy path
 *    does, and all that is left where nothing else applies);
 *  - compare: compare each page of the range with the host and copy back
 *    the pages that differ.  Right for views that are not persistent: while
 *    such a view lives only its holder changes the host range (the GL
 *    forbids writing a mapped buffer), and the shadow starts equal to the
 *    host wherever the holder may keep bytes.  About what a whole copy
 *    costs: a page read twice against a page read and written;
 *  - tracked: userfaultfd write-protection and PAGEMAP_SCAN (Linux 6.7+):
 *    a fault per written page, a scan per write-back;
 *  - twin, for persistent views, whose host range the GL changes while
 *    they live: a second copy holds what shadow and host last agreed on,
 *    and each write-back compares the shadow with it and copies only the
 *    bytes that differ, so a GL write to another byte of the same page is
 *    never overwritten.
 *
 * Which one is cheapest depends on the machine (a write-protect fault costs
 * about ten times more on some than on others) and on how much of the
 * range the caller writes.  So the costs are measured once, at first need,
 * and each view learns how many pages its write-backs found written; after
 * each write-back it switches to tracking or away from it for the next.
 * Between compare and whole a view chooses by timing its own write-backs
 * (choose_whole()): what they cost depends on the memory behind the host
 * pointer as much as on the machine.
 *
 * The view is the handle's alone: nothing here takes the core lock except
 * the one-time calibration.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "core.h"
#include "log.h"

/* ---- costs of this machine ---------------------------------------------- */

static pthread_once_t costs_once = PTHREAD_ONCE_INIT;
static struct plat_dirty_costs costs;
static bool can_track;

/* A view registered for tracking never merges with its neighbours, so
 * each costs the process a memory mapping or more, and a process out of
 * mappings fails in the host's own allocations (llvmpipe crashes in
 * glBufferData).  Registered views may take a quarter of the process's
 * allowance; past that, shadows write back untracked. */
static size_t register_cap;
static _Atomic size_t registered;
static _Atomic bool cap_reported;

/* Kept write-backs that leave written pages writable between two that
 * protect them: a fault's worth of page copies (writable_turns()). */
static uint32_t turns;

static void calibrate(void)
{
    int err = plat_dirty_calibrate(&costs);
    uint64_t t = costs.copy_ns_page ? costs.fault_ns / costs.copy_ns_page
                                    : 1;

    turns = t < 1 ? 1 : t > 64 ? 64 : (uint32_t)t;
    register_cap = plat_map_limit() / 4;

    can_track = lowmap__config()->dirty != LOWMAP__DIRTY_OFF &&
                lowmap__config()->dirty != LOWMAP__DIRTY_COMPARE &&
                lowmap__dirty_tracking() && err == 0 && costs.fault_ns;
    log_info("shadow costs per page: copy %llu ns, compare %llu ns, scan "
             "%llu ns (+%llu per scan), write-protect fault %llu ns%s",
             (unsigned long long)costs.copy_ns_page,
             (unsigned long long)costs.compare_ns_page,
             (unsigned long long)costs.scan_ns_page,
             (unsigned long long)costs.scan_ns_call,
             (unsigned long long)costs.fault_ns,
             err ? " (tracking unavailable)" : "");
}

const struct plat_dirty_costs *shadow_costs(void)
{
    pthread_once(&costs_once, calibrate);
    return &costs;
}

/* ---- choosing a write-back --------------------------------------------- */

/* Pages in @len, a page multiple: a shift, where a division would cost
 * more than the rest of a small write-back's choice. */
static size_t pages_in(size_t len)
{
    static _Atomic unsigned shift;
    unsigned s = atomic_load_explicit(&shift, memory_order_relaxed);

    if (!s) {
        s = (unsigned)__builtin_ctzl(plat_page_size());
        atomic_store_explicit(&shift, s, memory_order_relaxed);
    }
    return len >> s;
}

static size_t pages_of(const lowmap_alias *a)
{
    return pages_in(a->view->len);
}

/* Compare needs the host to change only through the holder. */
static bool may_compare(const lowmap_alias *a)
{
    return !(a->access & LOWMAP_PERSISTENT) &&
           lowmap__config()->dirty != LOWMAP__DIRTY_OFF;
}

static uint32_t writable_turns(void)
{
    shadow_costs();
    return turns;
}

/* Cost in ns of a tracked write-back of @n pages that copies @w pages back
 * at @copy ns each and whose writes took @f faults since the last one. */
static double tracked_cost(const struct plat_dirty_costs *c, double n,
                           double w, double copy, double f)
{
    return (double)c->scan_ns_call + n * (double)c->scan_ns_page +
           w * copy + f * (double)c->fault_ns;
}

/* What a page copy of @v costs: as its whole write-backs measured it,
 * else as calibrated.  Calibration copies a few pages that stay in the
 * caches; a large view's copies run at memory speed, and its untracked
 * write-backs are measured at that speed: tracked ones must be weighed
 * alike. */
static double copy_cost(const struct plat_dirty_costs *c,
                        const struct view *v)
{
    size_t n = pages_in(v->len);

    return v->ns_whole > 0 && n ? v->ns_whole / (double)n
                                : (double)c->copy_ns_page;
}

/*
 * Faults per write-back that tracking @v would cost: as measured while it
 * was tracked, else as if each map wrote the same pages, which then stay
 * writable and fault once in a protect cycle of writable_turns() + 1
 * write-backs.  A map that writes other pages each time faults at each
 * of them: a tracked view measures that within its first cycle.
 */
static double expected_faults(const struct view *v)
{
    return v->rate_known ? v->fault_rate
                         : v->written / (double)(writable_turns() + 1);
}

/* What an untracked write-back of @v costs: the cheaper of compare and
 * whole as measured on this view, else as calibrated. */
static double untracked_cost(const struct plat_dirty_costs *c,
                             const struct view *v, double n)
{
    if (v->ns_compare > 0 && v->ns_whole > 0)
        return v->ns_compare < v->ns_whole ? v->ns_compare : v->ns_whole;
    return n * (double)c->compare_ns_page;
}

/* The cost model's answer for prefer_tracking(), below. */
static bool weigh_tracking(const lowmap_alias *a)
{
    const struct plat_dirty_costs *c = shadow_costs();
    const struct view *v = a->view;
    double n = (double)pages_of(a);

    return 2 * tracked_cost(c, n, v->written, copy_cost(c, v),
                            expected_faults(v)) < untracked_cost(c, v, n);
}

/*
 * Whether the next write-back of @a should be tracked: tracked call +
 * n*scan + w*copy + f*fault, for w pages copied back of n (copy_cost())
 * and f faults (expected_faults()), against what untracked write-backs
 * cost.  The fault is paid in the caller's writes, out of sight of any
 * timing here, and its calibrated cost is a best case: so tracking must
 * promise half the cost to be chosen.  Without history a view is
 * untracked.  Persistent views are tracked or twinned once and for all
 * (shadow_start()).  Asked at every kept write-back, so the answer is
 * kept until what it weighs changes (learn(), measured(), faulted()).
 */
static inline bool prefer_tracking(const lowmap_alias *a)
{
    struct view *v = a->view;

    if (!can_track)
        return false;
    if (lowmap__config()->dirty == LOWMAP__DIRTY_TRACK ||
        (a->access & LOWMAP_PERSISTENT))
        return !v->twin;
    /* A view that tracking cost too much waits before it tries again. */
    if (!v->samples || v->retry_in)
        return false;
    if (v->verdict == VERDICT_STALE)
        v->verdict = weigh_tracking(a) ? VERDICT_TRACK : VERDICT_UNTRACKED;
    return v->verdict == VERDICT_TRACK;
}

/*
 * Untracked write-back of a view that is not persistent: compare with the
 * host, or copy the whole range?  Which is cheaper depends on the memory
 * behind the host pointer (cached or write-combined, warm or cold) as much
 * as on the machine, so each view measures both: its first write-back
 * compares, its second copies whole, then it keeps the cheaper, timing
 * every 64th write-back and trying the other method every 256th: a trial
 * of the dearer method costs about one write-back more, so it adds under
 * 0.5 % to the average.
 * LOWMAP_DIRTY=compare always compares.
 */
static bool choose_whole(const struct view *v, bool *timed)
{
    uint32_t i = v->untracked;
    bool whole_cheaper = v->ns_whole > 0 && v->ns_whole < v->ns_compare;

    *timed = i < 2 || i % 64 == 0;
    if (lowmap__config()->dirty == LOWMAP__DIRTY_COMPARE)
        return false;
    if (i < 2)
        return i == 1;
    return i % 256 == 0 ? !whole_cheaper : whole_cheaper;
}

static void measured(struct view *v, double *avg, uint64_t ns)
{
    *avg = *avg > 0 ? (3 * *avg + (double)ns) / 4 : (double)ns;
    v->verdict = VERDICT_STALE;
}

/*
 * Whether a persistent view keeps a twin rather than kernel tracking:
 * where the kernel cannot track, and where comparing every page costs less
 * than a scan and one fault (a write-back of a persistent view comes at
 * every command, with a page or so written).  LOWMAP_DIRTY=track and off
 * keep their meaning.
 */
static bool prefer_twin(const lowmap_alias *a)
{
    const struct plat_dirty_costs *c = shadow_costs();
    double n = (double)pages_of(a);
    enum lowmap__dirty_mode mode = lowmap__config()->dirty;

    if (!(a->access & LOWMAP_PERSISTENT) || mode == LOWMAP__DIRTY_OFF)
        return false;
    if (!can_track || mode == LOWMAP__DIRTY_COMPARE)
        return true;
    return mode == LOWMAP__DIRTY_AUTO &&
           n * (double)c->compare_ns_page <
               tracked_cost(c, n, 1, (double)c->copy_ns_page, 1);
}

/* Learns from one write-back that found @pages written, besides those
 * flushed since the last one: a moving average that follows a change of
 * habit within a few maps. */
static void learn(struct view *v, size_t pages)
{
    size_t n = pages_in(v->len);

    pages += v->flushed;
    v->flushed = 0;
    if (pages > n)
        pages = n;
    double w = v->samples ? (3 * v->written + (double)pages) / 4
                          : (double)pages;
    /* A habit that holds leaves the verdict standing. */
    if (w != v->written || !v->samples) {
        v->written = w;
        v->verdict = VERDICT_STALE;
    }
    if (v->samples < UINT32_MAX)
        v->samples++;
}

/*
 * Learns from a tracked write-back of a view that is not persistent: its
 * writes took @faults faults since the last one, and its scan protected
 * the written pages again if @cycle_end.  A cycle is always
 * writable_turns() + 1 write-backs long (scan_written()): at its end the
 * faults so far give its rate; before, the least that rate can come to,
 * which tells the model as soon as faults come faster than it assumed.
 */
static void faulted(struct view *v, size_t faults, bool cycle_end)
{
    if (v->cycle_faults < UINT32_MAX - faults)
        v->cycle_faults += (uint32_t)faults;
    double rate = (double)v->cycle_faults / (double)(writable_turns() + 1);
    if (cycle_end || (faults && rate > expected_faults(v))) {
        v->fault_rate = rate;
        v->rate_known = true;
        v->verdict = VERDICT_STALE;
    }
    if (cycle_end)
        v->cycle_faults = 0;
}

static void set_tracking(lowmap_alias *a, bool track)
{
    struct view *v = a->view;

    if (track == v->tracked)
        return;
    if (track && !v->registered &&
        atomic_load_explicit(&registered, memory_order_relaxed) >=
            register_cap) {
        if (!atomic_exchange(&cap_reported, true))
            log_info("shadow: %zu views tracked, a quarter of this "
                     "process's memory mappings: more write back untracked",
                     register_cap);
        return;
    }
    v->carried = 0; /* every page protected, or none tracked */
    if (track) {
        v->tracked = plat_dirty_track(v->low, v->len) == 0;
        if (v->tracked && !v->registered) {
            v->registered = true;
            atomic_fetch_add_explicit(&registered, 1, memory_order_relaxed);
        }
        /* A cycle starts with every page protected. */
        v->protect_in = writable_turns();
        v->cycle_faults = 0;
    } else {
        /* Lifted, the pages read as written: harmless, as the registration
         * is only looked at while tracked. */
        v->tracked = plat_dirty_protect(v->low, v->len, false) < 0;
        /* Tracking cost too much: try it again later, and later still
         * after each try that fails. */
        v->backoff = v->backoff ? (v->backoff < 4096 ? 2 * v->backoff : 4096)
                                : 64;
        v->retry_in = v->backoff;
    }
    log_trace("shadow %p: write-back %s (%.1f of %zu pages written)",
              a->ptr, v->tracked ? "tracked" : "untracked", v->written,
              pages_of(a));
}

/* From the next write-back on, tracked as prefer_tracking() says.  Asked
 * at every kept write-back, where the answer seldom changes: inline. */
static inline void retrack(lowmap_alias *a)
{
    bool track = prefer_tracking(a);

    if (track != a->view->tracked)
        set_tracking(a, track);
}

void shadow_view_gone(struct view *v)
{
    if (v->registered)
        atomic_fetch_sub_explicit(&registered, 1, memory_order_relaxed);
}

/* ---- copies ------------------------------------------------------------- */

bool shadow_needs_copy_in(unsigned access)
{
    if (access & LOWMAP_INVALIDATE)
        return false;
    /* Write-only with explicit flush: unflushed bytes are undefined. */
    return !(!(access & LOWMAP_READ) && (access & LOWMAP_FLUSH_EXPLICIT));
}

static void copy_in(lowmap_alias *a, size_t off, size_t size)
{
    memcpy((char *)a->ptr + off, (const char *)a->host + off, size);
    handle_count(a, bytes_in, size);
}

void shadow_copy_out(lowmap_alias *a, size_t off, size_t size)
{
    memcpy((char *)a->host + off, (const char *)a->ptr + off, size);
    /* Host and shadow agree there now: a later write of the twin's old
     * value must still count as a change (explicit flushes come here). */
    if (a->view->twin)
        memcpy(a->view->twin + off, (const char *)a->ptr + off, size);
    handle_count(a, bytes_out, size);
}

/* A write-back of the whole range, by a view without a twin (whose
 * write-backs compare with it): the usual one of small views, so inline. */
static inline void copy_whole(lowmap_alias *a)
{
    memcpy((void *)a->host, a->ptr, a->size);
    handle_count(a, bytes_out, a->size);
    handle_count(a, whole, 1);
}

void shadow_flush(lowmap_alias *a, size_t off, size_t size)
{
    size_t page = plat_page_size();
    uintptr_t lo = (uintptr_t)a->ptr + off;

    shadow_copy_out(a, off, size);
    if (size)
        a->view->flushed += ((lo + size - 1) / page) - (lo / page) + 1;
}

void shadow_start(lowmap_alias *a)
{
    bool twin = shadow_writes_back(a->access) && prefer_twin(a);

    /* A twin tells the caller's writes from what the shadow held before
     * them, so the shadow starts as the host even where the access would
     * skip the copy (invalidation): otherwise the first write-back would
     * publish bytes nobody wrote, over whatever else wrote the host. */
    if (shadow_needs_copy_in(a->access) || twin)
        copy_in(a, 0, a->size);
    if (!shadow_writes_back(a->access))
        return;
    /* Without memory for the twin the view is tracked or copied. */
    if (twin && (a->view->twin = malloc(a->size)) != NULL)
        memcpy(a->view->twin, a->ptr, a->size);
    /* Protect after the copy-in, so that only the caller's writes count. */
    retrack(a);
}

static void mark_written(void *ctx, uintptr_t start, uintptr_t end)
{
    (void)start;
    (void)end;
    *(bool *)ctx = true;
}

/* Was the page at @page written since it was last protected? */
static bool page_written(uintptr_t page)
{
    bool written = false;

    /* On a failed scan assume written: copying a page back is harmless,
     * losing a write is not. */
    if (plat_dirty_scan(page, plat_page_size(), false, mark_written,
                        &written) < 0)
        return true;
    return written;
}

/*
 * Host to low for a tracked shadow.  Copying through the protection would
 * take a fault per page and mark every page written, so the next sync
 * would copy the host's own bytes back to it.  Instead: lift the
 * protection, copy, protect again.  Pages wholly inside the range equal
 * the host afterwards and are clean; a page the range covers only partly
 * stays written if it was, since its other bytes may hold the caller's
 * unpublished writes.
 */
static void refresh_tracked(lowmap_alias *a, size_t off, size_t size)
{
    size_t page = plat_page_size();
    uintptr_t lo = (uintptr_t)a->ptr + off, hi = lo + size;
    uintptr_t first = lo & ~(uintptr_t)(page - 1);
    uintptr_t last = (hi - 1) & ~(uintptr_t)(page - 1);
    bool keep_first = (lo & (page - 1)) && page_written(first);
    bool keep_last = (hi & (page - 1)) && last != first && page_written(last);
    uintptr_t end = last + page;

    if (plat_dirty_protect(first, end - first, false) < 0) {
        copy_in(a, off, size); /* through the faults: slow, still right */
        return;
    }
    copy_in(a, off, size);
    /* Carried pages in the range are clean now: count none as carried,
     * which at worst counts them written once more. */
    a->view->carried = 0;
    if (keep_first)
        first += page;
    if (keep_last)
        end -= page;
    if (first < end && plat_dirty_protect(first, end - first, true) < 0)
        a->view->tracked = false; /* can no longer tell: copy all back */
}

void shadow_refresh(lowmap_alias *a, size_t off, size_t size)
{
    if (a->view->tracked)
        refresh_tracked(a, off, size);
    else
        copy_in(a, off, size);
    /* Shadow and host agree on the range now. */
    if (a->view->twin)
        memcpy(a->view->twin + off, (const char *)a->host + off, size);
}

/* A run of low pages, clipped to the handle: [lo, hi) as offsets. */
struct runs {
    lowmap_alias *a;
    size_t pages;
};

static void clip(const lowmap_alias *a, uintptr_t *start, uintptr_t *end)
{
    uintptr_t lo = (uintptr_t)a->ptr, hi = lo + a->size;

    if (*start < lo)
        *start = lo;
    if (*end > hi)
        *end = hi;
}

/* Copies back the part of a written page run that the handle covers. */
static void copy_out_run(void *ctx, uintptr_t start, uintptr_t end)
{
    struct runs *r = ctx;

    r->pages += (end - start) / plat_page_size();
    clip(r->a, &start, &end);
    if (start < end)
        shadow_copy_out(r->a, start - (uintptr_t)r->a->ptr, end - start);
}

/* Hands @out each page of the range, clipped to the handle, where the
 * shadow differs from @ref (the host, or the twin: both indexed like the
 * handle); returns how many there were. */
static size_t differing_pages(lowmap_alias *a, const unsigned char *ref,
                              void (*out)(lowmap_alias *, size_t, size_t))
{
    size_t page = plat_page_size(), pages = 0;
    uintptr_t lo = (uintptr_t)a->ptr, hi = lo + a->size;
    uintptr_t at = lo & ~(uintptr_t)(page - 1);

    for (; at < hi; at += page) {
        uintptr_t start = at, end = at + page;
        clip(a, &start, &end);
        size_t off = start - lo;
        if (memcmp(ref + off, (const void *)start, end - start) != 0) {
            out(a, off, end - start);
            pages++;
        }
    }
    return pages;
}

/* Copies to the host and the twin the bytes of [i, end) where shadow
 * and twin differ, one byte at a time. */
static size_t copy_changed_bytes(const unsigned char *low,
                                 unsigned char *twin, unsigned char *host,
                                 size_t i, size_t end)
{
    size_t n = 0;

    for (; i < end; i++) {
        if (low[i] != twin[i]) {
            host[i] = twin[i] = low[i];
            n++;
        }
    }
    return n;
}

/*
 * Copies to the host, and to the twin, the bytes of [off, off+len) where
 * shadow and twin differ: a byte the client did not write is never
 * copied.  Eight bytes at a time: equal words are skipped, words whose
 * every byte changed are stored whole, the others byte by byte.
 */
static void twin_out_bytes(lowmap_alias *a, size_t off, size_t len)
{
    const unsigned char *low = (const unsigned char *)a->ptr;
    unsigned char *twin = a->view->twin, *host = (unsigned char *)a->host;
    size_t i = off, end = off + len, n = 0;

    /* Word-align on the shadow: the twin and host share its offsets. */
    size_t head = (size_t)(-(uintptr_t)(low + i) & 7);
    if (head > len)
        head = len;
    n += copy_changed_bytes(low, twin, host, i, i + head);
    for (i += head; i + 8 <= end; i += 8) {
        uint64_t l, t;
        memcpy(&l, low + i, 8);
        memcpy(&t, twin + i, 8);
        uint64_t x = l ^ t;
        if (!x)
            continue;
        /* Every byte differs: no byte of x is zero. */
        if (((x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull) == 0) {
            memcpy(host + i, &l, 8);
            memcpy(twin + i, &l, 8);
            n += 8;
        } else {
            n += copy_changed_bytes(low, twin, host, i, i + 8);
        }
    }
    n += copy_changed_bytes(low, twin, host, i, end);
    handle_count(a, bytes_out, n);
}

/*
 * A tracked write-back: the written pages, found by a scan, copied back;
 * r->pages gets how many went back (written since the last write-back, or
 * left writable since the last one that protected them).
 *
 * A protected page costs a fault when next written; a writable one a page
 * copy at each write-back, written or not.  So a view that is not
 * persistent leaves its written pages writable for writable_turns() kept
 * write-backs, then protects them again: a page written at every map
 * costs a copy instead of a fault, one written once at most a fault more.
 * A persistent view's host changes behind it, and copying back a page the
 * caller did not write would undo those changes: it protects every time.
 */
static int scan_written(lowmap_alias *a, bool keep, struct runs *r)
{
    struct view *v = a->view;
    bool protect = keep && ((a->access & LOWMAP_PERSISTENT) ||
                            v->protect_in == 0);
    size_t carried = v->carried;
    int err = plat_dirty_scan(v->low, v->len, protect, copy_out_run, r);

    if (err)
        return err;
    /* Carried pages read as written whether they were or not: those
     * beyond them were written afresh, each at a fault. */
    v->carried = protect ? 0 : r->pages;
    if (keep) {
        v->protect_in = protect ? writable_turns() : v->protect_in - 1;
        if (!(a->access & LOWMAP_PERSISTENT))
            faulted(v, r->pages > carried ? r->pages - carried : 0, protect);
    }
    return 0;
}

/*
 * Write a shadow back by the method chosen for it, learn from what was
 * written, and choose for the next write-back when the view goes on
 * (@keep: a sync, not a release).
 */
void shadow_write_back(lowmap_alias *a, bool keep)
{
    struct view *v = a->view;
    struct runs r = {a, 0};

    if (v->twin) {
        r.pages = differing_pages(a, v->twin, twin_out_bytes);
        handle_count(a, compared, 1);
    } else if (v->tracked && scan_written(a, keep, &r) == 0) {
        handle_count(a, tracked, 1);
    } else if (may_compare(a)) {
        bool timed, whole = choose_whole(v, &timed);
        uint64_t t0 = timed ? plat_now_ns() : 0;
        /* A failed scan may have copied some runs already; either way
         * they end up equal. */
        if (whole) {
            copy_whole(a);
        } else {
            r.pages = differing_pages(a, a->host, shadow_copy_out);
            handle_count(a, compared, 1);
        }
        if (timed)
            measured(v, whole ? &v->ns_whole : &v->ns_compare,
                     plat_now_ns() - t0);
        if (v->untracked < UINT32_MAX)
            v->untracked++;
        /* Forget what tracking cost: the caller's habits may have
         * changed since. */
        if (v->retry_in && --v->retry_in == 0) {
            v->rate_known = false;
            v->verdict = VERDICT_STALE;
        }
        /* A whole copy cannot tell what was written. */
        if (whole) {
            v->flushed = 0;
            goto chosen;
        }
    } else {
        copy_whole(a);
        r.pages = pages_of(a);
    }
    learn(v, r.pages);
chosen:
    if (keep)
        retrack(a);
}
