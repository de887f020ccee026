/*
 * Shadow copy rules, for every combination of access flags: what is
 * copied in at create, out at flush and release, in at refresh; and that
 * no copy touches a byte outside [host, host+size), even in the same page
 * (drivers sub-allocate: the neighbours belong to someone else).
 *
 * SPDX-License-Identifier: MIT
 */
#include "helpers.h" /* before parameterized.h, which needs criterion.h */

#include <criterion/parameterized.h>

static void shadow_only(void)
{
    env_reset();
    setenv("LOWMAP_STRATEGIES", "shadow", 1);
}

TestSuite(shadow, .init = shadow_only);

#define RD LOWMAP_READ
#define WR LOWMAP_WRITE
#define INV LOWMAP_INVALIDATE
#define FE LOWMAP_FLUSH_EXPLICIT
#define PER LOWMAP_PERSISTENT
#define COH LOWMAP_COHERENT

struct access_case {
    unsigned access;
};

#define CASES_FOR(x)                                                         \
    {RD | (x)}, {RD | INV | (x)}, {RD | FE | (x)}, {RD | INV | FE | (x)},    \
    {WR | (x)}, {WR | INV | (x)}, {WR | FE | (x)}, {WR | INV | FE | (x)},    \
    {RD | WR | (x)}, {RD | WR | INV | (x)}, {RD | WR | FE | (x)},            \
    {RD | WR | INV | FE | (x)}

static struct access_case cases[] = {
    CASES_FOR(0), CASES_FOR(PER), CASES_FOR(COH), CASES_FOR(PER | COH),
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* With LOWMAP_DIRTY=compare: a persistent view that writes back keeps a
 * twin, and starts as the host even when it invalidates. */
static int copies_in(unsigned access)
{
    if ((access & LOWMAP_PERSISTENT) && (access & WR) && !(access & FE))
        return 1;
    return !(access & INV) && !(!(access & RD) && (access & FE));
}

static int release_copies_out(unsigned access)
{
    return (access & WR) && !(access & FE);
}

/* Three host pages; the range starts 123 bytes into the first and ends
 * 200 bytes into the third.  The rest of those pages are neighbours. */
#define LEAD 123
#define SIZE (2 * PAGE + 77)
#define TAIL (3 * PAGE - LEAD - SIZE)

struct host {
    unsigned char *base, *range;
};

static struct host host_new(void)
{
    struct host h;

