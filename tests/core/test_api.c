/*
 * The public surface: bad input of every kind returns the documented
 * code and crashes nothing; error texts, names, versions, statistics and
 * the probe.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <sys/utsname.h>

#include "helpers.h"

TestSuite(api, .init = env_reset);

#define RW (LOWMAP_READ | LOWMAP_WRITE)

static lowmap_alias *const POISON = (lowmap_alias *)(uintptr_t)0x1234;

static void assert_create_fails(const void *host, size_t size,
                                unsigned access, int want)
{
    lowmap_alias *a = POISON;
    int err = lowmap_alias_create(host, size, access, &a);

    cr_assert(err == want, "create(%p, %#zx, %#x) = %d (%s), want %d",
              host, size, access, err, lowmap_strerror(err), want);
    cr_assert(a == NULL, "the handle was not cleared");
}

Test(api, create_bad_arguments)
{
    char *host = map_anon(PAGE, MAP_PRIVATE);

    assert_create_fails(NULL, PAGE, RW, LOWMAP_EINVAL);
    assert_create_fails(host, 0, RW, LOWMAP_EINVAL);
    assert_create_fails(host, PAGE, 0, LOWMAP_EINVAL);
    assert_create_fails(host, PAGE, LOWMAP_PERSISTENT | LOWMAP_COHERENT,
                        LOWMAP_EINVAL);
    assert_create_fails(host, PAGE, LOWMAP_READ | 0x80, LOWMAP_EINVAL);
    assert_create_fails(host, PAGE, LOWMAP_READ | 0x80000000u, LOWMAP_EINVAL);
    assert_create_fails(host, PAGE, ~0u, LOWMAP_EINVAL);
    cr_assert(lowmap_alias_create(host, PAGE, RW, NULL) == LOWMAP_EINVAL);
    cr_assert(stats_now().aliases_live == 0);
}

Test(api, create_overflow)
{
    assert_create_fails((void *)(UINTPTR_MAX - 10), 100, LOWMAP_READ,
                        LOWMAP_EOVERFLOW);
    assert_create_fails((void *)(UINTPTR_MAX - 10), 11, LOWMAP_READ,
                        LOWMAP_EOVERFLOW);
    assert_create_fails((void *)PAGE, SIZE_MAX, LOWMAP_READ,
                        LOWMAP_EOVERFLOW);
    /* Ends in the last page: rounding it up to a page wraps. */
    assert_create_fails((void *)(UINTPTR_MAX - PAGE), 5, LOWMAP_READ,
                        LOWMAP_EOVERFLOW);
}

Test(api, create_unmapped_high)
{
    char *p = map_anon(3 * PAGE, MAP_PRIVATE);

    cr_assert(munmap(p + PAGE, PAGE) == 0);
    assert_create_fails(p + PAGE, PAGE, RW, LOWMAP_EFAULT);
    assert_create_fails(p + 10, 2 * PAGE, RW, LOWMAP_EFAULT); /* a hole */
    assert_create_fails(p + 2 * PAGE - 1, 2, LOWMAP_READ, LOWMAP_EFAULT);
    cr_assert(munmap(p, 3 * PAGE) == 0);
    assert_create_fails(p, 3 * PAGE, LOWMAP_READ, LOWMAP_EFAULT);
    cr_assert(stats_now().failures == 4);
}

/* Below the limit too: nothing there means nothing to hand out. */
Test(api, create_unmapped_low)
{
    char *p = map_low(2 * PAGE);

    cr_assert(munmap(p, 2 * PAGE) == 0);
    assert_create_fails(p, PAGE, RW, LOWMAP_EFAULT);
    assert_create_fails(p + 5, PAGE, LOWMAP_READ, LOWMAP_EFAULT);
}

Test(api, release_twice)
{
    lowmap_alias *a = alias_ok(map_anon(PAGE, MAP_PRIVATE), PAGE, RW);
    lowmap_alias *keep = alias_ok(map_memfd(PAGE, NULL), PAGE, RW);

    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert(lowmap_alias_release(a) == LOWMAP_EALREADY);
    cr_assert(lowmap_alias_release(a) == LOWMAP_EALREADY);
    /* A handle lowmap never made is not live either. */
    cr_assert(lowmap_alias_release(POISON) == LOWMAP_EALREADY);
    cr_assert(stats_now().aliases_live == 1);
    cr_assert(lowmap_alias_release(keep) == 0);
    cr_assert(stats_now().aliases_live == 0);
}

