/*
 * Kernel feature probes agree with the running kernel and with themselves.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform.h"
#include "util.h"

Test(features, procmap_query)
{
    bool have = plat_have_procmap_query();

    cr_expect_eq(plat_have_procmap_query(), have, "cached answer changed");
    if (!kernel_at_least(6, 11))
        cr_skip_test("kernel older than 6.11");
    cr_expect(have, "6.11+ kernel, but PROCMAP_QUERY probe failed");
}

Test(features, pagemap_scan)
{
    bool have = plat_have_pagemap_scan();

    cr_expect_eq(plat_have_pagemap_scan(), have);
    if (!kernel_at_least(6, 7))
        cr_skip_test("kernel older than 6.7");
    cr_expect(have);
}

Test(features, populate)
{
    bool have = plat_have_populate();

    cr_expect_eq(plat_have_populate(), have);
    if (!kernel_at_least(5, 14))
        cr_skip_test("kernel older than 5.14");
    cr_expect(have);
}

Test(features, uffd_wp_async)
{
    bool have = plat_have_uffd_wp_async();
    int fd;

    cr_expect_eq(plat_have_uffd_wp_async(), have);
    if (!kernel_at_least(6, 7))
        cr_skip_test("kernel older than 6.7");
    /* Only assert where a userfaultfd can be had at all (config, sysctl,
     * seccomp may forbid it). */
    fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* USER_MODE_ONLY */);
    if (fd < 0)
        cr_skip_test("no userfaultfd here: %s", strerror(errno));
    close(fd);
    cr_expect(have);
}