    h.base = map_anon(3 * PAGE, MAP_PRIVATE);
    h.range = h.base + LEAD;
    memset(h.base, 0xee, 3 * PAGE);
    fill(h.range, SIZE, 1);
    return h;
}

static void neighbours_set(struct host *h, unsigned char v)
{
    memset(h->base, v, LEAD);
    memset(h->range + SIZE, v, TAIL);
}

static void assert_neighbours(const struct host *h, unsigned char v)
{
    cr_assert(all_bytes(h->base, LEAD, v), "bytes before the range written");
    cr_assert(all_bytes(h->range + SIZE, TAIL, v),
              "bytes after the range written");
}

static lowmap_alias *shadow_of(const struct host *h, unsigned access)
{
    lowmap_alias *a = alias_ok(h->range, SIZE, access);

    cr_assert(lowmap_alias_strategy(a) == LOWMAP_STRATEGY_SHADOW);
    return a;
}

ParameterizedTestParameters(shadow, create_and_release)
{
    return cr_make_param_array(struct access_case, cases, N_CASES);
}

ParameterizedTest(struct access_case *c, shadow, create_and_release)
{
    unsigned access = c->access;
    /* Persistent views' write-back method decides their copy-in: fixed. */
    setenv("LOWMAP_DIRTY", "compare", 1);
    struct host h = host_new();
    struct lowmap_stats s0 = stats_now();
    lowmap_alias *a = shadow_of(&h, access);
    unsigned char *low = lowmap_alias_ptr(a);
    struct lowmap_stats s1 = stats_now();

    cr_assert(s1.bytes_copied_in - s0.bytes_copied_in ==
                  (copies_in(access) ? SIZE : 0),
              "access %#x: %lu bytes copied in", access,
              (unsigned long)(s1.bytes_copied_in - s0.bytes_copied_in));
    cr_assert(holds(low, SIZE, 1) == copies_in(access),
              "access %#x: low view holds %s", access,
              copies_in(access) ? "other data" : "the host data uncopied");
    cr_assert(s1.bytes_copied_out == s0.bytes_copied_out);

    /* Someone else's sub-allocations change while the map is open. */
    neighbours_set(&h, 0xab);
    fill(low, SIZE, 2);
    cr_assert(lowmap_alias_release(a) == 0);

    struct lowmap_stats s2 = stats_now();
    cr_assert(s2.bytes_copied_out - s1.bytes_copied_out ==
                  (release_copies_out(access) ? SIZE : 0),
              "access %#x: %lu bytes copied out at release", access,
              (unsigned long)(s2.bytes_copied_out - s1.bytes_copied_out));
    cr_assert(holds(h.range, SIZE, release_copies_out(access) ? 2 : 1),
              "access %#x: host holds the wrong data after release", access);
    assert_neighbours(&h, 0xab);
    cr_assert(s2.bytes_copied_in == s1.bytes_copied_in);
}

ParameterizedTestParameters(shadow, flush_copies_exactly_the_range)
{
    return cr_make_param_array(struct access_case, cases, N_CASES);
}

ParameterizedTest(struct access_case *c, shadow,
                  flush_copies_exactly_the_range)
{
    unsigned access = c->access;
    struct host h = host_new();
    lowmap_alias *a = shadow_of(&h, access);
    unsigned char *low = lowmap_alias_ptr(a);
    struct lowmap_stats s0 = stats_now();

    fill(low, SIZE, 2);
    if (!(access & WR)) {
        cr_assert(lowmap_alias_flush(a, 0, SIZE) == LOWMAP_EINVAL);
        cr_assert(stats_now().bytes_copied_out == s0.bytes_copied_out);
        cr_assert(holds(h.range, SIZE, 1));
        assert_neighbours(&h, 0xee);
        return;
    }
    neighbours_set(&h, 0xab);
    cr_assert(lowmap_alias_flush(a, 5, 100) == 0);
    cr_assert(lowmap_alias_flush(a, SIZE - 10, 10) == 0);
    cr_assert(stats_now().bytes_copied_out - s0.bytes_copied_out == 110);
    cr_assert(memcmp(h.range + 5, low + 5, 100) == 0);
    cr_assert(memcmp(h.range + SIZE - 10, low + SIZE - 10, 10) == 0);
    /* Outside the flushed ranges the host keeps its own data. */
    unsigned char *want = malloc(SIZE);
    fill(want, SIZE, 1);
    cr_assert(memcmp(h.range, want, 5) == 0);
    cr_assert(memcmp(h.range + 105, want + 105, SIZE - 10 - 105) == 0);
    assert_neighbours(&h, 0xab);

    cr_assert(lowmap_alias_release(a) == 0);
    struct lowmap_stats s1 = stats_now();
    /* A persistent twin already knows the flushed bytes went out; kernel
     * tracking copies their pages again. */
    size_t out = s1.bytes_copied_out - s0.bytes_copied_out;
    cr_assert(out == 110 + (release_copies_out(access) ? SIZE : 0) ||
                  ((access & LOWMAP_PERSISTENT) &&
                   release_copies_out(access) && out == SIZE),
              "access %#x: %zu bytes copied out", access, out);
    if (!release_copies_out(access))
        cr_assert(memcmp(h.range + 105, want + 105, SIZE - 10 - 105) == 0,
                  "access %#x: unflushed bytes reached the host", access);
    else
        cr_assert(holds(h.range, SIZE, 2));
    assert_neighbours(&h, 0xab);
    free(want);
}

ParameterizedTestParameters(shadow, refresh_copies_exactly_the_range)
{
    return cr_make_param_array(struct access_case, cases, N_CASES);
}

ParameterizedTest(struct access_case *c, shadow,
                  refresh_copies_exactly_the_range)
{
    unsigned access = c->access;
    struct host h = host_new();
    lowmap_alias *a = shadow_of(&h, access);
    unsigned char *low = lowmap_alias_ptr(a);
    unsigned char *before = malloc(SIZE);
    struct lowmap_stats s0 = stats_now();

    memcpy(before, low, SIZE);
    fill(h.range + 7, 50, 3);
    neighbours_set(&h, 0xab);
    /* Host writes do not show in a shadow until refreshed. */
    cr_assert(memcmp(low, before, SIZE) == 0);
    cr_assert(lowmap_alias_refresh(a, 7, 50) == 0);
    cr_assert(stats_now().bytes_copied_in - s0.bytes_copied_in == 50);
    cr_assert(holds(low + 7, 50, 3));
    cr_assert(memcmp(low, before, 7) == 0);
    cr_assert(memcmp(low + 57, before + 57, SIZE - 57) == 0);
    cr_assert(stats_now().bytes_copied_out == s0.bytes_copied_out);
    assert_neighbours(&h, 0xab);
    free(before);
}

/* Zero-copy views need no copies: flush and refresh count nothing. */
Test(shadow, zero_copy_views_copy_nothing)
{
    setenv("LOWMAP_STRATEGIES", "mremap", 1);
    char *map = map_memfd(2 * PAGE, NULL);
    lowmap_alias *a = alias_ok(map + 1, PAGE, LOWMAP_READ | LOWMAP_WRITE);
    lowmap_alias *r = alias_ok(map + 1, PAGE, LOWMAP_READ);
    struct lowmap_stats s0 = stats_now();

    cr_assert(lowmap_alias_flush(a, 0, PAGE) == 0);
    cr_assert(lowmap_alias_refresh(a, 0, PAGE) == 0);
    cr_assert(lowmap_alias_flush(r, 0, PAGE) == LOWMAP_EINVAL);
    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert(lowmap_alias_release(r) == 0);
    struct lowmap_stats s1 = stats_now();
    cr_assert(s1.bytes_copied_in == s0.bytes_copied_in);
    cr_assert(s1.bytes_copied_out == s0.bytes_copied_out);
}

/* A shadow reads the host at create and writes it at release: the host
 * must allow that. */
Test(shadow, host_protection_is_respected)
{
    lowmap_alias *a = NULL;
    char *ro = map_anon(2 * PAGE, MAP_PRIVATE);

    fill(ro, 2 * PAGE, 4);
    cr_assert(mprotect(ro, 2 * PAGE, PROT_READ) == 0);
    cr_assert(lowmap_alias_create(ro, PAGE, LOWMAP_READ | LOWMAP_WRITE, &a) ==
              LOWMAP_EFAULT);
    cr_assert(a == NULL);
    a = alias_ok(ro + 1, PAGE, LOWMAP_READ);
    cr_assert(holds(lowmap_alias_ptr(a), PAGE, 4) == 0);
    cr_assert(memcmp(lowmap_alias_ptr(a), ro + 1, PAGE) == 0);
    cr_assert(lowmap_alias_release(a) == 0);

    char *none = map_anon(PAGE, MAP_PRIVATE);
    cr_assert(mprotect(none, PAGE, PROT_NONE) == 0);
    cr_assert(lowmap_alias_create(none, PAGE, LOWMAP_READ, &a) ==
              LOWMAP_EFAULT);
}

/* Two shadows of neighbouring sub-allocations in one page, released in
 * either order, each write back only their own bytes. */
Test(shadow, neighbouring_sub_allocations)
{
    unsigned char *page = map_anon(PAGE, MAP_PRIVATE);

    memset(page, 0xee, PAGE);
    lowmap_alias *a = alias_ok(page + 100, 200, LOWMAP_WRITE);
    lowmap_alias *b = alias_ok(page + 300, 200, LOWMAP_WRITE);
    memset(lowmap_alias_ptr(a), 0x11, 200);
    memset(lowmap_alias_ptr(b), 0x22, 200);
    cr_assert(lowmap_alias_release(b) == 0);
    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert(all_bytes(page, 100, 0xee));
    cr_assert(all_bytes(page + 100, 200, 0x11));
    cr_assert(all_bytes(page + 300, 200, 0x22));
    cr_assert(all_bytes(page + 500, PAGE - 500, 0xee));
}

/* ---- write-back of written pages only ----------------------------------- */

static int tracking(void)
{
    struct lowmap_caps c = {.size = sizeof(c)};

    cr_assert(lowmap_probe(&c) == 0);
    return c.dirty_tracking == LOWMAP_YES;
}

/*
 * The host range starts LEAD bytes into a page and spans D_SIZE bytes:
 * four low pages, the first and last partly, whether the shadow keeps the
 * host's page offset or starts half a page away.  d_alias() makes its
 * handle and notes where in its first page the low range starts; page @i
 * of the handle, clipped to the range, is then page_off(i) and
 * page_len(i) bytes.
 */
#define D_SIZE (3 * PAGE - LEAD + 200)
static size_t low_lead;

static lowmap_alias *d_alias(unsigned char *host, unsigned access)
{
    lowmap_alias *a = alias_ok(host, D_SIZE, access);

    low_lead = (uintptr_t)lowmap_alias_ptr(a) & (PAGE - 1);
    cr_assert(low_lead + D_SIZE > 3 * PAGE && low_lead + D_SIZE <= 4 * PAGE,
              "the range does not span four low pages");
    return a;
}

static size_t page_off(int i)
{
    return i ? i * PAGE - low_lead : 0;
}

static size_t page_len(int i)
{
    size_t end = (i + 1) * PAGE - low_lead;

    return (end > D_SIZE ? D_SIZE : end) - page_off(i);
}

/* Writes one byte in low page 2: release copies back page 2 only, found
 * by tracking or by comparing with the host, unless LOWMAP_DIRTY=off. */
static void release_after_one_write(bool whole)
{
    unsigned char *base = map_anon(4 * PAGE, MAP_PRIVATE);
    unsigned char *host = base + LEAD;

    fill(host, D_SIZE, 1);
    lowmap_alias *a = d_alias(host, LOWMAP_READ | LOWMAP_WRITE);
    unsigned char *low = lowmap_alias_ptr(a);
    struct lowmap_stats s0 = stats_now();

    low[page_off(2) + 5] = 0;
    cr_assert(lowmap_alias_release(a) == 0);
    struct lowmap_stats s1 = stats_now();
    size_t out = s1.bytes_copied_out - s0.bytes_copied_out;
    cr_assert(host[page_off(2) + 5] == 0, "the low write was lost");
    cr_assert(out == (whole ? D_SIZE : page_len(2)), "%zu bytes copied back",
              out);
    cr_assert(whole ? s1.writebacks_whole == s0.writebacks_whole + 1
                    : s1.writebacks_compared + s1.writebacks_tracked ==
                          s0.writebacks_compared + s0.writebacks_tracked + 1);
}

Test(shadow, release_copies_back_written_pages)
{
    release_after_one_write(false);
}

/*
 * An untracked view that is not persistent times its write-backs: the
 * first compares, the second copies the whole range, and from then on it
 * keeps the cheaper; every write reaches the host whichever it uses.
 */
Test(shadow, write_back_method_is_measured_per_view)
{
    unsigned char *base = map_anon(4 * PAGE, MAP_PRIVATE);
    unsigned char *host = base + LEAD;

    unsigned char before[64];

    setenv("LOWMAP_DIRTY", "auto", 1);
    fill(host, D_SIZE, 1);
    lowmap_alias *a = d_alias(host, LOWMAP_READ | LOWMAP_WRITE);
    memcpy(before, host + page_off(3), sizeof(before));
    unsigned char *low = lowmap_alias_ptr(a);
    struct lowmap_stats s0 = stats_now();

    for (int i = 0; i < 6; i++) {
        low[page_off(i % 3) + 11] = (unsigned char)(0x40 + i);
        cr_assert(lowmap_alias_sync(a) == 0);
        cr_assert(host[page_off(i % 3) + 11] == 0x40 + i,
                  "write-back %d lost a write", i);
        struct lowmap_stats s = stats_now();
        uint64_t cmp = s.writebacks_compared - s0.writebacks_compared;
        uint64_t whole = s.writebacks_whole - s0.writebacks_whole;
        cr_assert_eq(cmp + whole + s.writebacks_tracked -
                         s0.writebacks_tracked, (uint64_t)i + 1);
        if (i == 0)
            cr_assert(cmp == 1, "the first write-back does not compare");
        if (i == 1)
            cr_assert(whole == 1, "the second does not copy whole");
    }
    cr_assert(memcmp(host + page_off(3), before, sizeof(before)) == 0,
              "bytes never written changed");
    cr_assert(lowmap_alias_release(a) == 0);
}

Test(shadow, release_copies_back_everything_with_dirty_off)
{
    setenv("LOWMAP_DIRTY", "off", 1);
    cr_assert(!tracking());
    release_after_one_write(true);
}

/*
 * Persistent views, whose host range the GL changes while they live: the
 * host's own writes survive every write-back.  Tracked (LOWMAP_DIRTY=
 * track) they survive in pages the caller did not write; twinned (the
 * choice where compares are cheap, and what LOWMAP_DIRTY=compare forces)
 * in every byte the caller did not write, even in the same page; with
 * LOWMAP_DIRTY=off the whole range goes back.
 */
enum wb { TRACKED, TWIN, WHOLE };

static enum wb persistent_mode(enum wb want)
{
    static const char *const names[] = {"track", "compare", "off"};