Test(api, flush_and_refresh_ranges)
{
    void *host = map_anon(2 * PAGE, MAP_PRIVATE);
    size_t size = PAGE + 10;
    lowmap_alias *a = alias_ok(host, size, RW);
    lowmap_alias *ro = alias_ok(host, size, LOWMAP_READ);
    int (*const op[])(lowmap_alias *, size_t, size_t) = {
        lowmap_alias_flush, lowmap_alias_refresh};

    for (int i = 0; i < 2; i++) {
        cr_assert(op[i](a, 0, size) == 0);
        cr_assert(op[i](a, size - 1, 1) == 0);
        cr_assert(op[i](a, 0, 0) == LOWMAP_EINVAL);
        cr_assert(op[i](a, 0, size + 1) == LOWMAP_EINVAL);
        cr_assert(op[i](a, 1, size) == LOWMAP_EINVAL);
        cr_assert(op[i](a, size, 1) == LOWMAP_EINVAL);
        cr_assert(op[i](a, size + 1, 0) == LOWMAP_EINVAL);
        cr_assert(op[i](a, SIZE_MAX, 2) == LOWMAP_EINVAL);
        cr_assert(op[i](a, 2, SIZE_MAX) == LOWMAP_EINVAL);
        cr_assert(op[i](NULL, 0, 1) == LOWMAP_EINVAL);
        cr_assert(op[i](POISON, 0, 1) == LOWMAP_ENOENT);
    }
    cr_assert(lowmap_alias_flush(ro, 0, 1) == LOWMAP_EINVAL);
    cr_assert(lowmap_alias_refresh(ro, 0, 1) == 0);
    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert(lowmap_alias_flush(a, 0, 1) == LOWMAP_ENOENT);
    cr_assert(lowmap_alias_refresh(a, 0, 1) == LOWMAP_ENOENT);
}

Test(api, sync_bad_handles)
{
    cr_assert(lowmap_alias_sync(NULL) == LOWMAP_EINVAL);
    /* Like flush and refresh, a handle that is not live is not read. */
    cr_assert(lowmap_alias_sync(POISON) == LOWMAP_ENOENT);

    /* Nor is a pointer into a live handle that is not its start. */
    lowmap_alias *a = alias_ok(map_anon(PAGE, MAP_PRIVATE), PAGE, RW);
    for (size_t off = 1; off < 4 * sizeof(void *); off++)
        cr_assert(lowmap_alias_sync((lowmap_alias *)((char *)a + off)) ==
                      LOWMAP_ENOENT,
                  "a pointer %zu bytes into a handle passed for one", off);
    cr_assert(lowmap_alias_sync(a) == 0);
    cr_assert(lowmap_alias_release(a) == 0);
}

Test(api, sync_released_handle)
{
    lowmap_alias *a = alias_ok(map_anon(PAGE, MAP_PRIVATE), PAGE, RW);

    cr_assert(lowmap_alias_sync(a) == 0);
    cr_assert(lowmap_alias_release(a) == 0);
    cr_assert(lowmap_alias_sync(a) == LOWMAP_ENOENT);
}

/*
 * Handles are checked without the core lock (core/handle.c): a pointer
 * inside a handle, a released handle and a fresh one reusing its memory
 * must each get the right answer, across more handles than the first
 * chunks hold.
 */
Test(api, handles_checked_across_chunks)
{
    enum { N = 300 };
    char *host = map_anon(N * PAGE, MAP_PRIVATE);
    lowmap_alias *a[N];
    uint64_t live0 = stats_now().aliases_live;

    for (int i = 0; i < N; i++)
        a[i] = alias_ok(host + (size_t)i * PAGE, PAGE, RW);
    for (int i = 0; i < N; i++) {
        lowmap_alias *inside = (lowmap_alias *)((char *)a[i] + 8);
        cr_assert(lowmap_alias_sync(a[i]) == 0, "handle %d", i);
        cr_assert(lowmap_alias_sync(inside) == LOWMAP_ENOENT, "handle %d", i);
        cr_assert(lowmap_alias_flush(inside, 0, 1) == LOWMAP_ENOENT);
        cr_assert(lowmap_alias_release(inside) == LOWMAP_EALREADY);
    }
    for (int i = 0; i < N; i += 2)
        cr_assert(lowmap_alias_release(a[i]) == 0);
    cr_assert(stats_now().aliases_live == live0 + N / 2);
    for (int i = 0; i < N; i++) {
        int want = i % 2 ? 0 : LOWMAP_ENOENT;
        cr_assert(lowmap_alias_sync(a[i]) == want, "handle %d", i);
        cr_assert(lowmap_alias_refresh(a[i], 0, 1) == want, "handle %d", i);
    }
    /* New handles take the released memory, and are live. */
    for (int i = 0; i < N; i += 2) {
        a[i] = alias_ok(host + (size_t)i * PAGE, PAGE, RW);
        cr_assert(lowmap_alias_sync(a[i]) == 0, "handle %d", i);
    }
    for (int i = 0; i < N; i++)
        cr_assert(lowmap_alias_release(a[i]) == 0, "handle %d", i);
    cr_assert(stats_now().aliases_live == live0);
}

