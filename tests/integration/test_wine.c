/*
 * Wine-like: the process owns its low address space.  At start-up Wine's
 * preloader and ntdll reserve most of the low 2 GiB PROT_NONE and later
 * hand pieces out themselves (NtAllocateVirtualMemory with zero_bits).
 * A library on the Unix side must take low memory only from Wine.
 *
 * The harness reserves the same areas before any GL library is loaded and
 * gives lowmap callbacks that carve from them, or donates committed ranges
 * through GL_MESA_map_buffer_client_pointer.  Real GL (llvmpipe through
 * libglvnd and lowmap's EGL vendor) then maps buffers; every pointer must
 * lie in memory the harness handed out, nothing below 4 GiB may be mapped
 * outside its reservations, and what lowmap stops using comes back.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"

TestSuite(wine, .fini = gt_teardown);

#define PAGE 4096u
#define MAX_HANDOUTS 256

/* The areas Wine's preloader reserves on x86-64 for a WoW64 process. */
static const struct {
    uintptr_t start, end;
} areas[] = {
    { 0x00010000u, 0x68000000u },
    { 0x7f000000u, 0x7fff0000u },
};
#define N_AREAS (sizeof(areas) / sizeof(areas[0]))

struct handout {
    uintptr_t start, end;
    bool live, donated;
};

/* The harness's view of its address space, as ntdll keeps one. */
static struct vm {
    struct handout h[MAX_HANDOUTS];
    size_t n;
    int reserves, releases, bad_calls;
} vm;

static void reserve_areas(void)
{
    for (size_t i = 0; i < N_AREAS; i++) {
        size_t len = areas[i].end - areas[i].start;
        void *p = mmap((void *)areas[i].start, len, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                           MAP_FIXED_NOREPLACE,
                       -1, 0);
        cr_assert_eq(p, (void *)areas[i].start,
                     "cannot reserve %#lx-%#lx: something is there already",
                     (unsigned long)areas[i].start,
                     (unsigned long)areas[i].end);
    }
}

static const struct handout *live_overlap(uintptr_t start, uintptr_t end)
{
    for (size_t i = 0; i < vm.n; i++)
        if (vm.h[i].live && start < vm.h[i].end && vm.h[i].start < end)
            return &vm.h[i];
    return NULL;
}

/* Lowest free fit in the reserved areas, wholly below @limit: what
 * NtAllocateVirtualMemory(MEM_RESERVE) with zero_bits gives. */
static uintptr_t carve(size_t size, size_t align, uintptr_t limit)
{
    for (size_t i = 0; i < N_AREAS; i++) {
        uintptr_t top = areas[i].end < limit ? areas[i].end : limit;
        uintptr_t a = (areas[i].start + align - 1) & ~(uintptr_t)(align - 1);
        while (a + size > a && a + size <= top) {
            const struct handout *o = live_overlap(a, a + size);
            if (!o)
                return a;
            a = (o->end + align - 1) & ~(uintptr_t)(align - 1);
        }
    }
    return 0;
}

static struct handout *record(uintptr_t start, size_t size, bool donated)
{
    if (vm.n == MAX_HANDOUTS)
        return NULL;
    vm.h[vm.n] = (struct handout){start, start + size, true, donated};
    return &vm.h[vm.n++];
}

/* Called under lowmap's lock: no calls into lowmap or cr_assert here. */
static void *vm_reserve(void *user, size_t size, size_t align,
                        uintptr_t limit)
{
    struct vm *v = user;
    v->reserves++;
    if (!size || size % PAGE || !align || align % PAGE)
        v->bad_calls++;
    uintptr_t a = carve(size, align, limit);
    if (!a || !record(a, size, false))
        return NULL;
    return (void *)a;
}

static void vm_release(void *user, void *addr, size_t size)
{
    struct vm *v = user;
    uintptr_t start = (uintptr_t)addr;

    v->releases++;
    for (size_t i = 0; i < v->n; i++) {
        struct handout *h = &v->h[i];
        if (h->live && !h->donated && h->start == start &&
            h->end == start + size) {
            h->live = false;
            /* MEM_RELEASE inside a reserved area: reserved again. */
            mmap(addr, size, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
                 -1, 0);
            return;
        }
    }
    v->bad_calls++; /* not something we handed out, or not whole */
}

static void install_callbacks(void)
{
    struct lowmap_va_ops ops = {
        .size = sizeof(ops),
        .user = &vm,
        .reserve = vm_reserve,
        .release = vm_release,
    };
    cr_assert_eq(lowmap_set_va_ops(&ops), 0);
}

static void in_live_handout(const void *p, size_t len)
{
    uintptr_t s = (uintptr_t)p, e = s + len;
    for (size_t i = 0; i < vm.n; i++)
        if (vm.h[i].live && s >= vm.h[i].start && e <= vm.h[i].end)
            return;
    cr_assert_fail("%p+%#zx lies outside everything the harness handed out",
                   p, len);
}

