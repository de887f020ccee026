/*
 * plat_vma_query() and plat_find_hole() on both backends.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maps.h"
#include "platform.h"
#include "util.h"

struct vma_case {
    enum mapping_kind kind;
    enum plat_vma_backend backend;
};

static void use_backend(enum plat_vma_backend backend)
{
    if (backend == PLAT_VMA_PROCMAP_QUERY && !plat_have_procmap_query())
        cr_skip_test("kernel lacks PROCMAP_QUERY");
    cr_assert_eq(plat_vma_set_backend(backend), 0);
    cr_assert_eq(plat_vma_backend(), backend);
}

static const char *backend_name(enum plat_vma_backend b)
{
    return b == PLAT_VMA_PROCMAP_QUERY ? "procmap_query" : "maps";
}

ParameterizedTestParameters(vma, describes_mapping)
{
    static struct vma_case cases[KIND_COUNT * 2];
    for (int k = 0; k < KIND_COUNT; k++) {
        cases[2 * k] = (struct vma_case){ k, PLAT_VMA_PROCMAP_QUERY };
        cases[2 * k + 1] = (struct vma_case){ k, PLAT_VMA_MAPS };
    }
    return cr_make_param_array(struct vma_case, cases,
                               sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct vma_case *c, vma, describes_mapping)
{
    struct plat_vma v;
    struct mapping m;

    use_backend(c->backend);
    if (!mapping_make(c->kind, &m))
        cr_skip_test("%s unavailable here", kind_name(c->kind));

    /* Ask about an address inside, not the start. */
    cr_assert_eq(plat_vma_query((uintptr_t)m.base + pg() + 5, &v), 0);
    cr_expect_eq(v.start, m.expect.start, "%s/%s start",
                 kind_name(c->kind), backend_name(c->backend));
    cr_expect_eq(v.end, m.expect.end);
    cr_expect_eq(v.offset, m.expect.offset, "%s/%s offset %#llx",
                 kind_name(c->kind), backend_name(c->backend),
                 (unsigned long long)v.offset);
    cr_expect_eq(v.prot, m.expect.prot);
    cr_expect_eq(v.shared, m.expect.shared);
    cr_expect_eq(v.backing, m.expect.backing, "%s/%s backing %d",
                 kind_name(c->kind), backend_name(c->backend), v.backing);
    if (c->kind == KIND_SHARED_ANON) {
        cr_expect_neq(v.ino, 0, "shared anonymous memory is a shmem inode");
    } else {
        cr_expect_eq(v.ino, m.expect.ino);
        cr_expect_eq(v.dev, m.expect.dev);
    }
    mapping_free(&m);
}

/* Both backends give the same answer for the same VMA, for every kind of
 * mapping and for everything else this process has mapped. */
Test(vma, backends_agree)
{
    struct mapping maps[KIND_COUNT];
    char name[PATH_MAX], line[PATH_MAX + 128];
    int compared = 0;
    FILE *f;

    if (!plat_have_procmap_query())
        cr_skip_test("kernel lacks PROCMAP_QUERY");
    for (int k = 0; k < KIND_COUNT; k++)
        if (!mapping_make(k, &maps[k]))
            maps[k].base = NULL;

    f = fopen("/proc/self/maps", "re");
    cr_assert(f);
    while (fgets(line, sizeof(line), f)) {
        struct plat_vma line_vma, a, b;
        cr_assert_eq(plat_maps_parse_line(line, &line_vma, name,
                                          sizeof(name)), 0, "%s", line);
        /* The stack may grow between reads; vsyscall is not a VMA. */
        if (!strcmp(name, "[stack]") || !strcmp(name, "[vsyscall]"))
            continue;
        cr_assert_eq(plat_vma_set_backend(PLAT_VMA_PROCMAP_QUERY), 0);
        cr_assert_eq(plat_vma_query(line_vma.start, &a), 0, "%s", line);
        cr_assert_eq(plat_vma_set_backend(PLAT_VMA_MAPS), 0);
        cr_assert_eq(plat_vma_query(line_vma.start, &b), 0, "%s", line);
        cr_expect(!memcmp(&a, &b, sizeof(a)), "backends differ on %s", line);
        compared++;
    }
    fclose(f);
    cr_expect_gt(compared, KIND_COUNT);
    for (int k = 0; k < KIND_COUNT; k++)
        if (maps[k].base)
            mapping_free(&maps[k]);
}

ParameterizedTestParameters(vma, unmapped_is_enoent)
{
    static enum plat_vma_backend b[] = { PLAT_VMA_PROCMAP_QUERY,
                                         PLAT_VMA_MAPS };
    return cr_make_param_array(enum plat_vma_backend, b, 2);
}

ParameterizedTest(enum plat_vma_backend *b, vma, unmapped_is_enoent)
{
    struct plat_vma v;
    uintptr_t slot = slot_new(3 * pg());

    use_backend(*b);
    /* A hole between two mappings. */
    cr_assert_eq(munmap((void *)(slot + pg()), pg()), 0);
    cr_expect_eq(plat_vma_query(slot + pg(), &v), -ENOENT);
    cr_expect_eq(plat_vma_query(0, &v), -ENOENT);
    cr_expect_eq(plat_vma_query(slot, &v), 0);
    cr_expect_eq(v.end, slot + pg());
    cr_expect_eq(v.prot, PLAT_PROT_NONE);
}