Test(api, null_handles)
{
    cr_assert(lowmap_alias_ptr(NULL) == NULL);
    cr_assert(lowmap_alias_strategy(NULL) == LOWMAP_EINVAL);
    cr_assert(lowmap_alias_size(NULL) == 0);
    cr_assert(lowmap_alias_release(NULL) == LOWMAP_EINVAL);
    cr_assert(lowmap_translate(NULL) == NULL);
}

Test(api, mem_alloc_and_free)
{
    void *p = POISON, *q;

    cr_assert(lowmap_mem_alloc(0, &p) == LOWMAP_EINVAL);
    cr_assert(p == NULL);
    cr_assert(lowmap_mem_alloc(PAGE, NULL) == LOWMAP_EINVAL);
    cr_assert(lowmap_mem_alloc(SIZE_MAX, &p) == LOWMAP_EOVERFLOW);
    cr_assert(lowmap_mem_alloc(SIZE_MAX - PAGE, &p) < 0);
    cr_assert(lowmap_mem_alloc(LOWMAP_LIMIT_4G, &p) < 0);

    cr_assert(lowmap_mem_alloc(100, &q) == 0);
    cr_assert_low(q, PAGE);
    cr_assert(((uintptr_t)q & (PAGE - 1)) == 0);
    cr_assert(all_bytes(q, PAGE, 0));
    cr_assert(lowmap_mem_free((char *)q + 1) == LOWMAP_ENOENT);
    cr_assert(lowmap_mem_free(map_anon(PAGE, MAP_PRIVATE)) == LOWMAP_ENOENT);
    cr_assert(lowmap_mem_free(NULL) == LOWMAP_EINVAL);
    cr_assert(lowmap_mem_free(q) == 0);
    cr_assert(lowmap_mem_free(q) == LOWMAP_ENOENT);
}

/* A lasting zero-copy view of shared host memory, counted as placed. */
Test(api, mem_alias_shares_pages)
{
    size_t size = 3 * PAGE;
    int fd;
    char *host = map_memfd(size, &fd);
    char *low = NULL;
    cr_assert_eq(lowmap_mem_alias(host, size, NULL), LOWMAP_EINVAL);
    cr_assert_eq(lowmap_mem_alias(host + 100, size - 100, (void **)&low), 0);
    cr_assert_low(low, size - 100);
    cr_assert_eq((uintptr_t)low % PAGE, 100);
    host[100] = 'a';
    cr_assert_eq(low[0], 'a');
    low[size - 101] = 'b';
    cr_assert_eq(host[size - 1], 'b');

    struct lowmap_stats before = {.size = sizeof(before)}, after = before;
    lowmap_stats(&before);
    lowmap_alias *a;
    cr_assert_eq(lowmap_alias_create(low + 8, 64, LOWMAP_READ, &a), 0);
    cr_assert_eq(lowmap_alias_strategy(a), LOWMAP_STRATEGY_PLACED);
    cr_assert_eq(lowmap_alias_ptr(a), low + 8);
    lowmap_stats(&after);
    cr_assert_eq(after.aliases_live, before.aliases_live + 1,
                 "the view itself counts as a live handle");
    cr_assert_eq(lowmap_alias_release(a), 0);

    cr_assert_eq(lowmap_mem_free(low + 1), LOWMAP_ENOENT);
    cr_assert_eq(lowmap_mem_free(low), 0);
    cr_assert_eq(lowmap_mem_free(low), LOWMAP_ENOENT);
    munmap(host, size);
    close(fd);
}

/* Part of a block can be made to fault and be given back, as a
 * sub-allocator does with freed slots; nothing outside lowmap's blocks. */