/* Whether [start, end) lies in handouts, one after another. */
static bool handed_out(uintptr_t start, uintptr_t end)
{
    uintptr_t at = start;
    bool moved = true;

    while (at < end && moved) {
        moved = false;
        for (size_t h = 0; h < vm.n; h++) {
            if (at >= vm.h[h].start && at < vm.h[h].end) {
                at = vm.h[h].end;
                moved = true;
            }
        }
    }
    return at >= end;
}

/*
 * Everything below 4 GiB lies in the reserved areas, and whatever is not
 * PROT_NONE there lies in a range the harness handed out (ever: a released
 * range keeps lowmap's placeholder until reused).
 */
static void check_low_maps(void)
{
    static struct it_vma v[4096];
    size_t n = it_maps(IT_4G, v, 4096);

    cr_assert_leq(n, 4096);
    for (size_t i = 0; i < n; i++) {
        bool in_area = false;
        for (size_t a = 0; a < N_AREAS; a++)
            in_area |= v[i].start >= areas[a].start &&
                       v[i].end <= areas[a].end;
        cr_expect(in_area, "%#lx-%#lx (%s) is mapped below 4 GiB outside "
                  "the harness's reservations",
                  (unsigned long)v[i].start, (unsigned long)v[i].end,
                  v[i].name);
        cr_expect(v[i].prot == PROT_NONE || handed_out(v[i].start, v[i].end),
                  "%#lx-%#lx prot %d was never handed out",
                  (unsigned long)v[i].start, (unsigned long)v[i].end,
                  v[i].prot);
    }
}

static size_t live_bytes(bool donated)
{
    size_t sum = 0;
    for (size_t i = 0; i < vm.n; i++)
        if (vm.h[i].live && vm.h[i].donated == donated)
            sum += vm.h[i].end - vm.h[i].start;
    return sum;
}

Test(wine, callbacks_serve_every_map)
{
    reserve_areas();
    install_callbacks();
    gt_setup();

    unsigned n = it_gl_workload(in_live_handout);
    cr_assert_gt(n, 0);
    cr_assert_gt(vm.reserves, 0, "lowmap never asked the harness");
    cr_assert_eq(vm.bad_calls, 0);

    struct lowmap_caps caps = {.size = sizeof(caps)};
    cr_assert_eq(lowmap_probe(&caps), 0);
    cr_assert_eq(caps.arena_source, 1, "arena source %d, want callbacks",
                 caps.arena_source);
    struct lowmap_stats st = gt_stats();
    cr_assert_eq(st.arena_bytes, live_bytes(false),
                 "lowmap holds %llu bytes, the harness handed out %zu",
                 (unsigned long long)st.arena_bytes, live_bytes(false));
    check_low_maps();
    cr_assert_eq(vm.bad_calls, 0);
}

static uintptr_t big_start;

static bool big_released(void)
{
    for (size_t i = 0; i < vm.n; i++)
        if (vm.h[i].start == big_start)
            return !vm.h[i].live;
    return false;
}

Test(wine, idle_chunks_go_back)
{
    const size_t big = (size_t)96 << 20;

    reserve_areas();
    install_callbacks();
    gt_setup();
    it_gl_workload(in_live_handout);
    int reserves = vm.reserves;

    /* Larger than any chunk so far: the harness hands out a new one. */
    GLuint buf = 0;
    glGenBuffers(1, &buf);
    glBindBuffer(GL_ARRAY_BUFFER, buf);
    glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)big, NULL, GL_DYNAMIC_DRAW);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 0, (GLsizeiptr)big,
                                  GL_MAP_WRITE_BIT |
                                      GL_MAP_INVALIDATE_BUFFER_BIT);
    cr_assert_not_null(p);
    in_live_handout(p, big);
    cr_assert_gt(vm.reserves, reserves, "no new reservation for %zu bytes",
                 big);
    for (size_t i = 0; i < vm.n; i++)
        if (vm.h[i].live && (uintptr_t)p >= vm.h[i].start &&
            (uintptr_t)p < vm.h[i].end)
            big_start = vm.h[i].start;
    p[0] = 0x11;
    p[big - 1] = 0x22;
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    uint8_t got[2] = {0};
    glGetBufferSubData(GL_ARRAY_BUFFER, 0, 1, &got[0]);
    glGetBufferSubData(GL_ARRAY_BUFFER, (GLintptr)big - 1, 1, &got[1]);
    cr_assert(got[0] == 0x11 && got[1] == 0x22, "GL saw %#x %#x", got[0],
              got[1]);
    glDeleteBuffers(1, &buf);

    /* Once its slot leaves quarantine the chunk is idle and goes back,
     * because another one remains. */
    int took = it_churn_until(big_released, 1000);
    cr_assert_geq(took, 0, "the idle chunk at %#lx never came back",
                  (unsigned long)big_start);
    cr_assert_gt(vm.releases, 0);
    cr_assert_eq(vm.bad_calls, 0, "release of a range never handed out");
    cr_assert_gt(live_bytes(false), 0, "lowmap keeps one chunk for reuse");
    struct lowmap_stats st = gt_stats();
    cr_assert_eq(st.arena_bytes, live_bytes(false));
    check_low_maps();
}

