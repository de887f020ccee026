/*
 * box64-like (box32 mode): everything above 4 GiB is reserved, so the
 * host's own mappings (libglvnd, Mesa, llvmpipe, malloc) land below it; a
 * wrapped call that returns a pointer above 4 GiB would abort the
 * process; and the translator keeps a record of every mapping in the
 * process (box64's mapallmem), fed for lowmap through notify.
 *
 * The harness registers notify alone (lowmap reserves its arena itself),
 * runs real GL with LOWMAP_STRICT=1 (set by ctest) and checks that no map
 * returns a pointer at or above the limit and that its record of lowmap's
 * mappings matches /proc/self/maps.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"

TestSuite(box64, .fini = gt_teardown);

#define MAX_NOTES 4096

/* box64's view of lowmap's mappings: the latest protection per range. */
static struct {
    struct note {
        uintptr_t start, end;
        int prot;
    } v[MAX_NOTES];
    size_t n;
    unsigned calls, overflow;
} rec;

/* Called under lowmap's lock: record only. */
static void on_notify(void *user, void *addr, size_t size, int prot)
{
    (void)user;
    rec.calls++;
    if (rec.n == MAX_NOTES) {
        rec.overflow++;
        return;
    }
    rec.v[rec.n++] = (struct note){(uintptr_t)addr, (uintptr_t)addr + size,
                                   prot};
}

static void install_notify(void)
{
    struct lowmap_va_ops ops = {
        .size = sizeof(ops),
        .notify = on_notify,
    };
    cr_assert_eq(lowmap_set_va_ops(&ops), 0);
}

#define NEVER_NOTIFIED (-2)

/* What the record says about @addr: the protection of the latest note
 * covering it (LOWMAP_NOTIFY_UNMAPPED included), or NEVER_NOTIFIED. */
static int recorded_prot(uintptr_t addr)
{
    for (size_t i = rec.n; i-- > 0;)
        if (addr >= rec.v[i].start && addr < rec.v[i].end)
            return rec.v[i].prot;
    return NEVER_NOTIFIED;
}

static unsigned notes_with(int prot)
{
    unsigned n = 0;
    for (size_t i = 0; i < rec.n; i++)
        n += rec.v[i].prot == prot;
    return n;
}

static void check_low(const void *p, size_t len)
{
    uintptr_t s = (uintptr_t)p;
    cr_assert(s + len <= lowmap_limit(),
              "%p+%#zx reached 32-bit code above the limit", p, len);
    /* box64 must know the memory it hands to the guest. */
    cr_assert_eq(recorded_prot(s) & (PROT_READ | PROT_WRITE),
                 PROT_READ | PROT_WRITE,
                 "%p was never notified as readable and writable", p);
}

/*
 * Walk every page lowmap ever notified: the latest note's protection must
 * be what the kernel has there now (nothing, for LOWMAP_NOTIFY_UNMAPPED).
 */
static void check_record_matches_maps(void)
{
    static struct it_vma v[8192];
    size_t n = it_maps(IT_4G, v, 8192);
    size_t page = 4096, pages = 0, mismatches = 0;

    cr_assert_leq(n, 8192);
    cr_assert_eq(rec.overflow, 0);
    for (size_t i = 0; i < rec.n; i++) {
        for (uintptr_t a = rec.v[i].start; a < rec.v[i].end; a += page) {
            int want = recorded_prot(a), have = LOWMAP_NOTIFY_UNMAPPED;
            for (size_t k = 0; k < n; k++)
                if (a >= v[k].start && a < v[k].end)
                    have = v[k].prot & (PROT_READ | PROT_WRITE);
            pages++;
            if (have != want && mismatches++ < 5)
                cr_log_error("%#lx: notified prot %d, /proc/self/maps "
                             "says %d%s",
                             (unsigned long)a, want, have,
                             have == LOWMAP_NOTIFY_UNMAPPED ? " (unmapped)"
                                                            : "");
        }
    }
    cr_assert_gt(pages, 0);
    cr_assert_eq(mismatches, 0, "%zu of %zu notified pages differ from "
                 "/proc/self/maps", mismatches, pages);
}

static void start(void)
{
    cr_assert_gt(it_reserve_high(), (size_t)1 << 40);
    install_notify();
    gt_setup();
}

Test(box64, strict_maps_stay_low_and_notified)
{
    start();
    cr_assert_gt(it_gl_workload(check_low), 0);
    cr_assert_gt(rec.calls, 0, "lowmap mapped nothing it told us about");
    struct lowmap_caps caps = {.size = sizeof(caps)};
    cr_assert_eq(lowmap_probe(&caps), 0);
    cr_assert_eq(caps.arena_source, 0, "notify alone: lowmap reserves");
    struct lowmap_stats st = gt_stats();
    cr_assert_eq(st.high_pointers, 0);
    cr_assert_eq(st.failures, 0);
    check_record_matches_maps();
}

static bool no_buffers_left(void)
{
    return false;
}

/*
 * The arena grows past its first chunk, then the extra chunk goes idle
 * and lowmap gives it back: box64's record must learn about that too.
 */
Test(box64, record_follows_chunk_release)
{
    const size_t big = (size_t)96 << 20;

    start();
    it_gl_workload(check_low);
    GLuint buf = 0;
    glGenBuffers(1, &buf);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)big, NULL, GL_DYNAMIC_DRAW);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, (GLsizeiptr)big,
                                  GL_MAP_WRITE_BIT |
                                      GL_MAP_INVALIDATE_BUFFER_BIT);
    cr_assert_not_null(p, "GL error 0x%x", glGetError());
    check_low(p, big);
    p[big - 1] = 1;
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    glDeleteBuffers(1, &buf);
    uint64_t before = gt_stats().arena_bytes;
    /* Push the big slot through quarantine. */
    it_churn_until(no_buffers_left, 200);
    cr_assert_lt(gt_stats().arena_bytes, before,
                 "the idle chunk was never given back");
    cr_assert_gt(notes_with(LOWMAP_NOTIFY_UNMAPPED), 0,
                 "a chunk went back without a note");
    check_record_matches_maps();
}