Test(api, mem_protect_part_of_a_block)
{
    char *p, *outside = map_anon(PAGE, MAP_PRIVATE);

    cr_assert_eq(lowmap_mem_alloc(4 * PAGE, (void **)&p), 0);
    memset(p, 7, 4 * PAGE);
    cr_assert_eq(lowmap_mem_protect(NULL, PAGE, 0), LOWMAP_EINVAL);
    cr_assert_eq(lowmap_mem_protect(p, 0, 0), LOWMAP_EINVAL);
    cr_assert_eq(lowmap_mem_protect(p + 1, PAGE, 0), LOWMAP_EINVAL);
    cr_assert_eq(lowmap_mem_protect(p, PAGE + 1, 0), LOWMAP_EINVAL);
    cr_assert_eq(lowmap_mem_protect(p, PAGE, LOWMAP_WRITE), LOWMAP_EINVAL);
    cr_assert_eq(lowmap_mem_protect(p, PAGE, LOWMAP_PERSISTENT),
                 LOWMAP_EINVAL);
    cr_assert_eq(lowmap_mem_protect(p, 5 * PAGE, 0), LOWMAP_ENOENT);
    cr_assert_eq(lowmap_mem_protect(outside, PAGE, 0), LOWMAP_ENOENT);
    cr_assert_eq(lowmap_mem_protect((void *)(UINTPTR_MAX & ~(PAGE - 1)),
                                    2 * PAGE, 0),
                 LOWMAP_EOVERFLOW);

    cr_assert_eq(lowmap_mem_protect(p + PAGE, 2 * PAGE, 0), 0);
    cr_assert(child_faults(p + PAGE), "a protected page was readable");
    cr_assert(child_faults(p + 3 * PAGE - 1), "a protected page was readable");
    cr_assert(all_bytes(p, PAGE, 7) && all_bytes(p + 3 * PAGE, PAGE, 7),
              "pages outside the part changed");
    cr_assert_eq(lowmap_mem_protect(p + PAGE, PAGE, LOWMAP_READ), 0);
    cr_assert(all_bytes(p + PAGE, PAGE, 7), "contents lost");
    cr_assert_eq(lowmap_mem_protect(p + PAGE, 2 * PAGE,
                                    LOWMAP_READ | LOWMAP_WRITE), 0);
    p[2 * PAGE] = 9;
    cr_assert_eq(lowmap_mem_free(p), 0);
    munmap(outside, PAGE);
}

/* The same inside a view of host memory: the host keeps its access. */
Test(api, mem_protect_part_of_a_view)
{
    int fd;
    char *host = map_memfd(3 * PAGE, &fd), *low;

    cr_assert_eq(lowmap_mem_alias(host, 3 * PAGE, (void **)&low), 0);
    cr_assert_eq(lowmap_mem_protect(low + PAGE, PAGE, 0), 0);
    cr_assert(child_faults(low + PAGE), "a protected page was readable");
    host[PAGE] = 'h';
    cr_assert_eq(lowmap_mem_protect(low + PAGE, PAGE,
                                    LOWMAP_READ | LOWMAP_WRITE), 0);
    cr_assert_eq(low[PAGE], 'h');
    cr_assert_eq(lowmap_mem_free(low), 0);
    munmap(host, 3 * PAGE);
    close(fd);
}

