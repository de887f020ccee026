/*
 * fork() with live aliases, and process exit with aliases live.
 *
 * The child inherits every view as the kernel copies it: zero-copy views
 * stay shared with the host mapping (so writes through them reach the
 * parent, as the host memory's own writes would), shadows and private
 * host memory become copy-on-write.  Nothing the child does may change
 * the parent's private memory or lowmap state, and lowmap must go on
 * working in both.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/wait.h>

#include "helpers.h"
#include "stress.h"

TestSuite(fork, .init = env_reset, .timeout = 60);

#define RW (LOWMAP_READ | LOWMAP_WRITE)

/* In the child: no Criterion, just an exit status naming the failure. */
#define CHILD_CHECK(code, cond)                                              \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "child: check %d failed: %s\n", code, #cond);    \
            _exit(code);                                                     \
        }                                                                    \
    } while (0)

/* Waits for the child @pid, which exits 0 where every check passed. */
static void assert_child_passed(pid_t pid)
{
    int status;

    cr_assert(waitpid(pid, &status, 0) == pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child failed: status %#x", status);
}

static void child_works(char *zlow, char *slow, char *priv, size_t size)
{
    lowmap_alias *a = NULL;

    /* Its copies of the parent's views. */
    memset(zlow, 0x77, size);
    memset(slow, 0x66, size);
    /* The inherited shadow is the child's own now: it writes back into
     * the child's copy of the private memory. */
    memset(priv + size, 0x55, size);
    /* New aliases, a dirty-tracked shadow among them: its userfaultfd
     * must be the child's. */
    for (int i = 0; i < 50; i++) {
        CHILD_CHECK(2, lowmap_alias_create(priv + size, size, RW, &a) == 0);
        char *low = lowmap_alias_ptr(a);
        CHILD_CHECK(3, lowmap_alias_strategy(a) == LOWMAP_STRATEGY_SHADOW);
        CHILD_CHECK(4, all_bytes(low, size, 0x55));
        low[i] = 0x44;
        CHILD_CHECK(5, lowmap_alias_sync(a) == 0);
        CHILD_CHECK(6, priv[size + i] == 0x44);
        CHILD_CHECK(7, lowmap_alias_release(a) == 0);
        priv[size + i] = 0x55;
    }
    void *m;
    CHILD_CHECK(8, lowmap_mem_alloc(size, &m) == 0);
    CHILD_CHECK(9, lowmap_mem_free(m) == 0);
}

Test(fork, child_leaves_the_parent_alone)
{
    size_t size = 16 * PAGE;
    char *shared = map_memfd(size, NULL);
    char *priv = map_anon(2 * size, MAP_PRIVATE);
    fill(shared, size, 1);
    fill(priv, 2 * size, 2);
    lowmap_alias *z = alias_ok(shared, size, RW);
    lowmap_alias *sh = alias_ok(priv, size, RW);
    cr_assert(lowmap_alias_strategy(z) == LOWMAP_STRATEGY_MREMAP);
    cr_assert(lowmap_alias_strategy(sh) == LOWMAP_STRATEGY_SHADOW);
    char *zlow = lowmap_alias_ptr(z), *slow = lowmap_alias_ptr(sh);

    /* A pending shadow write the child must not publish for us. */
    slow[1] = 0x11;
    /* Static: the child exits (running LeakSanitizer under ASan) while
     * these are still in use, and must not see them as leaks. */
    static char *shadow_before, *priv_before;
    shadow_before = malloc(size);
    priv_before = malloc(2 * size);
    memcpy(shadow_before, slow, size);
    memcpy(priv_before, priv, 2 * size);

    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        child_works(zlow, slow, priv, size);
        /* Exit with the inherited aliases live: no destructor may trip. */
        exit(0);
    }
    assert_child_passed(pid);

    /* Private memory and the shadow are exactly as before... */
    cr_assert(memcmp(slow, shadow_before, size) == 0, "shadow changed");
    cr_assert(memcmp(priv, priv_before, 2 * size) == 0, "host changed");
    /* ...shared memory shows the child's writes, as shared memory does. */
    cr_assert(all_bytes(shared, size, 0x77));
    cr_assert(all_bytes(zlow, size, 0x77));

    /* lowmap still works here: write-back of what the parent wrote after
     * the fork (dirty tracking survived it), new aliases, sync. */
    slow[2] = 0x22;
    cr_assert(lowmap_alias_sync(sh) == 0);
    cr_assert(priv[1] == 0x11 && priv[2] == 0x22);
    slow[3] = 0x33;
    cr_assert(lowmap_alias_release(sh) == 0);
    cr_assert(priv[3] == 0x33);
    cr_assert(memcmp(priv + 4, priv_before + 4, 2 * size - 4) == 0);
    lowmap_alias *again = alias_ok(priv + size, size, RW);
    cr_assert(memcmp(lowmap_alias_ptr(again), priv_before + size, size) == 0);
    cr_assert(lowmap_alias_release(again) == 0);
    cr_assert(lowmap_alias_release(z) == 0);
    cr_assert(stats_now().aliases_live == 0);
    free(shadow_before);
    free(priv_before);
}

