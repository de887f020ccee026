/*
 * Reservations, placeholders, anonymous and shared memory, mremap
 * duplication, populate, fork hooks.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform.h"
#include "util.h"

Test(mem, page_size)
{
    cr_expect_eq(plat_page_size(), (size_t)sysconf(_SC_PAGESIZE));
}

Test(mem, reserve_free_range)
{
    uintptr_t slot = slot_new(4 * pg());
    struct plat_vma v;

    cr_assert_eq(munmap((void *)slot, 4 * pg()), 0);
    cr_assert_eq(plat_reserve(slot, 4 * pg()), 0);
    cr_assert_eq(plat_vma_query(slot + 3 * pg(), &v), 0);
    cr_expect_eq(v.prot, PLAT_PROT_NONE);
    cr_expect(!v.shared);
    cr_expect_eq(v.ino, 0);
}

Test(mem, reserve_occupied_is_eexist)
{
    uint8_t *p = mmap(NULL, 4 * pg(), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(p != MAP_FAILED);
    memset(p, 0x5a, 4 * pg());

    cr_expect_eq(plat_reserve((uintptr_t)p, 4 * pg()), -EEXIST);
    cr_expect_eq(plat_reserve((uintptr_t)p + pg(), pg()), -EEXIST);
    /* Overlapping only the last page of a larger range. */
    cr_expect_eq(plat_reserve((uintptr_t)p - pg(), 2 * pg()), -EEXIST);
    for (size_t i = 0; i < 4 * pg(); i++)
        cr_assert_eq(p[i], 0x5a);
    p[0] = 1; /* still writable */
    munmap(p, 4 * pg());
}

/* After a failed call on a slot: our placeholder counts as restored, an
 * emptied slot gets one, another mapping there is left alone. */
