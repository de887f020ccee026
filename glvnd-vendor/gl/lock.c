/*
 * The biased lock's slow side (lock.h): the mutex, granting the bias to
 * the first thread, and revoking it when a second one comes.
 *
 * Why a revoke is safe: the owner stores busy, then loads owner; the
 * revoker stores owner = 0, runs membarrier, then loads busy.  membarrier
 * puts a full barrier into every running thread of the process, so the
 * owner's store-then-load cannot pass the revoker's store-then-load: either
 * the owner sees owner == 0 and takes the mutex (which the revoker holds),
 * or the revoker sees busy and waits for the owner's release store.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <linux/membarrier.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gl_private.h"
#include "lock.h"

_Thread_local char lm_lock_thread __attribute__((tls_model("initial-exec")));

static pthread_once_t registered_once = PTHREAD_ONCE_INIT;
static bool can_bias;

static int membarrier(int cmd)
{
    return (int)syscall(SYS_membarrier, cmd, 0, 0);
}

static void register_membarrier(void)
{
    int cmds = membarrier(MEMBARRIER_CMD_QUERY);

    can_bias = cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
               membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
    lm_log(LM_LOG_INFO, "gl: share-group locks %s",
           can_bias ? "are biased toward their first thread (membarrier)"
                    : "are plain mutexes (no expedited membarrier)");
}

void lm_lock_init(struct lm_lock *l)
{
    pthread_mutex_init(&l->mutex, NULL);
    atomic_init(&l->owner, 0);
    atomic_init(&l->busy, false);
    l->biased = 0;
}

void lm_lock_destroy(struct lm_lock *l)
{
    pthread_mutex_destroy(&l->mutex);
}

/* Mutex held, bias held by another thread: take it back for good. */
static void revoke_bias(struct lm_lock *l)
{
    atomic_store(&l->owner, 0);
    if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0) {
        /* Only a forked child, whose registration the kernel may have
         * dropped, gets here; register again.  Its other threads are
         * gone, so no owner can be running anyway. */
        membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED);
        membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
    }
    while (atomic_load_explicit(&l->busy, memory_order_acquire))
        sched_yield();
    lm_log(LM_LOG_TRACE, "gl: share-group lock %p: bias revoked", (void *)l);
}

void lm_lock_slow(struct lm_lock *l)
{
    uintptr_t self = lm_lock_self();

    pthread_mutex_lock(&l->mutex);
    if (atomic_load_explicit(&l->owner, memory_order_relaxed) != 0) {
        revoke_bias(l);
        return;
    }
    if (l->biased)
        return;
    pthread_once(&registered_once, register_membarrier);
    if (!can_bias)
        return;
    /* Ours from the next lock on: this one ends on the mutex. */
    l->biased = self;
    atomic_store_explicit(&l->owner, self, memory_order_relaxed);
}

bool lm_lock_biased(struct lm_lock *l)
{
    return atomic_load_explicit(&l->owner, memory_order_relaxed) ==
           lm_lock_self();
}

bool lm_lock_bias_available(void)
{
    pthread_once(&registered_once, register_membarrier);
    return can_bias;
}
