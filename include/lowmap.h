/*
 * lowmap — low (32-bit reachable) views of host memory.
 *
 * SPDX-License-Identifier: MIT
 *
 * This is the whole public surface of liblowmap.so.1.  It is meant for
 * translators that run 32-bit code inside a 64-bit process (Wine's WoW64,
 * box64's box32, FEX-Emu) and for lowmap's own GL vendor libraries.
 *
 * Threading: every function may be called from any thread at any time after
 * the library is loaded, unless its comment says otherwise.  Configuration
 * calls (lowmap_set_limit(), lowmap_set_va_ops()) are accepted only before
 * the arena first hands out memory.
 *
 * Errors: functions returning int return 0 (or a non-negative value) on
 * success and a negative errno-style code on failure; lowmap_strerror()
 * names them.  Bad input never aborts the process.
 *
 * Environment (read once, at first use):
 *   LOWMAP_LIMIT=2G|4G|<hex>   arena limit (default 2G)
 *   LOWMAP_STRATEGIES=list     comma list of passthrough,placed,mremap,
 *                              fd_remap,shadow (default: all, in that order)
 *   LOWMAP_VMA_QUERY=auto|procmap_query|maps
 *                              how host mappings are inspected (default auto)
 *   LOWMAP_DIRTY=auto|off|compare|track
 *                              how a shadow finds the pages written (default
 *                              auto: tracked or compared, by measured cost)
 *   LOWMAP_DEBUG=error,warn,info,trace   log to stderr, prefixed "lowmap:"
 *   LOWMAP_STATS=1             print lowmap_stats() at exit
 */
#ifndef LOWMAP_H
#define LOWMAP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LOWMAP_API
#define LOWMAP_API __attribute__((visibility("default")))
#endif

#define LOWMAP_VERSION_MAJOR 1
#define LOWMAP_VERSION_MINOR 0
#define LOWMAP_VERSION_PATCH 0
#define LOWMAP_VERSION_HEX                                                   \
    ((LOWMAP_VERSION_MAJOR << 16) | (LOWMAP_VERSION_MINOR << 8) |            \
     LOWMAP_VERSION_PATCH)

/** Limits accepted by lowmap_set_limit() and LOWMAP_LIMIT. */
#define LOWMAP_LIMIT_2G ((uintptr_t)0x80000000u)
#define LOWMAP_LIMIT_4G ((uintptr_t)0x100000000ull)

/**
 * Error codes.  Each is the negated errno value of the same name, so callers
 * may compare against either.  The table also generates lowmap_strerror().
 */
#define LOWMAP_ERRNO_MAP(XX)                                                 \
    XX(EINVAL, "invalid argument")                                           \
    XX(ENOMEM, "no room below the limit, or out of memory")                  \
    XX(EBUSY, "the arena is already in use; configure it before first use") \
    XX(ENOENT, "no such range or alias")                                     \
    XX(EOVERFLOW, "range wraps around the address space")                    \
    XX(ENOTSUP, "no enabled strategy can serve this range")                  \
    XX(EFAULT, "host range is not mapped")                                   \
    XX(EALREADY, "already released")                                         \
    XX(EEXIST, "range overlaps one lowmap already holds")

enum lowmap_error {
#define LOWMAP__ERR_ENUM(name, text) LOWMAP_##name = -name,
    LOWMAP_ERRNO_MAP(LOWMAP__ERR_ENUM)
#undef LOWMAP__ERR_ENUM
};

/** Access flags for lowmap_alias_create(). */
enum lowmap_access {
    LOWMAP_READ = 1u << 0,           /**< the low view is read */
    LOWMAP_WRITE = 1u << 1,          /**< the low view is written */
    LOWMAP_PERSISTENT = 1u << 2,     /**< view stays in use while host works */
    LOWMAP_COHERENT = 1u << 3,       /**< writes must show without flush */
    LOWMAP_INVALIDATE = 1u << 4,     /**< old contents may be discarded */
    LOWMAP_FLUSH_EXPLICIT = 1u << 5, /**< writes reach host only by flush */
    LOWMAP_CLIENT_RANGE = 1u << 6,   /**< place only in donated ranges */
};
#define LOWMAP_ACCESS_MASK 0x7fu

