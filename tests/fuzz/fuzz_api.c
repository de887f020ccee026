/*
 * The input is a little program of public-API calls: create, release,
 * flush, refresh, sync, translate, mem_alloc/free, add/release_range, each
 * with arguments drawn from the input.  After every call the fuzzer checks
 * what the header promises: errors are known negative codes with a text,
 * live views lie below the limit, zero-copy views are coherent, shadows
 * copy the way the access flags say and never write outside their range.
 *
 * Host pointers come only from memory this file owns (a private mapping
 * ending in read-only pages, a memfd mapping, lowmap_mem_alloc() blocks;
 * each mapping sits between PROT_NONE guards it also owns) or from
 * addresses that can never be mapped: a shadow release writes the host, so
 * anything else could corrupt the fuzzer itself.
 *
 * FUZZ_API_DONATE=1 runs every input with a donated low range (donation is
 * for the life of the process, so it is a mode, not an operation), and
 * then add_range/release_range also get real ranges.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/common_interface_defs.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lowmap.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RW_PAGES 64 /* of the private and memfd buffers */
#define RO_PAGES 2  /* read-only tail of the private buffer */
#define MAX_ALIASES 16
#define MAX_STALE 16
#define MAX_BLOCKS 4
#define MAX_WRITES 8
#define MAX_OPS 128
#define DONATED_HALF ((size_t)8 << 20)

#define check(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            dump_trace();                                                    \
            fprintf(stderr, "fuzz_api: %s:%d: ", __FILE__, __LINE__);        \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* The last calls made, printed when a check fails: state carries over
 * between inputs (quarantine, chunks), so the crash input alone may not
 * replay a failure, but this trace shows what led to it. */
#define TRACE_LINES 48
static char trace_buf[TRACE_LINES][128];
static unsigned trace_n;

__attribute__((format(printf, 1, 2))) static void trace(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(trace_buf[trace_n++ % TRACE_LINES], sizeof(trace_buf[0]), fmt,
              ap);
    va_end(ap);
}

static void dump_trace(void)
{
    unsigned first = trace_n > TRACE_LINES ? trace_n - TRACE_LINES : 0;

    for (unsigned i = first; i < trace_n; i++)
        fprintf(stderr, "fuzz_api: trace %u: %s\n", i,
                trace_buf[i % TRACE_LINES]);
}

struct write { size_t off; unsigned char val; };

struct alias {
    lowmap_alias *h;
    const char *host;
    size_t size;
    unsigned access;
    int strategy;
    int block;  /* mem block it aliases, or -1 */
    bool dead;  /* its mem block was freed: never touch its memory */
    size_t nw;  /* shadow writes not yet published */
    struct write w[MAX_WRITES];
    /* Persistent write-back shadows: what the view and the host last
     * agreed on (at create, sync, flush or refresh), or NULL.  Such a view
     * may publish only the bytes that differ from it (a twin), so a write
     * of the agreed value over a host another view changed meanwhile need
     * not show: lowmap_alias_create()'s contract for the host changing a
     * persistent view's range. */
    unsigned char *agreed;
};

static size_t page;
static char *priv, *shm; /* RW_PAGES (+ RO_PAGES) between guards */
static size_t priv_len, shm_len;
static bool donate;
static char *donated[2]; /* two halves of one low range */
static bool is_donated[2];

static struct {
    const uint8_t *p;
    size_t n;
    struct alias a[MAX_ALIASES];
    size_t na;
    uintptr_t stale[MAX_STALE]; /* released handles, never dereferenced */
    size_t ns;
    char *blocks[MAX_BLOCKS];
    size_t block_len[MAX_BLOCKS];
} s;

/* ---- input ------------------------------------------------------------ */

static uint64_t take(unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < bytes && s.n; i++, s.p++, s.n--)
        v = v << 8 | *s.p;
    return v;
}