Test(mem, slot_restore)
{
    uintptr_t slot = slot_new(4 * pg());
    struct plat_vma v;

    cr_assert_eq(plat_placeholder(slot, 4 * pg()), 0);
    cr_expect_eq(plat_slot_restore(slot, 4 * pg()), 0);

    cr_assert_eq(munmap((void *)slot, 4 * pg()), 0);
    cr_expect_eq(plat_slot_restore(slot, 4 * pg()), 0);
    cr_assert_eq(plat_vma_query(slot, &v), 0);
    cr_expect_eq(v.prot, PLAT_PROT_NONE);

    uint8_t *other = mmap((void *)slot, 4 * pg(), PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    cr_assert(other == (void *)slot);
    memset(other, 0x5a, 4 * pg());
    cr_expect_eq(plat_slot_restore(slot, 4 * pg()), -EEXIST);
    for (size_t i = 0; i < 4 * pg(); i++)
        cr_assert_eq(other[i], 0x5a);
}

Test(mem, bad_ranges)
{
    cr_expect_eq(plat_reserve(1, pg()), -EINVAL);
    cr_expect_eq(plat_reserve(pg(), 0), -EINVAL);
    cr_expect_eq(plat_reserve(pg(), 1), -EINVAL);
    cr_expect_eq(plat_placeholder(-pg(), 2 * pg()), -EINVAL);
    cr_expect_eq(plat_map_anon(pg(), pg(), 4 /* exec */), -EINVAL);
    cr_expect_eq(plat_mremap_dup(pg(), pg(), 3), -EINVAL);
}

Test(mem, placeholder_faults, .signal = SIGSEGV)
{
    uint8_t *p = mmap(NULL, pg(), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(p != MAP_FAILED);
    p[0] = 1;
    cr_assert_eq(plat_placeholder((uintptr_t)p, pg()), 0);
    *(volatile uint8_t *)p = 2;
}

Test(mem, reserved_faults, .signal = SIGSEGV)
{
    uintptr_t slot = slot_new(pg());
    cr_assert_eq(munmap((void *)slot, pg()), 0);
    cr_assert_eq(plat_reserve(slot, pg()), 0);
    (void)*(volatile uint8_t *)slot;
}

Test(mem, map_anon_is_zeroed)
{
    uint8_t *p = mmap(NULL, 2 * pg(), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct plat_vma v;

    cr_assert(p != MAP_FAILED);
    memset(p, 0xff, 2 * pg());
    cr_assert_eq(plat_map_anon((uintptr_t)p, 2 * pg(),
                               PLAT_PROT_READ | PLAT_PROT_WRITE), 0);
    for (size_t i = 0; i < 2 * pg(); i++)
        cr_assert_eq(p[i], 0);
    cr_assert_eq(plat_map_anon((uintptr_t)p, pg(), PLAT_PROT_READ), 0);
    cr_assert_eq(plat_vma_query((uintptr_t)p, &v), 0);
    cr_expect_eq(v.prot, PLAT_PROT_READ);
    cr_expect_eq(plat_unmap((uintptr_t)p, 2 * pg()), 0);
    cr_expect_eq(plat_vma_query((uintptr_t)p, &v), -ENOENT);
}

ParameterizedTestParameters(mremap, dup_is_coherent)
{
    static enum mapping_kind kinds[] = { KIND_SHARED_ANON, KIND_MEMFD_OFFSET,
                                         KIND_DEVSHM_SHARED };
    return cr_make_param_array(enum mapping_kind, kinds,
                               sizeof(kinds) / sizeof(kinds[0]));
}

ParameterizedTest(enum mapping_kind *kind, mremap, dup_is_coherent)
{
    struct mapping m;
    struct plat_vma v;
    uintptr_t dst = slot_new(4 * pg());
    volatile uint8_t *low = (volatile uint8_t *)dst;

    if (!mapping_make(*kind, &m))
        cr_skip_test("%s unavailable here", kind_name(*kind));
    for (size_t i = 0; i < 4; i++)
        m.base[i * pg()] = (uint8_t)(0x10 + i);

    int r = plat_mremap_dup((uintptr_t)m.base, m.len, dst);
    if (r != 0 && under_valgrind())
        cr_skip_test("valgrind cannot duplicate mappings with mremap");
    cr_assert_eq(r, 0, "%s: %d", kind_name(*kind), r);
    for (size_t i = 0; i < 4; i++)
        cr_expect_eq(low[i * pg()], 0x10 + i);
    low[pg() + 7] = 0xab;
    cr_expect_eq(m.base[pg() + 7], 0xab, "low write reaches the host");
    m.base[3 * pg() + 1] = 0xcd;
    cr_expect_eq(low[3 * pg() + 1], 0xcd, "host write reaches low");

    /* The duplicate is the same object at the same offset. */
    cr_assert_eq(plat_vma_query(dst, &v), 0);
    cr_expect_eq(v.offset, m.expect.offset);
    if (*kind != KIND_SHARED_ANON)
        cr_expect_eq(v.ino, m.expect.ino);
    cr_expect_eq(v.backing, PLAT_BACKING_SHMEM);
    mapping_free(&m);
    /* Still readable after the original is gone. */
    cr_expect_eq(low[pg() + 7], 0xab);
    plat_unmap(dst, 4 * pg());
}

ParameterizedTestParameters(mremap, private_is_einval)
{
    static enum mapping_kind kinds[] = { KIND_PRIVATE_ANON,
                                         KIND_FILE_PRIVATE };
    return cr_make_param_array(enum mapping_kind, kinds, 2);
}

ParameterizedTest(enum mapping_kind *kind, mremap, private_is_einval)
{
    struct mapping m;
    struct plat_vma v;
    uintptr_t dst = slot_new(4 * pg());

    cr_assert(mapping_make(*kind, &m));
    cr_expect_eq(plat_mremap_dup((uintptr_t)m.base, m.len, dst), -EINVAL);
    /* The source is untouched; the slot is either still ours or empty, and
     * plat_reserve() puts it back either way. */
    cr_assert_eq(plat_vma_query((uintptr_t)m.base, &v), 0);
    cr_expect_eq(v.start, (uintptr_t)m.base);
    int r = plat_reserve(dst, 4 * pg());
    cr_expect(r == 0 || r == -EEXIST);
    cr_assert_eq(plat_vma_query(dst, &v), 0);
    cr_expect_eq(v.prot, PLAT_PROT_NONE);
    mapping_free(&m);
}

Test(mem, shm_create_and_map)
{
    uintptr_t addr;
    struct stat st;
    struct plat_vma v;
    int fd = plat_shm_create(3 * pg());

    cr_assert_geq(fd, 0);
    cr_assert_eq(fstat(fd, &st), 0);
    cr_expect_eq(st.st_size, (off_t)(3 * pg()));
    cr_expect(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    cr_assert_eq(plat_map_shared(fd, 3 * pg(), &addr), 0);
    ((volatile uint8_t *)addr)[2 * pg()] = 9;
    cr_assert_eq(plat_vma_query(addr, &v), 0);
    cr_expect(v.shared);
    cr_expect_eq(v.backing, PLAT_BACKING_SHMEM);
    cr_expect_eq(v.ino, st.st_ino);
    plat_close(fd);
    cr_expect_eq(fcntl(fd, F_GETFD), -1, "fd closed");
    cr_expect_eq(((volatile uint8_t *)addr)[2 * pg()], 9);
    plat_unmap(addr, 3 * pg());
    cr_expect_eq(plat_map_shared(-1, pg(), &addr), -EINVAL);
}

Test(mem, populate_makes_resident)
{
    const size_t n = 64;
    unsigned char vec[64];
    void *p = mmap(NULL, n * pg(), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (!plat_have_populate())
        cr_skip_test("no MADV_POPULATE_WRITE");
    cr_assert(p != MAP_FAILED);
    cr_assert_eq(mincore(p, n * pg(), vec), 0);
    cr_expect_eq(vec[n / 2] & 1, 0, "fresh memory is not resident");
    plat_populate((uintptr_t)p, n * pg(), true);
    cr_assert_eq(mincore(p, n * pg(), vec), 0);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(vec[i] & 1, 1, "page %zu not populated", i);
    /* Best effort: a PROT_NONE range is not an error worth reporting. */
    cr_assert_eq(mprotect(p, pg(), PROT_NONE), 0);
    plat_populate((uintptr_t)p, pg(), true);
    munmap(p, n * pg());
}

static int atfork_calls;
static void on_prepare(void) { atfork_calls |= 1; }
static void on_parent(void) { atfork_calls |= 2; }
static void on_child(void) { atfork_calls |= 4; }

Test(mem, atfork_runs_handlers)
{
    int status;
    pid_t pid;

    cr_assert_eq(plat_atfork(on_prepare, on_parent, on_child), 0);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0)
        _exit(atfork_calls == 5 ? 0 : 1);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_expect_eq(atfork_calls, 3);
}