/** How an alias was made; lowmap_alias_strategy() returns one of these. */
enum lowmap_strategy {
    LOWMAP_STRATEGY_PASSTHROUGH = 1, /**< host range already low */
    LOWMAP_STRATEGY_PLACED = 2,      /**< storage from lowmap_mem_alloc() */
    LOWMAP_STRATEGY_MREMAP = 3,      /**< kernel duplicate of the mapping */
    LOWMAP_STRATEGY_FD_REMAP = 4,    /**< same file mapped again, low */
    LOWMAP_STRATEGY_SHADOW = 5,      /**< low copy, synchronised by copies */
};
#define LOWMAP_STRATEGY_COUNT 6 /* one past the last value */
/* Room in lowmap_stats for strategies to come, so adding one keeps the
 * layout. */
#define LOWMAP_STRATEGY_SLOTS 8

/** Flags for lowmap_release_range(). */
#define LOWMAP_RELEASE_ALL 0x1u

/**
 * Address-space callbacks for translators that own the low 4 GiB.
 *
 * With reserve and release installed, lowmap never maps low memory of its
 * own: every range it uses comes from reserve() (or from
 * lowmap_add_range()).  Give both or neither; a translator that only wants
 * to hear about lowmap's mappings (box64-style bookkeeping) gives notify
 * alone and lowmap reserves its arena itself.
 *
 * reserve: return @size bytes aligned to @align whose end lies at or below
 *   @limit, or NULL.  The range must stay reserved (any protection) until
 *   lowmap gives it back; lowmap maps over it with MAP_FIXED.
 * release: lowmap no longer uses [addr, addr+size); a PROT_NONE placeholder
 *   sits there.
 * notify (optional): lowmap just mapped [addr, addr+size) with PROT_* @prot
 *   (PROT_NONE for placeholders), or unmapped it (@prot is
 *   LOWMAP_NOTIFY_UNMAPPED), for translators that track every mapping.
 *
 * Callbacks are called with lowmap's internal lock held: they must not call
 * back into lowmap.  @size is sizeof(struct lowmap_va_ops) as the caller
 * compiled it; fields past it are treated as NULL.
 */
/** @prot given to lowmap_va_ops.notify when lowmap unmapped a range. */
#define LOWMAP_NOTIFY_UNMAPPED (-1)

struct lowmap_va_ops {
    size_t size;
    void *user;
    void *(*reserve)(void *user, size_t size, size_t align, uintptr_t limit);
    void (*release)(void *user, void *addr, size_t size);
    void (*notify)(void *user, void *addr, size_t size, int prot);
};

/**
 * Counters since load.  Set @size to sizeof(struct lowmap_stats) before the
 * call; lowmap fills only what that size covers and writes back the size it
 * filled.
 */
struct lowmap_stats {
    size_t size;
    uint64_t aliases_created[LOWMAP_STRATEGY_SLOTS]; /**< by strategy */
    uint64_t aliases_live;     /**< handles not yet released */
    uint64_t cache_hits;       /**< creates served by an existing view */
    uint64_t bytes_copied_in;  /**< host to low (shadow) */
    uint64_t bytes_copied_out; /**< low to host (shadow) */
    uint64_t high_pointers;    /**< host pointers handed out above limit */
    uint64_t arena_bytes;      /**< address space the arena holds */
    uint64_t arena_used;       /**< of which in use */
    uint64_t failures;         /**< creates that found no strategy */
    /* Appended fields (older callers pass a smaller size): shadow
     * write-backs (release, sync) by how they found the
     * written pages (LOWMAP_DIRTY in the README). */
    uint64_t writebacks_tracked;  /**< kernel-tracked written pages */
    uint64_t writebacks_compared; /**< pages compared with the host */
    uint64_t writebacks_whole;    /**< the whole range copied */
};

/** Tri-state answers in struct lowmap_caps. */
enum lowmap_answer {
    LOWMAP_NO = 0,
    LOWMAP_YES = 1,
    LOWMAP_UNKNOWN = 2, /**< not tried yet, or nothing here to try it on */
};

/**
 * What this kernel and configuration allow, as found by trying.  Same size
 * convention as struct lowmap_stats.  lowmap_probe() fills it.
 */
