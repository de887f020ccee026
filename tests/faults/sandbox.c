/*
 * Runs a command under a seccomp filter that denies what sandboxes deny,
 * one policy or several:
 *
 *   sandbox POLICY[,POLICY...] COMMAND [ARGS...]
 *
 *   uffd      userfaultfd (Docker's default profile)       -> EPERM
 *   memfd     memfd_create                                 -> EPERM
 *   mremap    mremap                                       -> EPERM
 *   procmap   the PROCMAP_QUERY ioctl                      -> ENOTTY
 *   maps      procmap, and /proc hidden (a private mount namespace with
 *             an empty tmpfs over it), as in sandboxes without /proc
 *   membarrier  membarrier                                 -> EPERM
 *   all       all of the above
 *
 * Exits 77 (skip) where this machine cannot build the sandbox: no
 * seccomp, or no mount namespace for "maps".
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "uapi.h"

static bool has(const char *list, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
            return true;
    return false;
}

static int deny(scmp_filter_ctx f, int err, int nr, unsigned argc,
                const struct scmp_arg_cmp *arg)
{
    int r = seccomp_rule_add_array(f, SCMP_ACT_ERRNO(err), nr, argc, arg);
    if (r < 0)
        fprintf(stderr, "sandbox: rule for syscall %d: %s\n", nr,
                strerror(-r));
    return r;
}

int main(int argc, char **argv)
{
    const char *pol;
    bool all, procmap, maps;
    scmp_filter_ctx f;
    int r = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: %s POLICY[,POLICY...] COMMAND [ARGS...]\n",
                argv[0]);
        return 2;
    }
    pol = argv[1];
    all = has(pol, "all");
    maps = all || has(pol, "maps");
    procmap = maps || has(pol, "procmap");

    if (maps) {
        /* No /proc at all: an empty tmpfs hides it in a mount namespace of
         * our own. */
        if (unshare(CLONE_NEWNS) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("none", "/proc", "tmpfs", MS_RDONLY, "size=4k") < 0) {
            printf("SKIP: no private mount namespace here to hide /proc "
                   "(%s)\n", strerror(errno));
            return 77;
        }
    }
    if (!(f = seccomp_init(SCMP_ACT_ALLOW))) {
        printf("SKIP: libseccomp cannot build a filter here\n");
        return 77;
    }
    if (all || has(pol, "uffd"))
        r |= deny(f, EPERM, SCMP_SYS(userfaultfd), 0, NULL);
    if (all || has(pol, "memfd"))
        r |= deny(f, EPERM, SCMP_SYS(memfd_create), 0, NULL);
    if (all || has(pol, "mremap"))
        r |= deny(f, EPERM, SCMP_SYS(mremap), 0, NULL);
    if (all || has(pol, "membarrier"))
        r |= deny(f, EPERM, SCMP_SYS(membarrier), 0, NULL);
    if (procmap) {
        struct scmp_arg_cmp cmp = {.arg = 1, .op = SCMP_CMP_EQ,
                                   .datum_a = PROCMAP_QUERY};
        r |= deny(f, ENOTTY, SCMP_SYS(ioctl), 1, &cmp);
    }
    if (r < 0 || seccomp_load(f) < 0) {
        printf("SKIP: the kernel refuses a seccomp filter here\n");
        return 77;
    }
    seccomp_release(f);
    execvp(argv[2], argv + 2);
    fprintf(stderr, "sandbox: %s: %s\n", argv[2], strerror(errno));
    return 127;
}