/* ---- GL_MESA_map_buffer_client_pointer ------------------------------ */

static PFNGLADDCLIENTPOINTERRANGEMESAPROC add_range;
static PFNGLRELEASECLIENTPOINTERRANGEMESAPROC release_range;

/* Committed, readable and writable memory, as MEM_COMMIT gives. */
static char *commit(size_t size)
{
    uintptr_t a = carve(size, 64 * 1024, LOWMAP_LIMIT_2G);
    cr_assert_neq(a, 0, "reserved areas full");
    void *p = mmap((void *)a, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    cr_assert_eq(p, (void *)a);
    cr_assert_not_null(record(a, size, true));
    return p;
}

static void in_donated(const void *p, size_t len)
{
    uintptr_t s = (uintptr_t)p, e = s + len;
    for (size_t i = 0; i < vm.n; i++)
        if (vm.h[i].donated && s >= vm.h[i].start && e <= vm.h[i].end)
            return;
    cr_assert_fail("%p+%#zx lies outside the donated ranges", p, len);
}

/* Takes back donated ranges; returns how many came back. */
static int take_back(GLbitfield flags)
{
    int got = 0;
    for (;;) {
        GLsizeiptr size = -1;
        char *r = release_range(flags, &size);
        cr_assert_eq(glGetError(), GL_NO_ERROR);
        if (!r) {
            cr_assert_eq(size, 0);
            return got;
        }
        struct handout *h = NULL;
        for (size_t i = 0; i < vm.n; i++)
            if (vm.h[i].donated && vm.h[i].live &&
                vm.h[i].start == (uintptr_t)r)
                h = &vm.h[i];
        cr_assert_not_null(h, "%p was never donated, or came back twice",
                           (void *)r);
        cr_assert_eq((uintptr_t)size, h->end - h->start);
        cr_assert_eq(it_prot_of(h->start, h->end), PROT_READ | PROT_WRITE,
                     "a returned range is not readable and writable");
        memset(r, 0x5a, (size_t)size);
        h->live = false;
        got++;
        if (!(flags & GL_CLIENT_POINTER_RELEASE_ALL_MESA))
            return got;
    }
}

Test(wine, donated_ranges_serve_every_map)
{
    reserve_areas();
    gt_setup();
    cr_assert(gt_has_ext("GL_MESA_map_buffer_client_pointer"));
    add_range = (PFNGLADDCLIENTPOINTERRANGEMESAPROC)gt_proc(
        "glAddClientPointerRangeMESA");
    release_range = (PFNGLRELEASECLIENTPOINTERRANGEMESAPROC)gt_proc(
        "glReleaseClientPointerRangeMESA");

    char *small = commit(1u << 20), *large = commit(16u << 20);
    add_range(small, 1 << 20);
    add_range(large, 16 << 20);
    cr_assert_eq(glGetError(), GL_NO_ERROR);

    /* With ranges donated every map lands in them, with the client
     * pointer bit or without. */
    cr_assert_gt(it_gl_workload(in_donated), 0);
    GLuint buf = gt_buffer(5 * PAGE, 3);
    uint8_t *p = glMapBufferRange(GL_ARRAY_BUFFER, 10, 4 * PAGE,
                                  GL_MAP_READ_BIT | GL_MAP_WRITE_BIT |
                                      GL_MAP_CLIENT_POINTER_BIT_MESA);
    cr_assert_not_null(p, "GL error 0x%x", glGetError());
    in_donated(p, 4 * PAGE);
    cr_assert(gt_check(p, 4 * PAGE, 3, 10));
    gt_fill(p, 4 * PAGE, 4, 10);

    /* The range holding the live map never comes back; the other may. */
    take_back(GL_CLIENT_POINTER_RELEASE_ALL_MESA);
    bool still_small = false, still_large = false;
    for (size_t i = 0; i < vm.n; i++) {
        if (vm.h[i].donated && vm.h[i].start == (uintptr_t)small)
            still_small = vm.h[i].live;
        if (vm.h[i].donated && vm.h[i].start == (uintptr_t)large)
            still_large = vm.h[i].live;
    }
    cr_assert((still_small && (char *)p >= small &&
               (char *)p < small + (1 << 20)) ||
                  (still_large && (char *)p >= large &&
                   (char *)p < large + (16 << 20)),
              "the range holding the live map came back");
    cr_assert(glUnmapBuffer(GL_ARRAY_BUFFER));
    cr_assert(gt_copy_holds(buf, 10, 4 * PAGE, 4, 10));
    glDeleteBuffers(1, &buf);
    glFinish();

    /* Without RELEASE_ALL lowmap may hold ranges back (quarantine); with
     * it every range comes back, each once. */
    take_back(0);
    take_back(GL_CLIENT_POINTER_RELEASE_ALL_MESA);
    cr_assert_eq(live_bytes(true), 0, "%zu donated bytes never came back",
                 live_bytes(true));
    cr_assert_eq(gt_stats().arena_bytes, 0);
    check_low_maps();
}
