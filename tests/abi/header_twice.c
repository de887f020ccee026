/*
 * The public header on its own, twice in one unit, as strict C11 (gcc
 * -std=c11 -Wpedantic) and as C++11 (g++ -x c++): it must be
 * self-contained, guarded, and declare exactly the prototypes below.
 *
 * SPDX-License-Identifier: MIT
 */
#include <lowmap.h>
#include <lowmap.h>

#ifdef __cplusplus
#define PIN(cond, msg) static_assert(cond, msg)
#else
#define PIN(cond, msg) _Static_assert(cond, msg)
#endif

/* Each entry point has the type callers compiled against: a changed
 * prototype breaks this build before it breaks a translator. */
struct lowmap_entry_points {
    uint32_t (*version)(void);
    const char *(*version_string)(void);
    const char *(*strerror)(int);
    const char *(*strategy_name)(int);
    int (*set_limit)(uintptr_t);
    uintptr_t (*limit)(void);
    int (*set_va_ops)(const struct lowmap_va_ops *);
    int (*add_range)(void *, size_t);
    void *(*release_range)(unsigned, size_t *);
    int (*alias_create)(const void *, size_t, unsigned, lowmap_alias **);
    void *(*alias_ptr)(const lowmap_alias *);
    int (*alias_strategy)(const lowmap_alias *);
    size_t (*alias_size)(const lowmap_alias *);
    int (*alias_flush)(lowmap_alias *, size_t, size_t);
    int (*alias_sync)(lowmap_alias *);
    int (*alias_refresh)(lowmap_alias *, size_t, size_t);
    int (*alias_release)(lowmap_alias *);
    void *(*translate)(const void *);
    int (*mem_alloc)(size_t, void **);
    int (*mem_free)(void *);
    void (*report_high_pointer)(const void *, size_t);
    int (*stats)(struct lowmap_stats *);
    int (*probe)(struct lowmap_caps *);
};
extern const struct lowmap_entry_points lowmap_entry_points_check;
const struct lowmap_entry_points lowmap_entry_points_check = {
    lowmap_version,
    lowmap_version_string,
    lowmap_strerror,
    lowmap_strategy_name,
    lowmap_set_limit,
    lowmap_limit,
    lowmap_set_va_ops,
    lowmap_add_range,
    lowmap_release_range,
    lowmap_alias_create,
    lowmap_alias_ptr,
    lowmap_alias_strategy,
    lowmap_alias_size,
    lowmap_alias_flush,
    lowmap_alias_sync,
    lowmap_alias_refresh,
    lowmap_alias_release,
    lowmap_translate,
    lowmap_mem_alloc,
    lowmap_mem_free,
    lowmap_report_high_pointer,
    lowmap_stats,
    lowmap_probe,
};

PIN(LOWMAP_VERSION_MAJOR == 1, "liblowmap.so.1");
PIN(LOWMAP_EINVAL == -EINVAL && LOWMAP_ENOMEM == -ENOMEM,
    "errors are negated errno values");
