/*
 * A mutex biased toward one thread: the share group's lock.
 *
 * Most programs use a share group from one thread, and a map + unmap takes
 * the group's lock twice: with a pthread mutex, four locked instructions,
 * about a tenth of what a small shadow's map + unmap costs.  The first
 * thread to take an lm_lock owns its bias and from then on enters and
 * leaves with plain stores.  The first time another thread takes it, that
 * thread revokes the bias for good: every thread of the process passes a
 * full memory barrier (membarrier(2)) and the revoker waits for the owner
 * to leave; from then on everyone takes the mutex.
 *
 * Where the kernel has no expedited membarrier (before Linux 4.14, or a
 * seccomp filter refusing it), no lock is ever biased.
 *
 * Not recursive; no thread may exit holding one.  Across fork() it is
 * what a mutex is: the child inherits it as it was.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef LOWMAP_GL_LOCK_H
#define LOWMAP_GL_LOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct lm_lock {
    pthread_mutex_t mutex;
    /* The thread holding the bias (lm_lock_self()), 0 once revoked. */
    _Atomic uintptr_t owner;
    /* mutex-guarded: the thread the bias went to, owner until revoked and
     * still it after; 0 while no thread has had it. */
    uintptr_t biased;
    _Atomic bool busy; /* written by `biased` alone: inside through it */
};

/* The calling thread, told apart from every other live one by the
 * address of a variable of its own: two instructions, where
 * pthread_self() is a call into the C library. */
extern _Thread_local char lm_lock_thread
    __attribute__((tls_model("initial-exec")));

static inline uintptr_t lm_lock_self(void)
{
    return (uintptr_t)&lm_lock_thread;
}

void lm_lock_init(struct lm_lock *l);
void lm_lock_destroy(struct lm_lock *l);
void lm_lock_slow(struct lm_lock *l);

/* Whether the calling thread holds @l's bias, and whether this process
 * can bias locks at all (asks the kernel on first use). */
bool lm_lock_biased(struct lm_lock *l);
bool lm_lock_bias_available(void);

static inline void lm_lock(struct lm_lock *l)
{
    uintptr_t self = lm_lock_self();

    if (atomic_load_explicit(&l->owner, memory_order_relaxed) == self) {
        atomic_store_explicit(&l->busy, true, memory_order_relaxed);
        /* The revoker's membarrier stands for the fence between the store
         * above and the load below; only the compiler needs stopping. */
        atomic_signal_fence(memory_order_seq_cst);
        if (atomic_load_explicit(&l->owner, memory_order_relaxed) == self)
            return;
        atomic_store_explicit(&l->busy, false, memory_order_release);
    }
    lm_lock_slow(l);
}

static inline void lm_unlock(struct lm_lock *l)
{
    /* Only the biased thread ever sets busy, so it alone can see its own
     * store here. */
    if (l->biased == lm_lock_self() &&
        atomic_load_explicit(&l->busy, memory_order_relaxed)) {
        atomic_store_explicit(&l->busy, false, memory_order_release);
        return;
    }
    pthread_mutex_unlock(&l->mutex);
}

#endif
