/*
 * Many threads creating and releasing aliases at once, checking contents.
 *
 * SPDX-License-Identifier: MIT
 */
#include <pthread.h>

#include "helpers.h"

TestSuite(arena_threads, .init = env_reset, .timeout = 30);

enum { THREADS = 4, ROUNDS = 300, PAGES = 3 };

struct worker {
    int id;
    char *shared, *priv;
    char error[160];
};

/* Criterion's asserts must run on the test's own thread: workers report
 * the first problem in w->error instead. */
static int one_round(struct worker *w, int i)
{
    size_t size = PAGES * PAGE - 200;
    unsigned seed = (unsigned)(w->id * 1000 + i);
    int zero_copy = i % 2;
    char *host = (zero_copy ? w->shared : w->priv) + 100;
    int want = zero_copy ? LOWMAP_STRATEGY_MREMAP : LOWMAP_STRATEGY_SHADOW;
    lowmap_alias *a;
    int err;

    fill(host, size, seed);
    err = lowmap_alias_create(host, size, LOWMAP_READ | LOWMAP_WRITE, &a);
    if (err)
        return snprintf(w->error, sizeof(w->error), "round %d: %s", i,
                        lowmap_strerror(err));
    char *low = lowmap_alias_ptr(a);
    if (lowmap_alias_strategy(a) != want ||
        (uintptr_t)low + size > lowmap_limit())
        return snprintf(w->error, sizeof(w->error), "round %d: %s at %p", i,
                        lowmap_strategy_name(lowmap_alias_strategy(a)),
                        (void *)low);
    if (!holds(low, size, seed))
        return snprintf(w->error, sizeof(w->error),
                        "round %d: low view shows other data", i);
    if (lowmap_translate(host + 5) != low + 5)
        return snprintf(w->error, sizeof(w->error),
                        "round %d: translate disagrees", i);
    fill(low, size, seed + 1);
    if ((err = lowmap_alias_release(a)))
        return snprintf(w->error, sizeof(w->error), "round %d: release: %s",
                        i, lowmap_strerror(err));
    if (!holds(host, size, seed + 1))
        return snprintf(w->error, sizeof(w->error),
                        "round %d: low writes lost", i);
    return 0;
}

static void *work(void *arg)
{
    struct worker *w = arg;

    for (int i = 0; i < ROUNDS && !one_round(w, i); i++)
        ;
    return NULL;
}

Test(arena_threads, create_release_with_content_checks)
{
    struct worker w[THREADS];
    pthread_t t[THREADS];

    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.id = i};
        w[i].shared = map_memfd(PAGES * PAGE, NULL);
        w[i].priv = map_anon(PAGES * PAGE, MAP_PRIVATE);
    }
    for (int i = 0; i < THREADS; i++)
        cr_assert(pthread_create(&t[i], NULL, work, &w[i]) == 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++)
        cr_expect(w[i].error[0] == '\0', "thread %d: %s", i, w[i].error);

    struct lowmap_stats s = stats_now();
    cr_assert(s.aliases_live == 0);
    cr_assert(s.aliases_created[LOWMAP_STRATEGY_MREMAP] +
                  s.aliases_created[LOWMAP_STRATEGY_SHADOW] ==
              THREADS * ROUNDS);
    cr_assert(s.arena_used <= s.arena_bytes);
}
