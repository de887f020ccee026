/*
 * The share group's lock (glvnd-vendor/gl/lock.h) on its own, no GL: the
 * first thread gets the bias, a second thread takes it back, and mutual
 * exclusion holds through the bias, the revocation and the mutex after.
 *
 * SPDX-License-Identifier: MIT
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "gl/lock.h"

#define ROUNDS 2000000

static struct lm_lock lock;
static volatile unsigned long counter; /* guarded by lock, plainly */
static atomic_bool started, inside;

static void setup(void)
{
    lm_lock_init(&lock);
    counter = 0;
    atomic_store(&started, false);
    atomic_store(&inside, false);
}

static void teardown(void)
{
    lm_lock_destroy(&lock);
}

TestSuite(lock, .init = setup, .fini = teardown);

/* The first lock grants the bias; later ones use it. */
static void take_bias(void)
{
    lm_lock(&lock);
    lm_unlock(&lock);
    if (!lm_lock_bias_available())
        cr_skip_test("no expedited membarrier here: locks stay mutexes");
    cr_assert(lm_lock_biased(&lock), "the first thread holds no bias");
}

static void *add_rounds(void *arg)
{
    (void)arg;
    atomic_store(&started, true);
    for (long i = 0; i < ROUNDS; i++) {
        lm_lock(&lock);
        counter = counter + 1;
        lm_unlock(&lock);
    }
    return NULL;
}

/* Read-modify-writes of a plain counter from the biased thread and a
 * second one: a lost update means two threads were inside at once. */
Test(lock, counts_every_round_across_the_revocation)
{
    pthread_t other;

    take_bias();
    for (long i = 0; i < ROUNDS / 4; i++) {
        lm_lock(&lock);
        counter = counter + 1;
        lm_unlock(&lock);
    }
    cr_assert_eq(pthread_create(&other, NULL, add_rounds, NULL), 0);
    while (!atomic_load(&started))
        ;
    for (long i = ROUNDS / 4; i < ROUNDS; i++) {
        lm_lock(&lock);
        counter = counter + 1;
        lm_unlock(&lock);
    }
    pthread_join(other, NULL);
    cr_assert_eq(counter, 2ul * ROUNDS, "%lu rounds counted of %lu", counter,
                 2ul * ROUNDS);
    cr_assert_not(lm_lock_biased(&lock), "the bias survived a second thread");
}

static void *take_while_inside(void *arg)
{
    (void)arg;
    while (!atomic_load(&inside))
        ;
    lm_lock(&lock);
    counter = 42;
    lm_unlock(&lock);
    return NULL;
}

/* A second thread arriving while the owner is inside through the bias
 * waits for it to leave. */
Test(lock, revoker_waits_for_the_owner)
{
    pthread_t other;

    take_bias();
    cr_assert_eq(pthread_create(&other, NULL, take_while_inside, NULL), 0);
    lm_lock(&lock);
    atomic_store(&inside, true);
    usleep(200 * 1000);
    unsigned long seen = counter;
    lm_unlock(&lock);
    pthread_join(other, NULL);
    cr_assert_eq(seen, 0, "another thread wrote %lu inside the owner's hold",
                 seen);
    cr_assert_eq(counter, 42);
    /* From now on both threads take the mutex. */
    cr_assert_not(lm_lock_biased(&lock));
}
