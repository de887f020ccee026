/*
 * SPDX-License-Identifier: MIT
 */
#include "faultlib.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <fiu-control.h>
#include <fiu.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lowmap.h"

void fl_fail(const char *file, int line, const char *cond, const char *fmt,
             ...)
{
    va_list ap;

    fl_arm(false);
    fprintf(stderr, "FAIL %s:%d: %s: ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

void fl_seed(uint64_t seed)
{
    rng = seed * 0x9e3779b97f4a7c15u + 1;
    for (int i = 0; i < 8; i++)
        fl_rand();
}

uint64_t fl_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

size_t fl_below(size_t n)
{
    return n ? (size_t)(fl_rand() % n) : 0;
}

/* ---- fault decisions ----------------------------------------------------- */

static volatile bool armed;
static uint32_t threshold; /* fire when a 32-bit draw is below it */

#define MAX_NAMES 64
static struct {
    char name[48];
    unsigned long count;
} fired[MAX_NAMES];
static unsigned long fired_total;

void fl_arm(bool on)
{
    armed = on;
}

unsigned long fl_fired(void)
{
    return fired_total;
}

/* The errnos a point fails with in the wild. */
static int pick_errno(const char *name)
{
    static const int mm[] = {ENOMEM, ENOMEM, EAGAIN, EPERM};
    static const int remap[] = {ENOMEM, EINVAL, EFAULT};
    static const int open_[] = {EMFILE, ENFILE, EACCES, ENOENT, EPERM};
    static const int io[] = {EIO, EINVAL, EBADF};
    static const int ioc[] = {EPERM, ENOTTY, EINVAL, ENOMEM};
    static const int sys[] = {EPERM, ENOSYS, EMFILE};
    const int *set = io;
    size_t n = sizeof(io) / sizeof(io[0]);

#define USE(a) (set = a, n = sizeof(a) / sizeof(a[0]))
    if (strstr(name, "mremap"))
        USE(remap);
    else if (strstr(name, "/mm/"))
        USE(mm);
    else if (strstr(name, "open") || strstr(name, "memfd") ||
             strstr(name, "dir"))
        USE(open_);
    else if (strstr(name, "ioctl"))
        USE(ioc);
    else if (strstr(name, "sys/"))
        USE(sys);
#undef USE
    return set[fl_below(n)];
}

static int decide(const char *name, int *failnum, void **failinfo,
                  unsigned *flags)
{
    unsigned i;

    (void)failnum;
    (void)flags;
    if (!armed || (uint32_t)fl_rand() >= threshold)
        return 0;
    *failinfo = (void *)(intptr_t)pick_errno(name);
    for (i = 0; i < MAX_NAMES && fired[i].name[0]; i++)
        if (strcmp(fired[i].name, name) == 0)
            break;
    if (i < MAX_NAMES) {
        if (!fired[i].name[0])
            snprintf(fired[i].name, sizeof(fired[i].name), "%s", name);
        fired[i].count++;
    }
    fired_total++;
    return 1;
}

void fl_faults_enable(const char *const *patterns, double probability)
{
    threshold = (uint32_t)(probability * 4294967295.0);
    fiu_init(0);
    for (; *patterns; patterns++)
        FL_CHECK(fiu_enable_external(*patterns, 1, NULL, 0, decide) == 0,
                 "cannot enable %s", *patterns);
}

const char *const *fl_points(const char *const *fallback)
{
    static const char *one[2];

    if (!(one[0] = getenv("FAULT_POINTS")) || !*one[0])
        return fallback;
    return one;
}

void fl_faults_disable(const char *const *patterns)
{
    for (; *patterns; patterns++)
        fiu_disable(*patterns);
}

void fl_print_fired(const char *tag)
{
    for (unsigned i = 0; i < MAX_NAMES && fired[i].name[0]; i++)
        printf("%s: fired %s %lu\n", tag, fired[i].name, fired[i].count);
}

/* ---- address space ------------------------------------------------------- */

static struct rlimit nofile_saved;
static bool nofile_tight;

/* New fds take the lowest free number: a limit at it leaves none. */
static rlim_t lowest_free_fd(void)
{
    int fd = 0;

    while (fcntl(fd, F_GETFD) >= 0)
        fd++;
    return (rlim_t)fd;
}

void fl_nofile_tight(void)
{
    const char *env = getenv("FAULT_NOFILE");
    struct rlimit rl;

    if (!env || *env != '1')
        return;
    FL_CHECK(getrlimit(RLIMIT_NOFILE, &nofile_saved) == 0, "getrlimit");
    rl = nofile_saved;
    rl.rlim_cur = lowest_free_fd();
    FL_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit");
    nofile_tight = true;
    printf("RLIMIT_NOFILE %d: no fd left for lowmap\n", (int)rl.rlim_cur);
}

void fl_nofile_restore(void)
{
    if (nofile_tight)
        setrlimit(RLIMIT_NOFILE, &nofile_saved);
    nofile_tight = false;
}

static void nofile_lift(bool lift)
{
    struct rlimit rl = nofile_saved;

    if (!nofile_tight)
        return;
    if (!lift)
        rl.rlim_cur = lowest_free_fd();
    setrlimit(RLIMIT_NOFILE, &rl);
}

void fl_print_peak(void)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");

    if (!f)
        return;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmPeak:", 7) == 0 || strncmp(line, "VmHWM:", 6) == 0)
            printf("peak: %s", line);
    fclose(f);
}

unsigned long fl_check_space(const char *when, uint64_t extra)
{
    static const char mark[16] = "lowmap-foreign!";
    struct lowmap_stats st = {.size = sizeof(st)};
    uintptr_t limit = lowmap_limit();
    uint64_t mapped = 0;

#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer's low shadow starts at 0x7fff8000 on x86-64 (its
     * mapping a page lower), below a 2 GiB limit: not lowmap's, and nothing
     * of lowmap's lies above it. */
    if (limit > 0x7fff7000)
        limit = 0x7fff7000;
#endif
    unsigned long foreign = 0;
    char line[512];
    FILE *f;

    bool was = armed;
    fl_arm(false);
    nofile_lift(true);
    if (!(f = fopen("/proc/self/maps", "r"))) {
        static bool said;
        FL_CHECK(errno == ENOENT, "%s: /proc/self/maps: %s", when,
                 strerror(errno));
        if (!said)
            printf("no /proc here: address space not checked\n");
        said = true;
        nofile_lift(false);
        fl_arm(was);
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        uintptr_t start, end;
        char perms[8];
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s", &start, &end,
                   perms) != 3 || start >= limit)
            continue;
        if (end > limit)
            end = limit;
        mapped += end - start;
        /* Foreign slots: read-only private pages starting with the mark
         * and their own address (adjacent ones merge into one VMA). */
        if (strncmp(perms, "r--p", 4) != 0)
            continue;
        for (uintptr_t pg = start; pg < end; pg += 4096) {
            uintptr_t at;
            if (memcmp((const void *)pg, mark, sizeof(mark)) != 0)
                continue;
            memcpy(&at, (const char *)pg + sizeof(mark), sizeof(at));
            FL_CHECK(at == pg, "%s: foreign slot at %#lx says %#lx", when,
                     (unsigned long)pg, (unsigned long)at);
            foreign++;
        }
    }
    fclose(f);
    FL_CHECK(lowmap_stats(&st) == 0, "%s", when);
    if (mapped != st.arena_bytes + extra && (f = fopen("/proc/self/maps", "r"))) {
        /* Say what lies there before failing. */
        while (fgets(line, sizeof(line), f))
            if (strtoull(line, NULL, 16) < limit)
                fprintf(stderr, "below the limit: %s", line);
        fclose(f);
    }
    FL_CHECK(mapped == st.arena_bytes + extra,
             "%s: %" PRIu64 " bytes mapped below the limit, arena holds %"
             PRIu64 " (+%" PRIu64 " the test's own)",
             when, mapped, st.arena_bytes, extra);
    nofile_lift(false);
    fl_arm(was);
    return foreign;
}

void fl_fill(void *p, size_t len, uint32_t tag, size_t off)
{
    unsigned char *b = p;

    for (size_t i = 0; i < len; i++)
        b[i] = (unsigned char)((tag * 31u) ^ ((off + i) * 7u) ^
                               ((off + i) >> 9));
}

bool fl_same(const void *p, size_t len, uint32_t tag, size_t off)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len; i++)
        if (b[i] != (unsigned char)((tag * 31u) ^ ((off + i) * 7u) ^
                                    ((off + i) >> 9)))
            return false;
    return true;
}