/*
 * A tracked shadow's write-backs after fork: the parent's userfaultfd and
 * pagemap fd speak for the parent's memory, so a child that used them
 * would read the parent's written pages for its own, and lose its writes.
 */
Test(fork, the_child_tracks_its_own_writes)
{
    struct lowmap_caps caps = {.size = sizeof(caps)};
    size_t size = 4 * PAGE;
    char *priv = map_anon(size, MAP_PRIVATE);

    setenv("LOWMAP_DIRTY", "track", 1);
    cr_assert(lowmap_probe(&caps) == 0);
    if (caps.dirty_tracking != LOWMAP_YES)
        cr_skip_test("the kernel does not track writes here");
    fill(priv, size, 2);
    lowmap_alias *sh = alias_ok(priv, size, RW);
    cr_assert(lowmap_alias_strategy(sh) == LOWMAP_STRATEGY_SHADOW);
    char *slow = lowmap_alias_ptr(sh);
    /* Tracked now, its pages protected again by this sync. */
    slow[0] = 0x11;
    cr_assert(lowmap_alias_sync(sh) == 0);
    cr_assert(priv[0] == 0x11);
    cr_assert(stats_now().writebacks_tracked > 0, "the shadow is not tracked");
    char before[4 * PAGE];
    memcpy(before, priv, size);

    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        slow[PAGE + 5] = 0x5a;
        CHILD_CHECK(2, lowmap_alias_sync(sh) == 0);
        CHILD_CHECK(3, priv[PAGE + 5] == 0x5a);
        slow[3 * PAGE] = 0x5b;
        CHILD_CHECK(4, lowmap_alias_release(sh) == 0);
        CHILD_CHECK(5, priv[3 * PAGE] == 0x5b);
        _exit(0);
    }
    assert_child_passed(pid);

    /* The parent's copies are untouched and still tracked. */
    cr_assert(memcmp(priv, before, size) == 0, "the child wrote ours");
    slow[2 * PAGE] = 0x22;
    cr_assert(lowmap_alias_sync(sh) == 0);
    cr_assert(priv[2 * PAGE] == 0x22);
    before[2 * PAGE] = 0x22;
    cr_assert(memcmp(priv, before, size) == 0);
    cr_assert(lowmap_alias_release(sh) == 0);
}

/* Runs this test binary's helper mode in a child: exit with live aliases
 * of every kind, LOWMAP_STATS=1. */
static void exit_with_live_aliases(void)
{
    /* Kept reachable, so that LeakSanitizer judges lowmap, not us. */
    static lowmap_alias *a[4];
    size_t size = 4 * PAGE;
    void *m;

    setenv("LOWMAP_STATS", "1", 1);
    lowmap_alias_create(map_memfd(size, NULL), size, RW, &a[0]);
    lowmap_alias_create(map_anon(size, MAP_PRIVATE), size, RW, &a[1]);
    ((char *)lowmap_alias_ptr(a[1]))[0] = 1; /* dirty, never written back */
    lowmap_alias_create(map_low(size), size, RW, &a[2]);
    lowmap_mem_alloc(size, &m);
    lowmap_alias_create(m, size, LOWMAP_READ, &a[3]);
}

Test(fork, exit_with_live_aliases_prints_stats)
{
    int pipefd[2];
    char out[4096] = {0};
    ssize_t n, got = 0;

    cr_assert(pipe(pipefd) == 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        exit_with_live_aliases();
        exit(0); /* runs lowmap's destructor with everything live */
    }
    close(pipefd[1]);
    while ((n = read(pipefd[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
        got += n;
    int status;
    cr_assert(waitpid(pid, &status, 0) == pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child died: status %#x, stderr: %s", status, out);
    cr_assert(strstr(out, "lowmap: stats: ") != NULL, "no stats line: %s",
              out);
    cr_assert(strstr(out, " live 4 ") != NULL, "not 4 live: %s", out);
}