struct lowmap_caps {
    size_t size;
    uintptr_t limit;
    unsigned strategies;    /**< bit (1 << LOWMAP_STRATEGY_x) if enabled */
    int arena_source;       /**< 0 self-reserved, 1 callbacks, 2 donated */
    int mremap_shared;      /**< mremap duplication of shared memory */
    int mremap_pfnmap;      /**< ...of PFNMAP/DONTEXPAND (driver) mappings */
    int fd_remap;           /**< re-mmap of a mapping's own file */
    int shadow;             /**< low anonymous copy */
    int procmap_query;      /**< PROCMAP_QUERY ioctl on /proc/self/maps */
    int pagemap_scan;       /**< PAGEMAP_SCAN ioctl */
    int uffd_wp_async;      /**< userfaultfd async write-protect */
    int populate;           /**< MADV_POPULATE_READ/WRITE */
    int dirty_tracking;     /**< shadows copy back only written pages */
    /* Appended fields: this machine's shadow costs, measured once, in ns
     * (0: unknown). */
    uint64_t copy_ns_page;    /**< memcpy of one page */
    uint64_t compare_ns_page; /**< memcmp of one page */
    uint64_t scan_ns_page;    /**< PAGEMAP_SCAN, per clean page */
    uint64_t scan_ns_call;    /**< PAGEMAP_SCAN, per call */
    uint64_t wp_fault_ns;     /**< a write-protect fault, per written page */
};

typedef struct lowmap_alias lowmap_alias;

/** Version of the loaded library, as LOWMAP_VERSION_HEX. */
LOWMAP_API uint32_t lowmap_version(void);
/** "1.0.0" */
LOWMAP_API const char *lowmap_version_string(void);
/** Text for a code returned by lowmap; never NULL. */
LOWMAP_API const char *lowmap_strerror(int err);
/** Name of a strategy ("shadow"…), or "unknown". */
LOWMAP_API const char *lowmap_strategy_name(int strategy);

/**
 * Set the arena limit: every byte lowmap hands out lies below @limit.
 * @limit must be page aligned, at least 16 MiB and at most 4 GiB.
 * Returns LOWMAP_EBUSY once the arena has handed out memory.
 */
LOWMAP_API int lowmap_set_limit(uintptr_t limit);
/** Current limit. */
LOWMAP_API uintptr_t lowmap_limit(void);

/**
 * Install address-space callbacks (see struct lowmap_va_ops).  @ops is
 * copied.  Returns LOWMAP_EBUSY once the arena has handed out memory,
 * LOWMAP_EINVAL if only one of reserve and release is given, or nothing.
 */
LOWMAP_API int lowmap_set_va_ops(const struct lowmap_va_ops *ops);

/**
 * Donate [addr, addr+size) to the arena (AddClientPointerRangeMESA).  The
 * range must be page aligned, mapped readable and writable (else
 * LOWMAP_EFAULT), below the limit, and not overlap memory lowmap already
 * holds (LOWMAP_EEXIST); it stays the caller's property and comes back
 * through lowmap_release_range().  Once a range is donated lowmap never
 * maps low memory of its own.
 */
LOWMAP_API int lowmap_add_range(void *addr, size_t size);

/**
 * Give one donated range back (ReleaseClientPointerRangeMESA): returns its
 * start and stores its size in @size, or returns NULL (and stores 0) when no
 * range can be given back.  A range with a live alias or allocation inside
 * is never returned.  Without LOWMAP_RELEASE_ALL lowmap may keep ranges whose
 * space is still in quarantine; with it, every range without live contents
 * can be returned, one per call.  The range comes back readable and
 * writable, its old contents gone.
 */
LOWMAP_API void *lowmap_release_range(unsigned flags, size_t *size);

/**
 * Create a low view of [host, host+size) and store its handle in @out.
 *
 * @access: LOWMAP_READ and/or LOWMAP_WRITE, plus modifiers.  The strategy
 * is chosen cheapest first among those enabled.  Zero-copy views (mremap,
 * fd_remap) are shared between handles on the same host mapping and are
 * coherent both ways.  A shadow copies host to low now (unless
 * LOWMAP_INVALIDATE, or write-only with LOWMAP_FLUSH_EXPLICIT), and low to
 * host on lowmap_alias_flush() and on release.
 *
 * Without LOWMAP_PERSISTENT, the host range must change only through the
 * handle while it lives, as the GL guarantees for a mapped buffer: a
 * shadow may find what was written by comparing with the host.  Where the
 * host changes it meanwhile, call lowmap_alias_refresh() before the next
 * low write; with LOWMAP_PERSISTENT the host may change it at any time,
 * but a shadow may then publish only the bytes that differ from what view
 * and host last agreed on (at create, sync, flush or refresh): a low
 * write of that same value over a byte the host changed since is not
 * published.  Refresh after host changes to make such writes count.
 *
 * The handle belongs to the caller until lowmap_alias_release().
 */
LOWMAP_API int lowmap_alias_create(const void *host, size_t size,
                                   unsigned access, lowmap_alias **out);
/**
 * Low pointer matching @host given at create time.  A zero-copy view keeps
 * the host pointer's page offset.  A shadow keeps its alignment up to half
 * a page, and starts half a page away where that spans no more pages:
 * copies between ranges at the same page offset run slower.
 */