/* Never a copy: private memory has no zero-copy view. */
Test(api, mem_alias_refuses_private_memory)
{
    size_t size = 2 * PAGE;
    char *host = mmap(NULL, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *low = (void *)1;
    cr_assert(host != MAP_FAILED);
    cr_assert_lt(lowmap_mem_alias(host, size, &low), 0);
    cr_assert_null(low);
    munmap(host, size);
}

Test(api, stats_size_convention)
{
    struct lowmap_stats s;
    size_t part = offsetof(struct lowmap_stats, aliases_live);

    cr_assert(lowmap_stats(NULL) == LOWMAP_EINVAL);
    s.size = 0;
    cr_assert(lowmap_stats(&s) == LOWMAP_EINVAL);
    s.size = sizeof(s.size) - 1;
    cr_assert(lowmap_stats(&s) == LOWMAP_EINVAL);

    lowmap_alias *a = alias_ok(map_anon(PAGE, MAP_PRIVATE), PAGE, RW);
    memset(&s, 0xa5, sizeof(s));
    s.size = part;
    cr_assert(lowmap_stats(&s) == 0);
    cr_assert(s.size == part);
    cr_assert(s.aliases_created[LOWMAP_STRATEGY_SHADOW] == 1);
    cr_assert(all_bytes((char *)&s + part, sizeof(s) - part, 0xa5),
              "lowmap wrote past the caller's size");

    /* A caller built against a larger struct gets what lowmap has. */
    struct {
        struct lowmap_stats s;
        uint64_t future[4];
    } big;
    memset(&big, 0xa5, sizeof(big));
    big.s.size = sizeof(big);
    cr_assert(lowmap_stats(&big.s) == 0);
    cr_assert(big.s.size == sizeof(struct lowmap_stats));
    cr_assert(big.s.aliases_live == 1);
    cr_assert(big.s.bytes_copied_in == PAGE);
    cr_assert(all_bytes(big.future, sizeof(big.future), 0xa5));
    cr_assert(lowmap_alias_release(a) == 0);
}

Test(api, report_high_pointer)
{
    char x;

    cr_assert(stats_now().high_pointers == 0);
    lowmap_report_high_pointer(&x, 1);
    lowmap_report_high_pointer(NULL, 0);
    cr_assert(stats_now().high_pointers == 2);
}

static void *never_reserve(void *user, size_t size, size_t align,
                           uintptr_t limit)
{
    abort();
}

static void never_release(void *user, void *addr, size_t size)
{
    abort();
}

Test(api, set_va_ops_bad)
{
    struct lowmap_va_ops ops;

    cr_assert(lowmap_set_va_ops(NULL) == LOWMAP_EINVAL);
    memset(&ops, 0, sizeof(ops));
    ops.size = sizeof(ops);
    cr_assert(lowmap_set_va_ops(&ops) == LOWMAP_EINVAL);
    ops.reserve = never_reserve;
    cr_assert(lowmap_set_va_ops(&ops) == LOWMAP_EINVAL);
    ops.reserve = NULL;
    ops.release = never_release;
    cr_assert(lowmap_set_va_ops(&ops) == LOWMAP_EINVAL);
    ops.size = 0;
    cr_assert(lowmap_set_va_ops(&ops) == LOWMAP_EINVAL);
    /* A struct that stops before release has no release. */
    ops.reserve = never_reserve;
    ops.size = offsetof(struct lowmap_va_ops, release);
    cr_assert(lowmap_set_va_ops(&ops) == LOWMAP_EINVAL);
    /* None of that took: lowmap still reserves its own memory. */
    alias_ok(map_anon(PAGE, MAP_PRIVATE), PAGE, RW);
}

Test(api, strerror)
{
    static const int codes[] = {
        LOWMAP_EINVAL, LOWMAP_ENOMEM, LOWMAP_EBUSY, LOWMAP_ENOENT,
        LOWMAP_EOVERFLOW, LOWMAP_ENOTSUP, LOWMAP_EFAULT, LOWMAP_EALREADY,
        LOWMAP_EEXIST,
    };
    const char *unknown = lowmap_strerror(-99999);

    cr_assert(unknown != NULL && *unknown);
    cr_assert(lowmap_strerror(0) != NULL && *lowmap_strerror(0));
    cr_assert(lowmap_strerror(1) != NULL);
    cr_assert(lowmap_strerror(INT32_MIN) != NULL);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const char *t = lowmap_strerror(codes[i]);
        cr_assert(codes[i] < 0);
        cr_assert(t != NULL && *t, "no text for %d", codes[i]);
        cr_assert(strcmp(t, unknown) != 0, "%d has no text of its own",
                  codes[i]);
        for (size_t j = 0; j < i; j++)
            cr_assert(strcmp(t, lowmap_strerror(codes[j])) != 0);
    }
    cr_assert(LOWMAP_EINVAL == -EINVAL && LOWMAP_EALREADY == -EALREADY);
}

Test(api, strategy_names)
{
    cr_assert_str_eq(lowmap_strategy_name(LOWMAP_STRATEGY_PASSTHROUGH),
                     "passthrough");
    cr_assert_str_eq(lowmap_strategy_name(LOWMAP_STRATEGY_PLACED), "placed");
    cr_assert_str_eq(lowmap_strategy_name(LOWMAP_STRATEGY_MREMAP), "mremap");
    cr_assert_str_eq(lowmap_strategy_name(LOWMAP_STRATEGY_FD_REMAP),
                     "fd_remap");
    cr_assert_str_eq(lowmap_strategy_name(LOWMAP_STRATEGY_SHADOW), "shadow");
    cr_assert_str_eq(lowmap_strategy_name(0), "unknown");
    cr_assert_str_eq(lowmap_strategy_name(LOWMAP_STRATEGY_COUNT), "unknown");
    cr_assert_str_eq(lowmap_strategy_name(-1), "unknown");
    cr_assert_str_eq(lowmap_strategy_name(LOWMAP_EINVAL), "unknown");
}

