/*
 * Library state and the small public entry points: version, errors,
 * configuration, donated ranges, statistics.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "alias.h"
#include "arena.h"
#include "core.h"
#include "log.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t core_lock = PTHREAD_MUTEX_INITIALIZER;
struct lowmap__config lowmap__settings;
static bool dirty_tracking;
struct lowmap__counters lowmap__counters;

/* fork(): the child must not inherit a lock held by a thread that does not
 * exist there.  Views are inherited as the kernel copies them: zero-copy
 * views stay shared with the host mapping, shadows become private. */
static void fork_prepare(void)
{
    pthread_mutex_lock(&core_lock);
}

static void fork_release(void)
{
    pthread_mutex_unlock(&core_lock);
}

static void init(void)
{
    lowmap__config_load(&lowmap__settings);
    arena_init(lowmap__settings.limit);
    if (lowmap__settings.vma_backend != PLAT_VMA_AUTO &&
        plat_vma_set_backend(lowmap__settings.vma_backend) < 0)
        log_error("LOWMAP_VMA_QUERY: this kernel lacks the requested "
                  "backend; using the default");
    plat_atfork(fork_prepare, fork_release, fork_release);
    dirty_tracking = (lowmap__settings.dirty == LOWMAP__DIRTY_AUTO ||
                      lowmap__settings.dirty == LOWMAP__DIRTY_TRACK) &&
                     plat_have_dirty_tracking();
    log_info("limit %#" PRIxPTR ", strategies %#x, shadow write-back: %s",
             lowmap__settings.limit, lowmap__settings.strategies,
             lowmap__settings.dirty == LOWMAP__DIRTY_OFF ? "whole range"
             : dirty_tracking ? "written pages, tracked or compared by cost"
                              : "written pages, compared");
}

bool lowmap__dirty_tracking(void)
{
    return dirty_tracking;
}

void lowmap__init(void)
{
    static _Atomic bool reported;

    pthread_once(&init_once, init);
    /* Once initialised, so that the probes can call back in here. */
    if ((lowmap__log_mask & LOWMAP_LOG_INFO) && !atomic_load(&reported) &&
        !atomic_exchange(&reported, true))
        lowmap__report_missing();
}

void lowmap__lock(void)
{
    pthread_mutex_lock(&core_lock);
}

void lowmap__unlock(void)
{
    pthread_mutex_unlock(&core_lock);
}

uint32_t lowmap_version(void)
{
    return LOWMAP_VERSION_HEX;
}

const char *lowmap_version_string(void)
{
#define LOWMAP__STR2(x) #x
#define LOWMAP__STR(x) LOWMAP__STR2(x)
    return LOWMAP__STR(LOWMAP_VERSION_MAJOR) "." LOWMAP__STR(
        LOWMAP_VERSION_MINOR) "." LOWMAP__STR(LOWMAP_VERSION_PATCH);
}

const char *lowmap_strerror(int err)
{
    switch (err) {
    case 0: return "success";
#define LOWMAP__ERR_CASE(name, text)                                         \
    case LOWMAP_##name: return text;
    LOWMAP_ERRNO_MAP(LOWMAP__ERR_CASE)
#undef LOWMAP__ERR_CASE
    default: return "unknown error";
    }
}

int lowmap_set_limit(uintptr_t limit)
{
    int err;

    if (!lowmap__limit_valid(limit))
        return LOWMAP_EINVAL;
    lowmap__init();
    lowmap__lock();
    err = arena_set_limit(limit);
    lowmap__unlock();
    return err;
}

uintptr_t lowmap_limit(void)
{
    uintptr_t limit;

    lowmap__init();
    lowmap__lock();
    limit = arena_limit();
    lowmap__unlock();
    return limit;
}

int lowmap_set_va_ops(const struct lowmap_va_ops *ops)
{
    int err;

    if (!ops || ops->size < sizeof(ops->size))
        return LOWMAP_EINVAL;
    lowmap__init();
    lowmap__lock();
    err = arena_set_ops(ops);
    lowmap__unlock();
    return err;
}

int lowmap_add_range(void *addr, size_t size)
{
    int err;

    lowmap__init();
    lowmap__lock();
    err = arena_add_range((uintptr_t)addr, size);
    lowmap__unlock();
    return err;
}

void *lowmap_release_range(unsigned flags, size_t *size)
{
    size_t dummy;
    uintptr_t start;

    if (!size)
        size = &dummy;
    *size = 0;
    if (flags & ~LOWMAP_RELEASE_ALL)
        return NULL;
    lowmap__init();
    lowmap__lock();
    start = arena_release_range(flags, size);
    lowmap__unlock();
    return (void *)start;
}

void lowmap_report_high_pointer(const void *host, size_t size)
{
    lowmap__init();
    counter_add(high_pointers, 1);
    log_warn("handed out %p+%#zx above the limit", host, size);
}

int lowmap_stats(struct lowmap_stats *out)
{
    struct lowmap_stats s = {0};

    if (!out || out->size < sizeof(out->size))
        return LOWMAP_EINVAL;
    lowmap__init();
    for (int i = 0; i < LOWMAP_STRATEGY_COUNT; i++)
        s.aliases_created[i] = counter_get(created[i]);
    s.aliases_live = counter_get(live);
    s.cache_hits = counter_get(cache_hits);
    s.high_pointers = counter_get(high_pointers);
    s.failures = counter_get(failures);
    lowmap__lock();
    struct handle_counts c;
    handle_sum_counts(&c);
    arena_totals(&s.arena_bytes, &s.arena_used);
    lowmap__unlock();
    s.bytes_copied_in = c.bytes_in;
    s.bytes_copied_out = c.bytes_out;
    s.writebacks_tracked = c.tracked;
    s.writebacks_compared = c.compared;
    s.writebacks_whole = c.whole;

    size_t n = out->size < sizeof(s) ? out->size : sizeof(s);
    s.size = n;
    memcpy(out, &s, n);
    return 0;
}

/* LOWMAP_STATS=1: one summary line at exit.  The library is linked with
 * -z nodelete, so this never runs from unmapped code. */
__attribute__((destructor)) static void print_stats(void)
{
    struct lowmap_stats s = {.size = sizeof(s)};

    if (!lowmap__settings.stats_at_exit || lowmap_stats(&s) < 0)
        return;
    fprintf(stderr,
            "lowmap: stats: passthrough %" PRIu64 " placed %" PRIu64
            " mremap %" PRIu64 " fd_remap %" PRIu64 " shadow %" PRIu64
            " cache_hits %" PRIu64 " live %" PRIu64 " copied_in %" PRIu64
            " copied_out %" PRIu64 " high_pointers %" PRIu64
            " failures %" PRIu64 " arena %" PRIu64 "/%" PRIu64
            " writebacks tracked %" PRIu64 " compared %" PRIu64
            " whole %" PRIu64 "\n",
            s.aliases_created[LOWMAP_STRATEGY_PASSTHROUGH],
            s.aliases_created[LOWMAP_STRATEGY_PLACED],
            s.aliases_created[LOWMAP_STRATEGY_MREMAP],
            s.aliases_created[LOWMAP_STRATEGY_FD_REMAP],
            s.aliases_created[LOWMAP_STRATEGY_SHADOW], s.cache_hits,
            s.aliases_live, s.bytes_copied_in, s.bytes_copied_out,
            s.high_pointers, s.failures, s.arena_used, s.arena_bytes,
            s.writebacks_tracked, s.writebacks_compared, s.writebacks_whole);
}
