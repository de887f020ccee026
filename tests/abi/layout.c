/*
 * Layouts and values that callers compile into their binaries.  Changing
 * any of them breaks programs built against liblowmap.so.1; growable
 * structs may gain members only at the end (the size field tells the
 * library how much the caller has), and then the size pin below and the
 * abigail baseline (tests/abi/update-baseline.sh) change with them, on
 * purpose.  x86-64 and other LP64 targets.
 *
 * SPDX-License-Identifier: MIT
 */
#include <lowmap.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define PIN_AT(type, member, off)                                            \
    _Static_assert(offsetof(type, member) == (off), #type "." #member)

#if UINTPTR_MAX == 0xffffffffffffffffu
PIN_AT(struct lowmap_va_ops, size, 0);
PIN_AT(struct lowmap_va_ops, user, 8);
PIN_AT(struct lowmap_va_ops, reserve, 16);
PIN_AT(struct lowmap_va_ops, release, 24);
PIN_AT(struct lowmap_va_ops, notify, 32);
_Static_assert(sizeof(struct lowmap_va_ops) == 40, "lowmap_va_ops size");

/* aliases_created[] is indexed by strategy and has room for new ones:
 * the slot count is part of the ABI, the strategy count is not. */
_Static_assert(LOWMAP_STRATEGY_SLOTS == 8, "lowmap_stats layout");
_Static_assert(LOWMAP_STRATEGY_COUNT <= LOWMAP_STRATEGY_SLOTS,
               "strategies outgrew lowmap_stats");
PIN_AT(struct lowmap_stats, size, 0);
PIN_AT(struct lowmap_stats, aliases_created, 8);
PIN_AT(struct lowmap_stats, aliases_live, 72);
PIN_AT(struct lowmap_stats, cache_hits, 80);
PIN_AT(struct lowmap_stats, bytes_copied_in, 88);
PIN_AT(struct lowmap_stats, bytes_copied_out, 96);
PIN_AT(struct lowmap_stats, high_pointers, 104);
PIN_AT(struct lowmap_stats, arena_bytes, 112);
PIN_AT(struct lowmap_stats, arena_used, 120);
PIN_AT(struct lowmap_stats, failures, 128);
PIN_AT(struct lowmap_stats, writebacks_tracked, 136);
PIN_AT(struct lowmap_stats, writebacks_compared, 144);
PIN_AT(struct lowmap_stats, writebacks_whole, 152);
_Static_assert(sizeof(struct lowmap_stats) == 160, "lowmap_stats size");

PIN_AT(struct lowmap_caps, size, 0);
PIN_AT(struct lowmap_caps, limit, 8);
PIN_AT(struct lowmap_caps, strategies, 16);
PIN_AT(struct lowmap_caps, arena_source, 20);
PIN_AT(struct lowmap_caps, mremap_shared, 24);
PIN_AT(struct lowmap_caps, mremap_pfnmap, 28);
PIN_AT(struct lowmap_caps, fd_remap, 32);
PIN_AT(struct lowmap_caps, shadow, 36);
PIN_AT(struct lowmap_caps, procmap_query, 40);
PIN_AT(struct lowmap_caps, pagemap_scan, 44);
PIN_AT(struct lowmap_caps, uffd_wp_async, 48);
PIN_AT(struct lowmap_caps, populate, 52);
PIN_AT(struct lowmap_caps, dirty_tracking, 56);
PIN_AT(struct lowmap_caps, copy_ns_page, 64);
PIN_AT(struct lowmap_caps, compare_ns_page, 72);
PIN_AT(struct lowmap_caps, scan_ns_page, 80);
PIN_AT(struct lowmap_caps, scan_ns_call, 88);
PIN_AT(struct lowmap_caps, wp_fault_ns, 96);
_Static_assert(sizeof(struct lowmap_caps) == 104, "lowmap_caps size");
#else
#error "layout pins are written for LP64"
#endif

/* Values callers compile in. */
_Static_assert(LOWMAP_READ == 1 && LOWMAP_WRITE == 2 &&
                   LOWMAP_PERSISTENT == 4 && LOWMAP_COHERENT == 8 &&
                   LOWMAP_INVALIDATE == 16 && LOWMAP_FLUSH_EXPLICIT == 32 &&
                   LOWMAP_CLIENT_RANGE == 64 && LOWMAP_ACCESS_MASK == 0x7f,
               "access flags");
_Static_assert(LOWMAP_STRATEGY_PASSTHROUGH == 1 &&
                   LOWMAP_STRATEGY_PLACED == 2 &&
                   LOWMAP_STRATEGY_MREMAP == 3 &&
                   LOWMAP_STRATEGY_FD_REMAP == 4 &&
                   LOWMAP_STRATEGY_SHADOW == 5,
               "strategy numbers");
_Static_assert(LOWMAP_NO == 0 && LOWMAP_YES == 1 && LOWMAP_UNKNOWN == 2,
               "answers");
_Static_assert(LOWMAP_RELEASE_ALL == 1 && LOWMAP_NOTIFY_UNMAPPED == -1,
               "flags");
_Static_assert(LOWMAP_LIMIT_2G == 0x80000000u &&
                   LOWMAP_LIMIT_4G == 0x100000000ull,
               "limits");

static int failures;

#define EXPECT(cond)                                                         \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);       \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* A caller built against an older, shorter struct: lowmap fills only its
 * part and says so. */
static void older_callers(void)
{
    unsigned char buf[sizeof(struct lowmap_stats) + 16];
    struct lowmap_stats *st = (struct lowmap_stats *)(void *)buf;
    size_t old = offsetof(struct lowmap_stats, aliases_live);

    memset(buf, 0xa5, sizeof(buf));
    st->size = old;
    EXPECT(lowmap_stats(st) == 0);
    EXPECT(st->size == old);
    for (size_t i = old; i < sizeof(buf); i++)
        EXPECT(buf[i] == 0xa5);

    struct lowmap_caps caps;
    memset(&caps, 0xa5, sizeof(caps));
    caps.size = offsetof(struct lowmap_caps, dirty_tracking);
    EXPECT(lowmap_probe(&caps) == 0);
    EXPECT(caps.size == offsetof(struct lowmap_caps, dirty_tracking));
    EXPECT(caps.dirty_tracking == (int)0xa5a5a5a5);
}

int main(void)
{
    struct lowmap_stats st = {.size = sizeof(st)};
    EXPECT(lowmap_stats(&st) == 0 && st.size == sizeof(st));
    struct lowmap_caps caps = {.size = sizeof(caps)};
    EXPECT(lowmap_probe(&caps) == 0 && caps.size == sizeof(caps));
    EXPECT(lowmap_version() == LOWMAP_VERSION_HEX);
    older_callers();
    return failures ? 1 : 0;
}