Test(api, version)
{
    char want[32];

    cr_assert(lowmap_version() == LOWMAP_VERSION_HEX);
    snprintf(want, sizeof(want), "%d.%d.%d", LOWMAP_VERSION_MAJOR,
             LOWMAP_VERSION_MINOR, LOWMAP_VERSION_PATCH);
    cr_assert_str_eq(lowmap_version_string(), want);
}

static int kernel_at_least(int major, int minor)
{
    struct utsname u;
    int ma = 0, mi = 0;

    cr_assert(uname(&u) == 0);
    cr_assert(sscanf(u.release, "%d.%d", &ma, &mi) == 2);
    return ma > major || (ma == major && mi >= minor);
}

Test(api, probe)
{
    struct lowmap_caps c;

    cr_assert(lowmap_probe(NULL) == LOWMAP_EINVAL);
    c.size = 0;
    cr_assert(lowmap_probe(&c) == LOWMAP_EINVAL);

    memset(&c, 0xa5, sizeof(c));
    c.size = sizeof(c);
    cr_assert(lowmap_probe(&c) == 0);
    cr_assert(c.size == sizeof(c));
    cr_assert(c.limit == lowmap_limit());
    cr_assert(c.strategies == 0x3e, "strategies %#x", c.strategies);
    cr_assert(c.arena_source == 0);
    cr_assert(c.mremap_shared == LOWMAP_YES);
    cr_assert(c.fd_remap == LOWMAP_YES);
    cr_assert(c.shadow == LOWMAP_YES);
    /* Without a DRM device nothing tells whether PFNMAP duplication
     * works. */
    cr_assert(c.mremap_pfnmap == LOWMAP_UNKNOWN);
    cr_assert(c.populate == LOWMAP_YES || c.populate == LOWMAP_NO);
    cr_assert(c.pagemap_scan == LOWMAP_YES || c.pagemap_scan == LOWMAP_NO);
    cr_assert(c.uffd_wp_async == LOWMAP_YES || c.uffd_wp_async == LOWMAP_NO);
    cr_assert(c.dirty_tracking ==
              (c.pagemap_scan == LOWMAP_YES && c.uffd_wp_async == LOWMAP_YES
                   ? LOWMAP_YES : LOWMAP_NO),
              "dirty tracking %d with pagemap_scan %d, uffd_wp_async %d",
              c.dirty_tracking, c.pagemap_scan, c.uffd_wp_async);
    if (kernel_at_least(6, 11))
        cr_assert(c.procmap_query == LOWMAP_YES);
    else
        cr_assert(c.procmap_query == LOWMAP_NO);
    if (kernel_at_least(6, 7))
        cr_assert(c.pagemap_scan == LOWMAP_YES);
    /* Probing leaves nothing behind. */
    struct lowmap_stats s = stats_now();
    cr_assert(s.aliases_live == 0);
}

/* The probe answers even with zero-copy strategies switched off: it
 * tries them on memory of its own. */
Test(api, probe_with_strategies_off)
{
    struct lowmap_caps c = {.size = sizeof(c)};

    setenv("LOWMAP_STRATEGIES", "shadow", 1);
    setenv("LOWMAP_DIRTY", "off", 1);
    cr_assert(lowmap_probe(&c) == 0);
    cr_assert(c.dirty_tracking == LOWMAP_NO);
    cr_assert(c.strategies == 1u << LOWMAP_STRATEGY_SHADOW);
    cr_assert(c.mremap_shared == LOWMAP_YES);
    cr_assert(c.fd_remap == LOWMAP_YES);
}

Test(api, release_range_without_ranges)
{
    size_t n = 77;

    cr_assert(lowmap_release_range(0, &n) == NULL);
    cr_assert(n == 0);
    cr_assert(lowmap_release_range(LOWMAP_RELEASE_ALL, NULL) == NULL);
    cr_assert(lowmap_release_range(~0u, &n) == NULL);
}