static size_t take_size(size_t room)
{
    switch (take(1) % 8) {
    case 0: return 0;
    case 1: return 1 + take(2) % page;
    case 2: return room ? 1 + take(4) % room : 0;
    case 3: return SIZE_MAX - take(2);
    case 4: return (size_t)1 << (take(1) % 64);
    case 5: return (take(1) % (RW_PAGES + 4)) * page;
    case 6: return room;
    default: return 1 + take(1);
    }
}

static unsigned take_access(void)
{
    unsigned v = (unsigned)take(1);

    if (v & 0x80)
        return (unsigned)take(1); /* anything, unknown bits included */
    return (v & LOWMAP_ACCESS_MASK) | (1u + v % 3); /* READ and/or WRITE */
}

/* ---- checks ----------------------------------------------------------- */

static void check_error(int err, const char *call)
{
    static const int known[] = {LOWMAP_EINVAL, LOWMAP_ENOMEM, LOWMAP_EBUSY,
                                LOWMAP_ENOENT, LOWMAP_EOVERFLOW,
                                LOWMAP_ENOTSUP, LOWMAP_EFAULT,
                                LOWMAP_EALREADY, LOWMAP_EEXIST};
    bool found = err == 0;

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        found |= err == known[i];
    check(found, "%s returned %d, not a lowmap error", call, err);
    check(lowmap_strerror(err) != NULL &&
              strcmp(lowmap_strerror(err), "unknown error") != 0,
          "%s: no text for %d", call, err);
}

static bool shadow(const struct alias *a)
{
    return a->strategy == LOWMAP_STRATEGY_SHADOW;
}

static bool copies_in(unsigned access)
{
    return !(access & LOWMAP_INVALIDATE) &&
           !(!(access & LOWMAP_READ) && (access & LOWMAP_FLUSH_EXPLICIT));
}

static bool writes_back(unsigned access)
{
    return (access & LOWMAP_WRITE) && !(access & LOWMAP_FLUSH_EXPLICIT);
}

static bool touchable(const struct alias *a);

/* Whether a write of @val at @off must show in the host after @a
 * publishes. */
static bool must_show(const struct alias *a, size_t off, unsigned char val)
{
    return !a->agreed || a->agreed[off] != val;
}

/* After @a published or refreshed [off, off+size): view and host agree
 * there on what the view holds. */
static void agree(struct alias *a, size_t off, size_t size)
{
    if (a->agreed)
        memcpy(a->agreed + off, (const char *)lowmap_alias_ptr(a->h) + off,
               size);
}

static void drop(struct alias *a)
{
    free(a->agreed);
    a->agreed = NULL;
}

/* Reads [p, p+size) without faulting: the kernel reports EFAULT instead. */
static bool readable(const void *p, size_t size)
{
    static char sink[1 << 16];
    struct iovec local = {sink, 0}, remote = {(void *)p, 0};

    for (size_t at = 0; at < size; at += sizeof(sink)) {
        size_t n = size - at < sizeof(sink) ? size - at : sizeof(sink);
        local.iov_len = remote.iov_len = n;
        remote.iov_base = (char *)p + at;
        if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)n)
            return false;
    }
    return true;
}

static void check_invariants(void)
{
    uintptr_t limit = lowmap_limit();
    struct lowmap_stats st = {.size = sizeof(st)};

    for (size_t i = 0; i < s.na; i++) {
        struct alias *a = &s.a[i];
        uintptr_t low = (uintptr_t)lowmap_alias_ptr(a->h);
        check(low && low + a->size > low && low + a->size <= limit,
              "alias %p+%#zx above the limit %#lx", (void *)low, a->size,
              (unsigned long)limit);
        check(lowmap_alias_size(a->h) == a->size, "size changed");
        check(touchable(a) ? readable((void *)low, a->size) : true,
              "live alias %p+%#zx (strategy %d) is not readable",
              (void *)low, a->size, a->strategy);
        check(lowmap_alias_strategy(a->h) == a->strategy, "strategy changed");
    }
    check(lowmap_stats(&st) == 0, "stats");
    check(st.aliases_live == s.na, "%llu live, expected %zu",
          (unsigned long long)st.aliases_live, s.na);
}

/* ---- where host pointers come from -------------------------------------- */