/* maps lists the vsyscall page, but it is no VMA of the process (mmap
 * and PROCMAP_QUERY do not see it): both backends say so. */
ParameterizedTestParameters(vma, vsyscall_is_not_a_vma)
{
    static enum plat_vma_backend b[] = { PLAT_VMA_PROCMAP_QUERY,
                                         PLAT_VMA_MAPS };
    return cr_make_param_array(enum plat_vma_backend, b, 2);
}

ParameterizedTest(enum plat_vma_backend *b, vma, vsyscall_is_not_a_vma)
{
    struct plat_vma v;

    use_backend(*b);
    cr_expect_eq(plat_vma_query((uintptr_t)0xffffffffff600000ull, &v),
                 -ENOENT);
}

/* A shared file on a tmpfs that is not /dev/shm is told apart by its
 * device, not its name: mount one in a private mount namespace. */
ParameterizedTestParameters(vma, tmpfs_file_is_shmem)
{
    static enum plat_vma_backend b[] = { PLAT_VMA_PROCMAP_QUERY,
                                         PLAT_VMA_MAPS };
    return cr_make_param_array(enum plat_vma_backend, b, 2);
}

ParameterizedTest(enum plat_vma_backend *b, vma, tmpfs_file_is_shmem)
{
    char dir[] = "/tmp/lowmap-mnt-XXXXXX", path[64];
    struct plat_vma v;
    void *p;
    int fd;

    use_backend(*b);
    cr_assert(mkdtemp(dir));
    if (unshare(CLONE_NEWNS) != 0 &&
        unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        rmdir(dir);
        cr_skip_test("no private mount namespace: %s", strerror(errno));
    }
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("lowmap-test", dir, "tmpfs", 0, "size=1m") != 0) {
        rmdir(dir);
        cr_skip_test("cannot mount a tmpfs: %s", strerror(errno));
    }
    snprintf(path, sizeof(path), "%s/file", dir);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, (off_t)pg()), 0);
    p = mmap(NULL, pg(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    cr_assert(p != MAP_FAILED);
    cr_assert_eq(plat_vma_query((uintptr_t)p, &v), 0);
    cr_expect_eq(v.backing, PLAT_BACKING_SHMEM, "backing %d", v.backing);
    munmap(p, pg());
    close(fd);
    umount2(dir, MNT_DETACH);
    rmdir(dir);
}

Test(vma, set_backend)
{
    cr_expect_eq(plat_vma_set_backend((enum plat_vma_backend)42), -EINVAL);
    cr_expect_eq(plat_vma_set_backend(PLAT_VMA_MAPS), 0);
    cr_expect_eq(plat_vma_backend(), PLAT_VMA_MAPS);
    cr_expect_eq(plat_vma_set_backend(PLAT_VMA_PROCMAP_QUERY),
                 plat_have_procmap_query() ? 0 : -ENOTSUP);
    cr_expect_eq(plat_vma_set_backend(PLAT_VMA_AUTO), 0);
    cr_expect_eq(plat_vma_backend(), plat_have_procmap_query()
                                         ? PLAT_VMA_PROCMAP_QUERY
                                         : PLAT_VMA_MAPS);
}

/* An fd of /proc/self/maps describes the process that opened it: a forked
 * child must not get the parent's answers. */
Test(vma, fork_child_sees_its_own_mappings)
{
    uintptr_t slot = slot_new(pg());
    struct plat_vma v;
    int status;
    pid_t pid;

    use_backend(PLAT_VMA_PROCMAP_QUERY);
    cr_assert_eq(plat_vma_query(slot, &v), 0); /* opens the fd */
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        if (munmap((void *)slot, pg()) != 0)
            _exit(2);
        _exit(plat_vma_query(slot, &v) == -ENOENT ? 0 : 1);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child saw the parent's mapping (status %#x)", status);
    cr_expect_eq(plat_vma_query(slot, &v), 0);
}

struct hammer {
    uintptr_t base;
    enum plat_vma_backend backend;
    int bad;
};

static void *hammer_thread(void *arg)
{
    struct hammer *h = arg;
    int rounds = h->backend == PLAT_VMA_MAPS ? 50 : 5000;

    for (int i = 0; i < rounds; i++) {
        struct plat_vma v;
        if (plat_vma_query(h->base + (size_t)(i % 4) * pg(), &v) != 0 ||
            v.start != h->base || v.end != h->base + 4 * pg())
            h->bad++;
    }
    return NULL;
}

ParameterizedTestParameters(vma, threads)
{
    static enum plat_vma_backend b[] = { PLAT_VMA_PROCMAP_QUERY,
                                         PLAT_VMA_MAPS };
    return cr_make_param_array(enum plat_vma_backend, b, 2);
}

ParameterizedTest(enum plat_vma_backend *b, vma, threads)
{
    pthread_t t[8];
    struct hammer h[8];
    struct mapping m;

    use_backend(*b);
    cr_assert(mapping_make(KIND_MEMFD_OFFSET, &m));
    for (int i = 0; i < 8; i++) {
        h[i] = (struct hammer){ (uintptr_t)m.base, *b, 0 };
        cr_assert_eq(pthread_create(&t[i], NULL, hammer_thread, &h[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        cr_expect_eq(h[i].bad, 0, "thread %d: %d wrong answers", i, h[i].bad);
    }
    mapping_free(&m);
}

/* ---- holes ------------------------------------------------------------ */

ParameterizedTestParameters(hole, is_free_and_below_hi)
{
    static enum plat_vma_backend b[] = { PLAT_VMA_PROCMAP_QUERY,
                                         PLAT_VMA_MAPS };
    return cr_make_param_array(enum plat_vma_backend, b, 2);
}

ParameterizedTest(enum plat_vma_backend *b, hole, is_free_and_below_hi)
{
    const uintptr_t lo = 0x10000000, hi = 0x80000000;
    const size_t size = 1 << 20, align = 1 << 16;
    struct plat_vma v;
    uintptr_t addr;

    use_backend(*b);
    cr_assert_eq(plat_find_hole(size, align, lo, hi, &addr), 0);
    cr_expect_geq(addr, lo);
    cr_expect_leq(addr + size, hi);
    cr_expect_eq(addr & (align - 1), 0);
    cr_assert_eq(plat_reserve(addr, size), 0, "hole %#lx is not free",
                 (unsigned long)addr);
    cr_assert_eq(plat_vma_query(addr, &v), 0);
    cr_expect_eq(v.prot, PLAT_PROT_NONE);
    /* Top-down: the next search lands below the reservation. */
    uintptr_t next;
    cr_assert_eq(plat_find_hole(size, align, lo, hi, &next), 0);
    cr_expect(next + size <= addr || next >= addr + size);
    cr_expect_eq(plat_unmap(addr, size), 0);
}

ParameterizedTestParameters(hole, exact_gap)
{
    static enum plat_vma_backend b[] = { PLAT_VMA_PROCMAP_QUERY,
                                         PLAT_VMA_MAPS };
    return cr_make_param_array(enum plat_vma_backend, b, 2);
}

/* A window with three-page gaps at pages 10 and 40: a two-page hole must
 * come from the top of the upper gap, a four-page one cannot fit. */
ParameterizedTest(enum plat_vma_backend *b, hole, exact_gap)
{
    const size_t p = pg();
    uintptr_t base = slot_new(64 * p), addr = 0;

    use_backend(*b);
    cr_assert_eq(munmap((void *)(base + 10 * p), 3 * p), 0);
    cr_assert_eq(munmap((void *)(base + 40 * p), 3 * p), 0);
    cr_expect_eq(plat_find_hole(2 * p, p, base, base + 64 * p, &addr), 0);
    cr_expect_eq(addr, base + 41 * p);
    cr_expect_eq(plat_find_hole(2 * p, p, base, base + 40 * p, &addr), 0);
    cr_expect_eq(addr, base + 11 * p);
    cr_assert_eq(plat_reserve(base + 40 * p, 3 * p), 0);
    cr_expect_eq(plat_find_hole(4 * p, p, base, base + 64 * p, &addr),
                 -ENOMEM);
    /* With a coarse alignment only an aligned start inside the gap fits;
     * most often there is none. */
    {
        uintptr_t want = 0;
        int r;
        for (size_t k = 10; k <= 12; k++)
            if (((base + k * p) & (64 * p - 1)) == 0)
                want = base + k * p;
        r = plat_find_hole(p, 64 * p, base, base + 64 * p, &addr);
        cr_expect_eq(r, want ? 0 : -ENOMEM);
        if (want)
            cr_expect_eq(addr, want);
    }
    /* The window's top edge counts: nothing above hi is used. */
    cr_expect_eq(plat_find_hole(p, p, base, base + 12 * p, &addr), 0);
    cr_expect_eq(addr, base + 11 * p);
}

Test(hole, never_below_mmap_min_addr)
{
    uintptr_t addr;
    int r = plat_find_hole(pg(), pg(), 0, 1 << 24, &addr);

    if (r == -ENOMEM)
        cr_skip_test("low 16 MiB fully mapped");
    cr_assert_eq(r, 0);
    cr_expect_neq(addr, 0);
    cr_expect_geq(addr, pg());
    cr_expect_eq(plat_reserve(addr, pg()), 0);
}

Test(hole, bad_arguments)
{
    uintptr_t addr;
    cr_expect_eq(plat_find_hole(0, 0, 0, 1u << 31, &addr), -EINVAL);
    cr_expect_eq(plat_find_hole(pg(), 3 * pg(), 0, 1u << 31, &addr), -EINVAL);
    cr_expect_eq(plat_find_hole(pg(), pg(), 1u << 30, 1u << 30, &addr),
                 -ENOMEM);
    cr_expect_eq(plat_find_hole(4 * pg(), pg(), 1u << 30,
                                (1u << 30) + 2 * pg(), &addr), -ENOMEM);
}
