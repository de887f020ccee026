/*
 * Name lookup and call counting for the fake vendor, plus its test hooks.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "fake.h"
#include "fakevendor.h"

static const char *const proc_names[FAKE_PROC_COUNT] = {
#define FAKE__NAME(name) [FAKE_##name] = #name,
    FAKE_PROCS(FAKE__NAME)
#undef FAKE__NAME
};

/* Updated with relaxed atomics: counts, not synchronisation. */
static unsigned long proc_counts[FAKE_PROC_COUNT];

void fake_count(enum fake_proc proc)
{
    __atomic_fetch_add(&proc_counts[proc], 1, __ATOMIC_RELAXED);
}

static const struct fake_impl *const impl_lists[] = {
    fake_egl_impls,   fake_buffer_impls, fake_texture_impls,
    fake_state_impls, fake_memobj_impls,
};

static int find_proc(const char *name, size_t len)
{
    for (int i = 0; i < FAKE_PROC_COUNT; i++) {
        if (strlen(proc_names[i]) == len &&
            strncmp(proc_names[i], name, len) == 0)
            return i;
    }
    return -1;
}

/* Real drivers answer for every alias with the same function. */
static int find_proc_or_alias(const char *name)
{
    static const char *const suffixes[] = {"ARB", "EXT", "OES"};
    size_t len = strlen(name);
    int proc = find_proc(name, len);

    for (unsigned i = 0; proc < 0 && i < 3 && len > 3; i++) {
        if (strcmp(name + len - 3, suffixes[i]) == 0)
            proc = find_proc(name, len - 3);
    }
    return proc;
}

void *fake_get_proc(const char *name)
{
    int proc = find_proc_or_alias(name);

    if (proc < 0)
        return NULL;
    for (unsigned l = 0; l < sizeof(impl_lists) / sizeof(impl_lists[0]); l++) {
        for (const struct fake_impl *f = impl_lists[l]; f->fn; f++) {
            if ((int)f->proc == proc)
                return f->fn;
        }
    }
    return NULL;
}

FAKE_EXPORT unsigned long lowmapfake_calls(const char *name);
FAKE_EXPORT unsigned long lowmapfake_calls(const char *name)
{
    int proc = find_proc_or_alias(name);
    return proc < 0 ? 0
                    : __atomic_load_n(&proc_counts[proc], __ATOMIC_RELAXED);
}

FAKE_EXPORT void lowmapfake_reset_calls(void);
FAKE_EXPORT void lowmapfake_reset_calls(void)
{
    for (int i = 0; i < FAKE_PROC_COUNT; i++)
        __atomic_store_n(&proc_counts[i], 0, __ATOMIC_RELAXED);
}

FAKE_EXPORT void *lowmapfake_get_proc(const char *name);
FAKE_EXPORT void *lowmapfake_get_proc(const char *name)
{
    return fake_get_proc(name);
}

FAKE_EXPORT void lowmapfake_heap(void **base, size_t *size, int *fd);
FAKE_EXPORT void lowmapfake_heap(void **base, size_t *size, int *fd)
{
    fake_heap_range(base, size, fd);
}