enum origin { OWNED, BLOCK, BAD_INPUT, UNMAPPED, GUARD };

/* Picks a host range; *room is how far the owned memory reaches past it. */
static const char *take_host(enum origin *o, int *block, size_t *room)
{
    size_t off;

    *block = -1;
    *room = 0;
    switch (take(1) % 8) {
    case 0: case 1:
        off = take(4) % priv_len;
        *room = priv_len - off;
        *o = OWNED;
        return priv + off;
    case 2: case 3:
        off = take(4) % shm_len;
        *room = shm_len - off;
        *o = OWNED;
        return shm + off;
    case 4: {
        int b = (int)(take(1) % MAX_BLOCKS);
        if (!s.blocks[b])
            break;
        off = take(4) % s.block_len[b];
        *room = s.block_len[b] - off;
        *block = b;
        *o = BLOCK;
        return s.blocks[b] + off;
    }
    case 5:
        *o = GUARD; /* the PROT_NONE page in front of the private buffer */
        return priv - page + take(2) % page;
    case 6:
        /* Past the user address space or just below the top: never
         * mappable, and both make host+size wrap easily. */
        *o = UNMAPPED;
        return take(1) & 1 ? (char *)(UINTPTR_MAX - take(2))
                           : (char *)((uintptr_t)1 << 47) + take(4);
    }
    *o = BAD_INPUT;
    return NULL;
}

static struct alias *pick(void)
{
    return s.na ? &s.a[take(1) % s.na] : NULL;
}

/* Memory behind an alias may be touched: live mapping, not freed. */
static bool touchable(const struct alias *a)
{
    return !a->dead;
}

/* ---- operations --------------------------------------------------------- */

static void op_create(void)
{
    enum origin o;
    int block;
    size_t room;
    const char *host = take_host(&o, &block, &room);
    size_t size = take_size(room);
    unsigned access = take_access();
    lowmap_alias *h = (void *)1;
    int err;

    /* Past a block lie other slots of the arena, which are not ours. */
    if (o == BLOCK && size > room)
        size = room;
    err = lowmap_alias_create(host, size, access, &h);
    trace("create(%p, %#zx, %#x) = %d -> %p", (const void *)host, size, access,
          err, err ? NULL : lowmap_alias_ptr(h));
    bool bad = !host || !size || (access & ~LOWMAP_ACCESS_MASK) ||
               !(access & (LOWMAP_READ | LOWMAP_WRITE));
    bool wraps = (uintptr_t)host + size < (uintptr_t)host ||
                 (uintptr_t)host + size > UINTPTR_MAX - page + 1;
    bool in_ro = o == OWNED && host >= priv && host < priv + priv_len &&
                 (uintptr_t)host + size > (uintptr_t)(priv + RW_PAGES * page);

    check_error(err, "create");
    if (err) {
        check(h == NULL, "failed create left a handle");
    }
    if (bad) {
        check(err == LOWMAP_EINVAL, "bad create gave %d", err);
        return;
    }
    if (wraps) {
        check(err == LOWMAP_EOVERFLOW, "wrapping create gave %d", err);
        return;
    }
    if (o == UNMAPPED || o == GUARD || size > room) {
        /* The guards are PROT_NONE: nothing past owned memory is used. */
        check(err == LOWMAP_EFAULT, "create past owned memory gave %d", err);
        return;
    }
    if (in_ro && (access & LOWMAP_WRITE)) {
        check(err == LOWMAP_EFAULT, "write alias of read-only gave %d", err);
        return;
    }
    check(err == 0 || err == LOWMAP_ENOMEM, "create of owned memory: %s",
          lowmap_strerror(err));
    if (err)
        return;
    if (s.na == MAX_ALIASES) {
        check(lowmap_alias_release(h) == 0, "release");
        return;
    }
    /* A new handle may reuse the address of a released one. */
    for (size_t i = 0; i < s.ns; i++)
        if (s.stale[i] == (uintptr_t)h)
            s.stale[i--] = s.stale[--s.ns];
    struct alias *a = &s.a[s.na++];
    *a = (struct alias){.h = h, .host = host, .size = size, .access = access,
                        .strategy = lowmap_alias_strategy(h), .block = block};
    check(a->strategy >= LOWMAP_STRATEGY_PASSTHROUGH &&
              a->strategy <= LOWMAP_STRATEGY_SHADOW,
          "strategy %d", a->strategy);
    /* Views keep the page offset; shadows the alignment up to half a
     * page (strategy.c). */
    check(((uintptr_t)lowmap_alias_ptr(h) ^ (uintptr_t)host) %
                  (shadow(a) ? page / 2 : page) == 0,
          "low pointer does not keep the host's alignment");
    if (shadow(a) && copies_in(access))
        check(memcmp(lowmap_alias_ptr(h), host, size) == 0,
              "shadow does not hold the host contents after create");
    if (!shadow(a))
        check(memcmp(lowmap_alias_ptr(h), host, size) == 0,
              "zero-copy view differs from the host");
    if (shadow(a) && touchable(a) && (access & LOWMAP_PERSISTENT) &&
        writes_back(access) && (a->agreed = malloc(size)) != NULL)
        memcpy(a->agreed, host, size);
}

