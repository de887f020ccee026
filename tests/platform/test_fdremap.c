/*
 * plat_fd_remap(): the same file mapped again, low, through an fd we hold.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform.h"
#include "util.h"

/* dst now holds a PROT_NONE placeholder covering [dst, dst+len). */
static void expect_placeholder(uintptr_t dst, size_t len)
{
    struct plat_vma v;
    cr_assert_eq(plat_vma_query(dst, &v), 0);
    cr_expect_eq(v.prot, PLAT_PROT_NONE);
    cr_expect(!v.shared);
    cr_expect_eq(v.ino, 0);
    cr_expect(v.start <= dst && v.end >= dst + len);
}

static void expect_coherent(volatile uint8_t *host, volatile uint8_t *low,
                            size_t len)
{
    for (size_t off = 0; off < len; off += pg())
        cr_expect_eq(low[off], host[off], "page %zu", off / pg());
    low[len - 1] = 0x77;
    cr_expect_eq(host[len - 1], 0x77, "low write reaches the host");
    host[0] = 0x88;
    cr_expect_eq(low[0], 0x88, "host write reaches low");
}

ParameterizedTestParameters(fdremap, coherent)
{
    static enum mapping_kind kinds[] = { KIND_MEMFD_OFFSET, KIND_FILE_SHARED,
                                         KIND_DEVSHM_SHARED };
    return cr_make_param_array(enum mapping_kind, kinds,
                               sizeof(kinds) / sizeof(kinds[0]));
}

ParameterizedTest(enum mapping_kind *kind, fdremap, coherent)
{
    struct plat_vma vma, low_vma;
    struct mapping m;
    uintptr_t dst = slot_new(4 * pg());

    if (!mapping_make(*kind, &m))
        cr_skip_test("%s unavailable here", kind_name(*kind));
    for (size_t i = 0; i < 4; i++)
        m.base[i * pg()] = (uint8_t)(0x30 + i);
    /* Query by an address inside: the alias still starts at the VMA. */
    cr_assert_eq(plat_vma_query((uintptr_t)m.base + 2 * pg(), &vma), 0);

    cr_assert_eq(plat_fd_remap(&vma, m.len, dst,
                               PLAT_PROT_READ | PLAT_PROT_WRITE), 0);
    expect_coherent(m.base, (volatile uint8_t *)dst, m.len);
    cr_assert_eq(plat_vma_query(dst, &low_vma), 0);
    cr_expect_eq(low_vma.offset, vma.offset);
    cr_expect_eq(low_vma.ino, vma.ino);
    cr_expect_eq(low_vma.dev, vma.dev);

    /* Again, now through the remembered fd, for the first half only. */
    cr_assert_eq(plat_placeholder(dst, m.len), 0);
    cr_assert_eq(plat_fd_remap(&vma, 2 * pg(), dst, PLAT_PROT_READ), 0);
    cr_assert_eq(plat_vma_query(dst, &low_vma), 0);
    cr_expect_eq(low_vma.end, dst + 2 * pg());
    cr_expect_eq(low_vma.prot, PLAT_PROT_READ);
    cr_expect_eq(((volatile uint8_t *)dst)[pg()], 0x31);
    expect_placeholder(dst + 2 * pg(), 2 * pg());
    mapping_free(&m);
    plat_unmap(dst, 4 * pg());
}

/* An O_RDONLY fd opened first cannot back a writable mapping; a later
 * O_RDWR fd on the same file can. */