LOWMAP_API void *lowmap_alias_ptr(const lowmap_alias *alias);
/** Strategy used, or LOWMAP_EINVAL for NULL. */
LOWMAP_API int lowmap_alias_strategy(const lowmap_alias *alias);
/** Size given at create time (0 for NULL). */
LOWMAP_API size_t lowmap_alias_size(const lowmap_alias *alias);
/**
 * Make low writes to [offset, offset+size) of the alias visible to the
 * host.  Copies exactly that range for a shadow; no-op for zero-copy views.
 */
LOWMAP_API int lowmap_alias_flush(lowmap_alias *alias, size_t offset,
                                  size_t size);
/**
 * Make every low write since create (or the last sync) visible to the
 * host.  A shadow copies back the pages written since then, found by the
 * kernel's tracking (lowmap_caps.dirty_tracking) or, without
 * LOWMAP_PERSISTENT, by comparing with the host, whichever costs less
 * here; the whole range where neither applies.  Zero-copy views need
 * nothing.  For persistent maps at the GL's
 * synchronisation points.
 */
LOWMAP_API int lowmap_alias_sync(lowmap_alias *alias);
/** Copy host contents of [offset, offset+size) into the low view. */
LOWMAP_API int lowmap_alias_refresh(lowmap_alias *alias, size_t offset,
                                    size_t size);
/**
 * Drop the handle.  A shadow first copies back what its access requires:
 * for a write map without LOWMAP_FLUSH_EXPLICIT the pages written (as for
 * lowmap_alias_sync()), nothing otherwise.  The low range then faults
 * until lowmap reuses it.  lowmap
 * keeps a set of live handles: releasing one that is not live returns
 * LOWMAP_EALREADY and touches nothing.
 */
LOWMAP_API int lowmap_alias_release(lowmap_alias *alias);

/**
 * Drop the handle like lowmap_alias_release(), but copy nothing back: for
 * when the host storage is already gone (a GL context destroyed with its
 * buffers) or its contents no longer matter.
 */
LOWMAP_API int lowmap_alias_discard(lowmap_alias *alias);

/** Low pointer of a live alias covering @host, or NULL. */
LOWMAP_API void *lowmap_translate(const void *host);

/**
 * Allocate @size bytes of readable, writable, zeroed memory below the limit
 * (placed storage: lowmap owns it, so every alias of it is zero-copy).
 */
LOWMAP_API int lowmap_mem_alloc(size_t size, void **out);
/**
 * Give @size bytes of host memory at @host a lasting low view that shares
 * its pages (never a copy: LOWMAP_ENOTSUP where no zero-copy strategy
 * serves, and where @host is already low), and count every alias made
 * inside that view as placed memory.  For storage whose owner maps it
 * once for its whole life, such as exportable driver memory.  The view
 * stays until lowmap_mem_free() of the pointer returned in @out; the host
 * mapping must outlive it.
 */
LOWMAP_API int lowmap_mem_alias(const void *host, size_t size, void **out);
/**
 * Free memory from lowmap_mem_alloc(), or drop a view from
 * lowmap_mem_alias(); either faults afterwards.
 */
LOWMAP_API int lowmap_mem_free(void *ptr);
/**
 * Change the access of whole pages inside one block from lowmap_mem_alloc()
 * or lowmap_mem_alias(): @access is LOWMAP_READ, LOWMAP_READ | LOWMAP_WRITE,
 * or 0 so that pointers into that part fault (a sub-allocator's freed
 * slots).  @ptr and @size must be page aligned.  The translator's va_ops
 * hear of the change like of any other.  Only the view changes: another
 * mapping of the same pages (the host's) keeps its access.
 */
LOWMAP_API int lowmap_mem_protect(void *ptr, size_t size, unsigned access);

/**
 * Record that @size bytes at @host were handed to 32-bit code above the
 * limit anyway (a caller's fallback); counted in high_pointers.
 */
LOWMAP_API void lowmap_report_high_pointer(const void *host, size_t size);

/** Fill @stats (see struct lowmap_stats for the size convention). */
LOWMAP_API int lowmap_stats(struct lowmap_stats *stats);

/**
 * Probe what works here by trying each strategy on memory of its own
 * (below the limit, from the arena).  Safe to call any time.
 */
LOWMAP_API int lowmap_probe(struct lowmap_caps *caps);

#ifdef __cplusplus
}
#endif

#endif /* LOWMAP_H */