/* Bytes around the alias in its first and last page, which no copy may
 * touch, and for a shadow that must not write back, the range itself. */
struct around { char head[4096], tail[4096]; size_t nh, nt; char *body; };

static void snapshot(const struct alias *a, struct around *r)
{
    uintptr_t h = (uintptr_t)a->host, end = h + a->size;

    r->nh = h % page;
    r->nt = (page - end % page) % page;
    memcpy(r->head, a->host - r->nh, r->nh);
    memcpy(r->tail, a->host + a->size, r->nt);
    r->body = NULL;
    if (!writes_back(a->access)) {
        r->body = malloc(a->size);
        check(r->body, "out of memory");
        memcpy(r->body, a->host, a->size);
    }
}

static void op_release(void)
{
    unsigned how = (unsigned)take(1) % 4;
    struct alias *a = pick();
    int err;

    if (how == 1 && s.ns) {
        err = lowmap_alias_release((lowmap_alias *)s.stale[take(1) % s.ns]);
        check(err == LOWMAP_EALREADY, "release of a released handle: %d", err);
        return;
    }
    if (how == 2) {
        /* Not a handle at all, and not to be read: our own buffer. */
        err = lowmap_alias_release((lowmap_alias *)(priv + take(1)));
        check(err == LOWMAP_EALREADY, "release of a bogus handle: %d", err);
        check(lowmap_alias_release(NULL) == LOWMAP_EINVAL, "release NULL");
        return;
    }
    if (!a)
        return;

    struct around r;
    bool look = shadow(a) && touchable(a);
    if (look)
        snapshot(a, &r);
    void *low = lowmap_alias_ptr(a->h);
    err = lowmap_alias_release(a->h);
    trace("release(%p -> %p, strategy %d) = %d", (const void *)a->host, low,
          a->strategy, err);
    check(err == 0, "release of a live handle: %d", err);
    if (look) {
        check(memcmp(r.head, a->host - r.nh, r.nh) == 0 &&
                  memcmp(r.tail, a->host + a->size, r.nt) == 0,
              "shadow release wrote outside its range");
        if (r.body)
            check(memcmp(r.body, a->host, a->size) == 0,
                  "release of a shadow with access %#x wrote the host",
                  a->access);
        else
            for (size_t i = 0; i < a->nw; i++)
                check(!must_show(a, a->w[i].off, a->w[i].val) ||
                          (unsigned char)a->host[a->w[i].off] == a->w[i].val,
                      "shadow release lost the write at %#zx", a->w[i].off);
        free(r.body);
    }
    drop(a);
    if (s.ns < MAX_STALE)
        s.stale[s.ns++] = (uintptr_t)a->h;
    if (how == 3) /* and once more */
        check(lowmap_alias_release(a->h) == LOWMAP_EALREADY, "double release");
    *a = s.a[--s.na];
}