Test(fdremap, skips_read_only_fd)
{
    char path[] = "/tmp/lowmap-test-XXXXXX";
    uintptr_t dst = slot_new(2 * pg());
    struct plat_vma vma;
    int tmp, ro, rw;
    uint8_t *host;

    tmp = mkostemp(path, O_CLOEXEC);
    cr_assert_geq(tmp, 0);
    cr_assert_eq(ftruncate(tmp, (off_t)(2 * pg())), 0);
    close(tmp);
    ro = open(path, O_RDONLY | O_CLOEXEC);
    rw = open(path, O_RDWR | O_CLOEXEC);
    unlink(path);
    cr_assert(ro >= 0 && rw >= 0 && ro < rw);

    host = mmap(NULL, 2 * pg(), PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
    cr_assert(host != MAP_FAILED);
    cr_assert_eq(plat_vma_query((uintptr_t)host, &vma), 0);
    cr_expect(strstr(path, "lowmap-test") != NULL);
    cr_assert_eq(plat_fd_remap(&vma, 2 * pg(), dst,
                               PLAT_PROT_READ | PLAT_PROT_WRITE), 0);
    expect_coherent(host, (volatile uint8_t *)dst, 2 * pg());

    /* Read-only views work through either fd, even with rw closed. */
    munmap(host, 2 * pg());
    close(rw);
    cr_assert_eq(plat_placeholder(dst, 2 * pg()), 0);
    cr_assert_eq(plat_fd_remap(&vma, 2 * pg(), dst, PLAT_PROT_READ), 0);
    cr_expect_eq(((volatile uint8_t *)dst)[0], 0x88);
    /* ...but nothing writable is left: the slot stays a placeholder. */
    cr_assert_eq(plat_placeholder(dst, 2 * pg()), 0);
    cr_expect_eq(plat_fd_remap(&vma, 2 * pg(), dst,
                               PLAT_PROT_READ | PLAT_PROT_WRITE), -ENOENT);
    expect_placeholder(dst, 2 * pg());
    close(ro);
}

/* Every candidate fails in mmap itself (a write seal): the slot ends as a
 * placeholder and the kernel's error comes back. */
Test(fdremap, failed_mmap_leaves_placeholder)
{
    uintptr_t dst = slot_new(2 * pg());
    struct plat_vma vma;
    uint8_t *host;
    int fd, fd2;

    fd = memfd_create("lowmap-sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, (off_t)(2 * pg())), 0);
    fd2 = dup(fd); /* two candidates, both refused */
    cr_assert_geq(fd2, 0);
    host = mmap(NULL, 2 * pg(), PROT_READ, MAP_SHARED, fd, 0);
    cr_assert(host != MAP_FAILED);
    cr_assert_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
    cr_assert_eq(plat_vma_query((uintptr_t)host, &vma), 0);

    cr_expect_eq(plat_fd_remap(&vma, 2 * pg(), dst,
                               PLAT_PROT_READ | PLAT_PROT_WRITE), -EPERM);
    expect_placeholder(dst, 2 * pg());
    /* Read-only still works. */
    cr_expect_eq(plat_fd_remap(&vma, 2 * pg(), dst, PLAT_PROT_READ), 0);
    munmap(host, 2 * pg());
    close(fd);
    close(fd2);
}

Test(fdremap, shared_anon_has_no_fd)
{
    uintptr_t dst = slot_new(4 * pg());
    struct plat_vma vma;
    struct mapping m;

    cr_assert(mapping_make(KIND_SHARED_ANON, &m));
    cr_assert_eq(plat_vma_query((uintptr_t)m.base, &vma), 0);
    cr_expect_eq(plat_fd_remap(&vma, m.len, dst,
                               PLAT_PROT_READ | PLAT_PROT_WRITE), -ENOENT);
    expect_placeholder(dst, 4 * pg());
    mapping_free(&m);
}

Test(fdremap, closed_fd_is_enoent)
{
    uintptr_t dst = slot_new(4 * pg());
    struct plat_vma vma;
    struct mapping m;

    cr_assert(mapping_make(KIND_MEMFD_OFFSET, &m));
    cr_assert_eq(plat_vma_query((uintptr_t)m.base, &vma), 0);
    /* Remember the fd, then close it: the hint must not be trusted. */
    cr_assert_eq(plat_fd_remap(&vma, pg(), dst, PLAT_PROT_READ), 0);
    cr_assert_eq(plat_placeholder(dst, pg()), 0);
    close(m.fd);
    m.fd = -1;
    cr_expect_eq(plat_fd_remap(&vma, m.len, dst,
                               PLAT_PROT_READ | PLAT_PROT_WRITE), -ENOENT);
    expect_placeholder(dst, 4 * pg());
    mapping_free(&m);
}

/* The remembered fd number now names another file: it must be re-checked,
 * not used. */
Test(fdremap, reused_fd_number_is_not_trusted)
{
    uintptr_t dst = slot_new(4 * pg());
    struct plat_vma a_vma, low;
    struct mapping a, b;
    int num;

    cr_assert(mapping_make(KIND_MEMFD_OFFSET, &a));
    cr_assert(mapping_make(KIND_MEMFD_OFFSET, &b));
    cr_assert_eq(plat_vma_query((uintptr_t)a.base, &a_vma), 0);
    cr_assert_eq(plat_fd_remap(&a_vma, pg(), dst, PLAT_PROT_READ), 0);
    /* Move a's fd to another number and put b's file at the old one. */
    num = a.fd;
    a.fd = dup(num);
    cr_assert_geq(a.fd, 0);
    cr_assert_eq(dup2(b.fd, num), num);
    cr_assert_eq(plat_placeholder(dst, pg()), 0);
    cr_assert_eq(plat_fd_remap(&a_vma, pg(), dst, PLAT_PROT_READ), 0);
    cr_assert_eq(plat_vma_query(dst, &low), 0);
    cr_expect_eq(low.ino, a_vma.ino);
    close(num);
    mapping_free(&a);
    mapping_free(&b);
}

Test(fdremap, bad_arguments)
{
    struct plat_vma vma = { .start = 0x10000, .end = 0x12000, .ino = 5,
                            .shared = true };
    uintptr_t dst = slot_new(4 * pg());

    cr_expect_eq(plat_fd_remap(NULL, pg(), dst, PLAT_PROT_READ), -EINVAL);
    cr_expect_eq(plat_fd_remap(&vma, 0, dst, PLAT_PROT_READ), -EINVAL);
    cr_expect_eq(plat_fd_remap(&vma, 3 * pg(), dst, PLAT_PROT_READ), -EINVAL);
    cr_expect_eq(plat_fd_remap(&vma, pg(), dst + 1, PLAT_PROT_READ), -EINVAL);
    cr_expect_eq(plat_fd_remap(&vma, pg(), dst, 4), -EINVAL);
    vma.ino = 0;
    cr_expect_eq(plat_fd_remap(&vma, pg(), dst, PLAT_PROT_READ), -ENOENT);
}
