/*
 * The fault points of fault.h, built only with -DLOWMAP_FAULTS=ON.
 *
 * libfiu decides whether a point fires (tests enable points by name or by
 * a wildcard prefix, with a seeded decision callback of their own).  Each
 * firing is counted per call site; at exit the counts are appended to the
 * file named by LOWMAP_FAULT_REPORT, one "site point count" line each, so a
 * test stage can print how often every call site failed.
 *
 * SPDX-License-Identifier: MIT
 */
#define FIU_ENABLE 1
#include <errno.h>
#include <fcntl.h>
#include <fiu.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fault.h"

#define MAX_SITES 128

static struct {
    const char *site, *point;
    unsigned long count;
} sites[MAX_SITES];
static unsigned long steals;
static pthread_mutex_t sites_lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((constructor)) static void faults_init(void)
{
    fiu_init(0);
}

static void count(const char *site, const char *point)
{
    pthread_mutex_lock(&sites_lock);
    for (unsigned i = 0; i < MAX_SITES; i++) {
        if (!sites[i].site) {
            sites[i].site = site;
            sites[i].point = point;
        }
        if (sites[i].site == site || strcmp(sites[i].site, site) == 0) {
            sites[i].count++;
            break;
        }
    }
    pthread_mutex_unlock(&sites_lock);
}

/*
 * What a pre-6.12 kernel may leave after a failed MAP_FIXED-style call,
 * followed by another thread's mmap: the slot holds foreign memory, marked
 * with its own address so that the test can find it and check it was never
 * mapped over.
 */
static void steal(uintptr_t slot, size_t len)
{
    static const char mark[16] = "lowmap-foreign!";
    char *p;

    munmap((void *)slot, len);
    p = mmap((void *)slot, len, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED)
        return;
    memcpy(p, mark, sizeof(mark));
    memcpy(p + sizeof(mark), &slot, sizeof(slot));
    /* Read-only: no VMA of lowmap's looks like it, so the kernel never
     * merges the two and the mark stays at the start of its own VMA. */
    mprotect(p, len, PROT_READ);
    pthread_mutex_lock(&sites_lock);
    steals++;
    pthread_mutex_unlock(&sites_lock);
}

int plat__fault(const char *point, int err, const char *site, uintptr_t slot,
                size_t len)
{
    void *info;
    const char *env;

    if (!fiu_fail(point))
        return 0;
    info = fiu_failinfo();
    count(site, point);
    if (slot && (env = getenv("LOWMAP_FAULT_STEAL")) && *env == '1')
        steal(slot, len);
    errno = info ? (int)(intptr_t)info : err;
    return 1;
}

__attribute__((destructor)) static void faults_report(void)
{
    const char *path = getenv("LOWMAP_FAULT_REPORT");
    FILE *f;

    if (!path || !*path || !(f = fopen(path, "a")))
        return;
    pthread_mutex_lock(&sites_lock);
    for (unsigned i = 0; i < MAX_SITES && sites[i].site; i++) {
        const char *rel = strstr(sites[i].site, "platform/");
        fprintf(f, "%s %s %lu\n", rel ? rel : sites[i].site, sites[i].point,
                sites[i].count);
    }
    fprintf(f, "stolen-slots - %lu\n", steals);
    pthread_mutex_unlock(&sites_lock);
    fclose(f);
}