/* Writes a few bytes through the low view. */
static void op_write(void)
{
    struct alias *a = pick();

    if (!a || !touchable(a) || !(a->access & LOWMAP_WRITE))
        return;
    char *low = lowmap_alias_ptr(a->h);
    for (unsigned n = 1 + (unsigned)take(1) % 3; n; n--) {
        size_t off = take(4) % a->size;
        unsigned char val = (unsigned char)take(1);
        low[off] = (char)val;
        if (!shadow(a)) {
            check((unsigned char)a->host[off] == val,
                  "zero-copy write at %#zx not seen by the host", off);
            continue;
        }
        size_t i = 0;
        while (i < a->nw && a->w[i].off != off)
            i++;
        if (i == MAX_WRITES)
            continue; /* full: this write goes unchecked */
        a->w[i] = (struct write){off, val};
        if (i == a->nw)
            a->nw++;
    }
}

/* flush (0), refresh (1) or sync (2) on a live, released or bogus handle. */
static void op_sync(unsigned which)
{
    static const char *const name[] = {"flush", "refresh", "sync"};
    unsigned target = (unsigned)take(1) % 4;
    struct alias *a = pick();
    lowmap_alias *h = a ? a->h : NULL;
    size_t off = 0, size = 0;
    int err, want = 0;

    if (target == 1 || !a) {
        h = s.ns ? (lowmap_alias *)s.stale[take(1) % s.ns]
                 : (lowmap_alias *)(priv + 8);
        a = NULL;
        want = LOWMAP_ENOENT;
    } else if (target == 2) {
        h = NULL;
        a = NULL;
        want = LOWMAP_EINVAL;
    }
    if (which < 2) {
        size_t limit = a ? a->size : page;
        off = take(1) & 1 ? take(4) % (limit + 1) : SIZE_MAX - take(1);
        size = take_size(limit - (off < limit ? off : limit));
        if (!size)
            want = LOWMAP_EINVAL;
        else if (a && (off > a->size || size > a->size - off))
            want = LOWMAP_EINVAL;
        else if (a && which == 0 && !(a->access & LOWMAP_WRITE))
            want = LOWMAP_EINVAL;
    }
    if (!h)
        want = LOWMAP_EINVAL;
    err = which == 0   ? lowmap_alias_flush(h, off, size)
          : which == 1 ? lowmap_alias_refresh(h, off, size)
                       : lowmap_alias_sync(h);
    trace("%s(%p, %#zx, %#zx) = %d", name[which], (void *)h, off, size, err);
    check_error(err, name[which]);
    check(err == want, "%s gave %d, expected %d", name[which], err, want);
    if (err || !shadow(a) || !touchable(a))
        return;

    const char *low = lowmap_alias_ptr(a->h);
    if (which == 2) {
        if (!writes_back(a->access))
            return;
        for (size_t i = 0; i < a->nw; i++)
            check(!must_show(a, a->w[i].off, a->w[i].val) ||
                      (unsigned char)a->host[a->w[i].off] == a->w[i].val,
                  "sync lost the write at %#zx", a->w[i].off);
        a->nw = 0;
        agree(a, 0, a->size);
        return;
    }
    check(memcmp(a->host + off, low + off, size) == 0, "%s did not copy",
          name[which]);
    agree(a, off, size);
    /* Refreshed bytes hold the host again, flushed ones are published. */
    for (size_t i = 0; i < a->nw; i++)
        if (a->w[i].off >= off && a->w[i].off - off < size)
            a->w[i--] = a->w[--a->nw];
}

static void op_translate(void)
{
    struct alias *a = pick();
    const char *p;

    if (a && take(1) & 1) {
        p = a->host + take(4) % a->size;
    } else {
        enum origin o;
        int block;
        size_t room;
        p = take_host(&o, &block, &room);
    }
    char *low = lowmap_translate(p);
    bool covered = false;

    for (size_t i = 0; i < s.na; i++) {
        struct alias *b = &s.a[i];
        if (p < b->host || (size_t)(p - b->host) >= b->size)
            continue;
        covered = true;
        if (low == (char *)lowmap_alias_ptr(b->h) + (p - b->host))
            return;
    }
    check(!covered && !low, "translate(%p) gave %p, %s", (void *)p,
          (void *)low, covered ? "not a live alias's pointer" : "not NULL");
}