    setenv("LOWMAP_DIRTY", names[want], 1);
    if (want == TRACKED && !tracking())
        cr_skip_test("the kernel does not track writes here");
    return want;
}

/* What a write-back of @written bytes in a page of @page_bytes copies. */
static size_t expected_out(enum wb m, size_t written, size_t page_bytes)
{
    return m == TRACKED ? page_bytes : m == TWIN ? written : D_SIZE;
}

static void persistent_release(enum wb m)
{
    unsigned char *base = map_anon(4 * PAGE, MAP_PRIVATE);
    unsigned char *host = base + LEAD;

    fill(host, D_SIZE, 1);
    lowmap_alias *a =
        d_alias(host, LOWMAP_READ | LOWMAP_WRITE | LOWMAP_PERSISTENT);
    unsigned char *low = lowmap_alias_ptr(a);
    struct lowmap_stats s0 = stats_now();

    low[page_off(2) + 5] = 0;
    host[10] = 0;                 /* the host's own, in another page */
    host[page_off(2) + 9] = 0x33; /* and in the page low wrote */
    cr_assert(lowmap_alias_release(a) == 0);
    struct lowmap_stats s1 = stats_now();
    cr_assert_eq(s1.bytes_copied_out - s0.bytes_copied_out,
                 expected_out(m, 1, page_len(2)));
    cr_assert(host[page_off(2) + 5] == 0, "the low write was lost");
    if (m != WHOLE)
        cr_assert(host[10] == 0, "an unwritten page was copied back");
    if (m == TWIN)
        cr_assert(host[page_off(2) + 9] == 0x33,
                  "an unwritten byte was copied back");
    cr_assert_eq(m == TRACKED ? s1.writebacks_tracked - s0.writebacks_tracked
                 : m == TWIN  ? s1.writebacks_compared - s0.writebacks_compared
                              : s1.writebacks_whole - s0.writebacks_whole,
                 1);
}

Test(shadow, persistent_release_tracked)
{
    persistent_release(persistent_mode(TRACKED));
}

Test(shadow, persistent_release_twin)
{
    persistent_release(persistent_mode(TWIN));
}

Test(shadow, persistent_release_whole)
{
    persistent_release(persistent_mode(WHOLE));
}

/* Sync publishes what was written since the previous sync. */
static void sync_since_last(enum wb m)
{
    unsigned char *base = map_anon(4 * PAGE, MAP_PRIVATE);
    unsigned char *host = base + LEAD;

    fill(host, D_SIZE, 1);
    lowmap_alias *a =
        d_alias(host, LOWMAP_READ | LOWMAP_WRITE | LOWMAP_PERSISTENT);
    unsigned char *low = lowmap_alias_ptr(a);
    struct lowmap_stats s0 = stats_now();

    low[3] = 0;
    cr_assert(lowmap_alias_sync(a) == 0);
    struct lowmap_stats s1 = stats_now();
    cr_assert(host[3] == 0);
    cr_assert_eq(s1.bytes_copied_out - s0.bytes_copied_out,
                 expected_out(m, 1, page_len(0)));

    low[page_off(3) + 1] = 0;
    host[page_off(1) + 1] = 0x42; /* the host's own, in an unwritten page */
    cr_assert(lowmap_alias_sync(a) == 0);
    struct lowmap_stats s2 = stats_now();
    cr_assert(host[page_off(3) + 1] == 0);
    cr_assert_eq(s2.bytes_copied_out - s1.bytes_copied_out,
                 expected_out(m, 1, page_len(3)));
    if (m != WHOLE)
        cr_assert(host[page_off(1) + 1] == 0x42);

    /* Nothing written since: nothing to copy but where nothing is known. */
    cr_assert(lowmap_alias_sync(a) == 0);
    cr_assert_eq(stats_now().bytes_copied_out - s2.bytes_copied_out,
                 m == WHOLE ? D_SIZE : 0);
    cr_assert(lowmap_alias_release(a) == 0);
}

Test(shadow, sync_publishes_writes_since_last_sync_tracked)
{
    sync_since_last(persistent_mode(TRACKED));
}

Test(shadow, sync_publishes_writes_since_last_sync_twin)
{
    sync_since_last(persistent_mode(TWIN));
}

Test(shadow, sync_publishes_writes_since_last_sync_whole)
{
    sync_since_last(persistent_mode(WHOLE));
}

/* Explicit-flush and read-only maps publish nothing on sync. */
Test(shadow, sync_copies_nothing_for_flush_explicit_or_read)
{
    unsigned char *host = map_anon(2 * PAGE, MAP_PRIVATE);

    fill(host, 2 * PAGE, 1);
    lowmap_alias *fe = alias_ok(host, 2 * PAGE,
                                LOWMAP_WRITE | LOWMAP_FLUSH_EXPLICIT);
    lowmap_alias *ro = alias_ok(host, 2 * PAGE, LOWMAP_READ);
    struct lowmap_stats s0 = stats_now();

    memset(lowmap_alias_ptr(fe), 0, 2 * PAGE);
    memset(lowmap_alias_ptr(ro), 0, 2 * PAGE);
    cr_assert(lowmap_alias_sync(fe) == 0);
    cr_assert(lowmap_alias_sync(ro) == 0);
    cr_assert(stats_now().bytes_copied_out == s0.bytes_copied_out);
    cr_assert(holds(host, 2 * PAGE, 1));
}

/* One page written in a 1 MiB write map: at most two pages go back (one
 * if the write does not straddle a page boundary). */
Test(shadow, one_page_of_a_mebibyte_copies_at_most_two_back)
{
    size_t size = (size_t)1 << 20;
    unsigned char *host = map_anon(size + PAGE, MAP_PRIVATE) + LEAD;

    if (!tracking())
        cr_skip_test("the kernel does not track writes here");
    fill(host, size, 1);
    lowmap_alias *a = alias_ok(host, size, LOWMAP_WRITE);
    struct lowmap_stats s0 = stats_now();

    memset((unsigned char *)lowmap_alias_ptr(a) + size / 2, 0, PAGE);
    cr_assert(lowmap_alias_release(a) == 0);
    size_t out = stats_now().bytes_copied_out - s0.bytes_copied_out;
    cr_assert(out >= PAGE && out <= 2 * PAGE, "%zu bytes copied back", out);
    cr_assert(all_bytes(host + size / 2, PAGE, 0));
    cr_assert(holds(host, size / 2, 1), "bytes before the write changed");
}

/*
 * A tracked view that is not persistent leaves the pages it found written
 * writable for a while (shadow.c, scan_written()): the next syncs copy
 * them back, written or not, instead of taking a fault at each write of a
 * page the caller writes at every map; then a sync protects them again,
 * after at most 64 syncs.  Every write reaches the host throughout.
 */
Test(shadow, written_pages_stay_writable_then_are_protected_again)
{
    unsigned char *host = map_anon(8 * PAGE, MAP_PRIVATE);

    setenv("LOWMAP_DIRTY", "track", 1);
    if (!tracking())
        cr_skip_test("the kernel does not track writes here");
    fill(host, 8 * PAGE, 1);
    lowmap_alias *a = alias_ok(host, 8 * PAGE, LOWMAP_READ | LOWMAP_WRITE);
    unsigned char *low = lowmap_alias_ptr(a);
    /* The first page of the low range: what a page written there costs. */
    size_t first = PAGE - ((uintptr_t)low & (PAGE - 1));
    struct lowmap_stats s = stats_now();
    uint64_t out;
    int syncs = 0;

    low[0] = 0x11;
    cr_assert(lowmap_alias_sync(a) == 0);
    out = stats_now().bytes_copied_out - s.bytes_copied_out;
    cr_assert_eq(out, first, "the written page: %llu bytes back",
                 (unsigned long long)out);
    cr_assert(host[0] == 0x11);
    /* The second write of that page: no fault, and copied back. */
    low[1] = 0x22;
    s = stats_now();
    cr_assert(lowmap_alias_sync(a) == 0);
    cr_assert_eq(stats_now().bytes_copied_out - s.bytes_copied_out, first);
    cr_assert(host[1] == 0x22, "a write to a writable page was lost");
    /* Unwritten, it still goes back, until a sync protects it again. */
    do {
        s = stats_now();
        cr_assert(lowmap_alias_sync(a) == 0);
        out = stats_now().bytes_copied_out - s.bytes_copied_out;
        cr_assert(out == 0 || out == first, "%llu bytes back",
                  (unsigned long long)out);
        syncs++;
    } while (out && syncs < 100);
    cr_assert(syncs >= 2 && syncs <= 64,
              "copied back unwritten at %d syncs", syncs - 1);
    /* Protected again: a write is still seen, a page away too. */
    low[2] = 0x33;
    low[first + 5] = 0x44;
    s = stats_now();
    cr_assert(lowmap_alias_sync(a) == 0);
    cr_assert_eq(stats_now().bytes_copied_out - s.bytes_copied_out,
                 first + PAGE);
    cr_assert(host[2] == 0x33 && host[first + 5] == 0x44);
    unsigned char *ref = malloc(8 * PAGE);
    cr_assert(ref);
    fill(ref, 8 * PAGE, 1);
    cr_assert(memcmp(host + first + PAGE, ref + first + PAGE,
                     8 * PAGE - first - PAGE) == 0,
              "bytes never written changed");
    free(ref);
    cr_assert(lowmap_alias_release(a) == 0);
}

/*
 * A refresh is not a write by the caller: pages it covers whole are clean
 * afterwards, so the next sync copies nothing of them back; a page it
 * covers partly keeps the caller's earlier write, which sync still
 * publishes.
 */
Test(shadow, refresh_leaves_pages_clean_but_keeps_earlier_writes)
{
    unsigned char *base = map_anon(4 * PAGE, MAP_PRIVATE);
    unsigned char *host = base + LEAD;

    setenv("LOWMAP_DIRTY", "track", 1);
    if (!tracking())
        cr_skip_test("the kernel does not track writes here");
    fill(host, D_SIZE, 1);
    lowmap_alias *a = d_alias(host, LOWMAP_READ | LOWMAP_WRITE);
    unsigned char *low = lowmap_alias_ptr(a);

    /* The host changes under the map; refresh everything. */
    fill(host, D_SIZE, 2);
    struct lowmap_stats s0 = stats_now();
    cr_assert(lowmap_alias_refresh(a, 0, D_SIZE) == 0);
    cr_assert(holds(low, D_SIZE, 2));
    cr_assert(lowmap_alias_sync(a) == 0);
    cr_assert(stats_now().bytes_copied_out == s0.bytes_copied_out,
              "a refresh counted as a write");

    /* A caller's write in page 0, then a refresh that starts inside page
     * 0 and covers pages 1 and 2: only page 0 is still to publish. */
    low[3] = 0x5a;
    cr_assert(lowmap_alias_refresh(a, 10, page_off(3) - 10) == 0);
    s0 = stats_now();
    cr_assert(lowmap_alias_sync(a) == 0);
    size_t out = stats_now().bytes_copied_out - s0.bytes_copied_out;
    cr_assert(out == page_len(0), "%zu bytes copied back", out);
    cr_assert(host[3] == 0x5a, "the write before the refresh was lost");
    /* And writes after a refresh are still seen. */
    low[page_off(1) + 7] = 0x6b;
    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert(host[page_off(1) + 7] == 0x6b, "a write after refresh lost");
}

/* Discard drops a write shadow without touching the host: for storage the
 * host already freed. */
Test(shadow, discard_copies_nothing_back)
{
    struct host h = host_new();
    lowmap_alias *a = shadow_of(&h, RD | WR);
    struct lowmap_stats s0 = stats_now();

    fill(lowmap_alias_ptr(a), SIZE, 2);
    cr_assert(lowmap_alias_discard(a) == 0);
    cr_assert(stats_now().bytes_copied_out == s0.bytes_copied_out);
    cr_assert(holds(h.range, SIZE, 1), "discard wrote the host");
    cr_assert(stats_now().aliases_live == s0.aliases_live - 1);
    cr_assert(lowmap_alias_discard(a) == LOWMAP_EALREADY);
    cr_assert(lowmap_alias_release(a) == LOWMAP_EALREADY);
}

/* An explicit flush makes host and twin agree: writing back the host's
 * old value afterwards is still a change (found by fuzzing). */
Test(shadow, twin_sees_a_write_of_the_old_value_after_a_flush)
{
    unsigned char *host = map_anon(PAGE, MAP_PRIVATE);

    persistent_mode(TWIN);
    fill(host, PAGE, 1);
    lowmap_alias *a = alias_ok(host, 256, LOWMAP_READ | LOWMAP_WRITE |
                                              LOWMAP_PERSISTENT |
                                              LOWMAP_INVALIDATE);
    unsigned char *low = lowmap_alias_ptr(a);
    unsigned char old = host[0x22];

    low[0x22] = (unsigned char)(old ^ 0xff);
    cr_assert(lowmap_alias_flush(a, 0x20, 0x4d) == 0);
    cr_assert(host[0x22] == (unsigned char)(old ^ 0xff));
    low[0x22] = old;
    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert(host[0x22] == old, "the write of the old value was lost");
}

/* An invalidating persistent view with a twin publishes only what its
 * caller wrote: not the bytes it never held, over a second view's writes
 * (the fuzzer's find: two views of one range, the first synced unwritten,
 * then the second's write of the value the host held was lost). */
Test(shadow, twin_of_an_invalidating_view_publishes_only_writes)
{
    const unsigned acc = LOWMAP_READ | LOWMAP_WRITE | LOWMAP_PERSISTENT |
                         LOWMAP_INVALIDATE;
    unsigned char *host = map_anon(PAGE, MAP_PRIVATE);

    persistent_mode(TWIN);
    memset(host, 0x25, PAGE);
    lowmap_alias *b = alias_ok(host + 0xf5f, 0x18, acc);
    lowmap_alias *c = alias_ok(host + 0xf5f, 0x18, acc);
    unsigned char *low_c = lowmap_alias_ptr(c);

    low_c[0] = 0x25;
    low_c[7] = 0x5d;
    cr_assert(lowmap_alias_sync(b) == 0);
    cr_assert(all_bytes(host, PAGE, 0x25),
              "a view synced unwritten changed the host");
    cr_assert(lowmap_alias_sync(c) == 0);
    cr_assert(host[0xf5f] == 0x25 && host[0xf5f + 7] == 0x5d,
              "a write was lost");
    cr_assert(lowmap_alias_release(b) == 0);
    cr_assert(lowmap_alias_release(c) == 0);
    cr_assert(host[0xf5f + 7] == 0x5d && host[0xf5f + 1] == 0x25);
}

/* A twinned write-back is byte-exact inside every 8-byte word: bytes the
 * host changed beside the caller's, in the same word, keep the host's
 * value; a word the caller rewrote whole, and runs at an unaligned start
 * and end, go out as written. */
Test(shadow, twin_write_back_is_exact_inside_words)
{
    unsigned char *host = map_anon(PAGE, MAP_PRIVATE);

    persistent_mode(TWIN);
    memset(host, 0x11, PAGE);
    lowmap_alias *a = alias_ok(host + 3, 1000, LOWMAP_READ | LOWMAP_WRITE |
                                                   LOWMAP_PERSISTENT);
    unsigned char *low = (unsigned char *)lowmap_alias_ptr(a) - 3;

    /* The GL writes bytes 0x41 and 0x43; the caller 0x40 and 0x42. */
    host[0x41] = host[0x43] = 0xaa;
    low[0x40] = low[0x42] = 0x55;
    /* The caller rewrites the word at 0x80 whole, and bytes 3..9 and the
     * last three of the range. */
    memset(low + 0x80, 0x66, 8);
    memset(low + 3, 0x77, 7);
    memset(low + 1000, 0x88, 3);
    cr_assert(lowmap_alias_sync(a) == 0);
    cr_assert(host[0x40] == 0x55 && host[0x42] == 0x55);
    cr_assert(host[0x41] == 0xaa && host[0x43] == 0xaa,
              "the host's bytes in the caller's word were overwritten");
    for (int i = 0; i < 8; i++)
        cr_assert(host[0x80 + i] == 0x66);
    for (int i = 3; i < 10; i++)
        cr_assert(host[i] == 0x77);
    cr_assert(host[1000] == 0x88 && host[1002] == 0x88);
    cr_assert(host[1003] == 0x11 && host[2] == 0x11,
              "bytes outside the range changed");
    cr_assert(lowmap_alias_release(a) == 0);
}