static void op_mem_alloc(void)
{
    int b = (int)(take(1) % MAX_BLOCKS);
    size_t size = take(1) & 1 ? take_size(256 * 1024) : 1 + take(3) % 65536;
    void *p = (void *)1;
    int err;

    if (s.blocks[b])
        return;
    err = lowmap_mem_alloc(size, &p);
    trace("mem_alloc(%#zx) = %d -> %p", size, err, p);
    check_error(err, "mem_alloc");
    if (err) {
        check(p == NULL, "failed mem_alloc left a pointer");
        check(!size || size > ((size_t)1 << 31) || err == LOWMAP_ENOMEM,
              "mem_alloc(%#zx): %d", size, err);
        return;
    }
    check((uintptr_t)p + size <= lowmap_limit(), "block above the limit");
    s.block_len[b] = size;
    s.blocks[b] = p;
    check(((char *)p)[0] == 0 && ((char *)p)[size - 1] == 0, "not zeroed");
    ((char *)p)[size - 1] = 1;
}

static void op_mem_free(void)
{
    int b = (int)(take(1) % MAX_BLOCKS);
    int err;

    if (!s.blocks[b] || take(1) % 4 == 0) {
        char *bogus = s.blocks[b] ? s.blocks[b] + 1 : priv;
        err = lowmap_mem_free(take(1) & 1 ? bogus : NULL);
        check(err == LOWMAP_ENOENT || err == LOWMAP_EINVAL,
              "mem_free of a bogus pointer: %d", err);
        return;
    }
    trace("mem_free(%p)", (void *)s.blocks[b]);
    check(lowmap_mem_free(s.blocks[b]) == 0, "mem_free");
    for (size_t i = 0; i < s.na; i++)
        if (s.a[i].block == b)
            s.a[i].dead = true;
    s.blocks[b] = NULL;
}

static void op_add_range(void)
{
    unsigned how = (unsigned)take(1) % 6;
    char *low = donate ? donated[0] : (char *)(uintptr_t)(64 << 20);
    int err;

    switch (how) {
    case 0: err = lowmap_add_range(NULL, page); break;
    case 1: err = lowmap_add_range(low + 1 + take(1), page); break;
    case 2: err = lowmap_add_range(low, 1 + take(1)); break;
    case 3: err = lowmap_add_range(low, 0); break;
    case 4: err = lowmap_add_range((void *)(UINTPTR_MAX & ~(page - 1)),
                                   2 * page); break;
    default:
        if (!donate) {
            /* Wholly above the limit: refused before anything changes. */
            err = lowmap_add_range((void *)lowmap_limit(), page);
            break;
        }
        int half = (int)(take(1) & 1);
        err = lowmap_add_range(donated[half], DONATED_HALF);
        check(err == (is_donated[half] ? LOWMAP_EEXIST : 0),
              "add_range of a real range: %d", err);
        is_donated[half] = true;
        return;
    }
    trace("add_range(case %u) = %d", how, err);
    check_error(err, "add_range");
    check(err == LOWMAP_EINVAL || err == LOWMAP_EOVERFLOW,
          "add_range of a bad range gave %d", err);
}

static void released_range(char *p, size_t size)
{
    int half = p == donated[0] ? 0 : p == donated[1] ? 1 : -1;

    check(half >= 0 && is_donated[half] && size == DONATED_HALF,
          "release_range gave back %p+%#zx, never donated", (void *)p, size);
    check(p[0] == 0 && p[size - 1] == 0, "range came back with contents");
    p[0] = 1; /* readable and writable */
    p[0] = 0;
    is_donated[half] = false;
}

static void op_release_range(void)
{
    unsigned flags = (unsigned)take(1);
    size_t size = 1;
    char *p = lowmap_release_range(flags & 0x80 ? flags : flags & 1, &size);
    trace("release_range(%#x) = %p+%#zx", flags, (void *)p, size);

    if (!p) {
        check(size == 0, "no range, size %zu", size);
        return;
    }
    check(!(flags & 0x80), "bad flags gave a range");
    released_range(p, size);
}

/* ---- the program ---------------------------------------------------------- */

static char *map_guarded(size_t len, int fd)
{
    char *g = mmap(NULL, len + 2 * page, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    char *p;

    check(g != MAP_FAILED, "guard");
    p = mmap(g + page, len, PROT_READ | PROT_WRITE,
             MAP_FIXED | (fd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS),
             fd, 0);
    check(p == g + page, "buffer");
    return p;
}

static char *map_low_range(size_t len)
{
    for (uintptr_t a = (uintptr_t)256 << 20; a + len <= LOWMAP_LIMIT_2G;
         a += (uintptr_t)16 << 20) {
        void *p = mmap((void *)a, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
                       0);
        if (p == (void *)a)
            return p;
        if (p != MAP_FAILED)
            munmap(p, len);
    }
    check(0, "no free low range");
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *d = getenv("FUZZ_API_DONATE");
    int fd = memfd_create("fuzz_api", MFD_CLOEXEC);

    page = (size_t)sysconf(_SC_PAGESIZE);
    priv_len = (RW_PAGES + RO_PAGES) * page;
    shm_len = RW_PAGES * page;
    priv = map_guarded(priv_len, -1);
    check(mprotect(priv + RW_PAGES * page, RO_PAGES * page, PROT_READ) == 0,
          "mprotect");
    check(fd >= 0 && ftruncate(fd, (off_t)shm_len) == 0, "memfd");
    shm = map_guarded(shm_len, fd); /* the fd stays open for fd_remap */

    donate = d && strcmp(d, "1") == 0;
    if (donate) {
        donated[0] = map_low_range(2 * DONATED_HALF);
        donated[1] = donated[0] + DONATED_HALF;
        check(lowmap_add_range(donated[0], DONATED_HALF) == 0, "donate");
        is_donated[0] = true;
    }
    return 0;
}

/* Leave lowmap as this input found it, so inputs do not depend on each
 * other: no aliases, no blocks, only the first half donated. */
static void reset(void)
{
    while (s.na) {
        trace("cleanup: release %p", lowmap_alias_ptr(s.a[s.na - 1].h));
        check(lowmap_alias_release(s.a[s.na - 1].h) == 0, "cleanup release");
        drop(&s.a[s.na - 1]);
        s.na--;
    }
    for (int b = 0; b < MAX_BLOCKS; b++)
        if (s.blocks[b])
            check(lowmap_mem_free(s.blocks[b]) == 0, "cleanup mem_free");
    if (!donate)
        return;
    size_t size;
    char *p;
    while ((p = lowmap_release_range(LOWMAP_RELEASE_ALL, &size)))
        released_range(p, size);
    check(!is_donated[0] && !is_donated[1], "a donated range stayed");
    check(lowmap_add_range(donated[0], DONATED_HALF) == 0, "donate again");
    is_donated[0] = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Set here: libFuzzer installs its own after LLVMFuzzerInitialize. */
    if (!trace_n)
        __sanitizer_set_death_callback(dump_trace);
    trace("-- input of %zu bytes", size);
    memset(&s, 0, sizeof(s));
    s.p = data;
    s.n = size;
    for (int ops = 0; s.n && ops < MAX_OPS; ops++) {
        switch (take(1) % 12) {
        case 0: case 1: op_create(); break;
        case 2: op_release(); break;
        case 3: case 4: op_write(); break;
        case 5: op_sync(0); break;
        case 6: op_sync(1); break;
        case 7: op_sync(2); break;
        case 8: op_translate(); break;
        case 9: op_mem_alloc(); break;
        case 10: op_mem_free(); break;
        default:
            if (take(1) & 1)
                op_add_range();
            else
                op_release_range();
        }
        check_invariants();
    }
    reset();
    check_invariants();
    return 0;
}
