/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sgx_thread mutexes and condition variables (sgx_thread.h) on the futex
 * system call. The mutex is the classic three-state futex lock (0 free,
 * 1 locked, 2 locked with possible waiters): taking a free mutex and
 * releasing one without waiters make no system call. The condition
 * variable is a sequence number that waiters sleep on.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sgx_thread.h"

/* musl has no <linux/futex.h>; the Linux ABI values. */
#ifndef FUTEX_WAIT
#define FUTEX_WAIT         0
#define FUTEX_WAKE         1
#define FUTEX_PRIVATE_FLAG 128
#endif

_Static_assert(sizeof(sgx_thread_mutex_t) == 40, "SGX's mutex size");
_Static_assert(sizeof(sgx_thread_cond_t) == 24, "SGX's condition variable size");

static void futex_wait(volatile uint32_t *word, uint32_t val)
{
	syscall(SYS_futex, word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void futex_wake(volatile uint32_t *word, int n)
{
	syscall(SYS_futex, word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, n, NULL, NULL, 0);
}

sgx_thread_t sgx_thread_self(void)
{
	return (sgx_thread_t)pthread_self();
}

int sgx_thread_equal(sgx_thread_t a, sgx_thread_t b)
{
	return a == b;
}

static sgx_thread_t owner_of(const sgx_thread_mutex_t *m)
{
	return __atomic_load_n(&m->m_owner, __ATOMIC_RELAXED);
}

static int recursive(const sgx_thread_mutex_t *m)
{
	return m->m_control == SGX_THREAD_MUTEX_RECURSIVE;
}

/* Takes the lock word, blocking; `contended` starts in state 2 (after a
 * condition wait, other waiters may exist). */
static void lock_word(volatile uint32_t *w, int contended)
{
	uint32_t c = 0;
	if (!contended &&
	    __atomic_compare_exchange_n(w, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (contended || c != 2)
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		futex_wait(w, 2);
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	}
}

static void unlock_word(volatile uint32_t *w)
{
	if (__atomic_exchange_n(w, 0, __ATOMIC_RELEASE) == 2)
		futex_wake(w, 1);
}

static void take(sgx_thread_mutex_t *m, sgx_thread_t self, size_t count)
{
	__atomic_store_n(&m->m_owner, self, __ATOMIC_RELAXED);
	m->m_refcount = count;
}

int sgx_thread_mutex_init(sgx_thread_mutex_t *mutex, const sgx_thread_mutexattr_t *unused)
{
	(void)unused;
	if (!mutex)
		return EINVAL;
	mutex->m_refcount = 0;
	mutex->m_control = SGX_THREAD_MUTEX_NONRECURSIVE;
	mutex->m_lock = 0;
	mutex->m_owner = SGX_THREAD_T_NULL;
	mutex->m_queue.m_first = SGX_THREAD_T_NULL;
	mutex->m_queue.m_last = SGX_THREAD_T_NULL;
	return 0;
}

int sgx_thread_mutex_destroy(sgx_thread_mutex_t *mutex)
{
	if (!mutex)
		return EINVAL;
	if (__atomic_load_n(&mutex->m_lock, __ATOMIC_ACQUIRE) != 0)
		return EBUSY;
	mutex->m_refcount = 0;
	mutex->m_owner = SGX_THREAD_T_NULL;
	return 0;
}

int sgx_thread_mutex_lock(sgx_thread_mutex_t *mutex)
{
	if (!mutex)
		return EINVAL;
	sgx_thread_t self = sgx_thread_self();
	if (owner_of(mutex) == self) {
		if (!recursive(mutex))
			return EDEADLK;
		mutex->m_refcount++;
		return 0;
	}
	lock_word(&mutex->m_lock, 0);
	take(mutex, self, 1);
	return 0;
}

int sgx_thread_mutex_trylock(sgx_thread_mutex_t *mutex)
{
	if (!mutex)
		return EINVAL;
	sgx_thread_t self = sgx_thread_self();
	if (owner_of(mutex) == self) {
		if (!recursive(mutex))
			return EBUSY;
		mutex->m_refcount++;
		return 0;
	}
	uint32_t c = 0;
	if (!__atomic_compare_exchange_n(&mutex->m_lock, &c, 1, 0, __ATOMIC_ACQUIRE,
	                                 __ATOMIC_RELAXED))
		return EBUSY;
	take(mutex, self, 1);
	return 0;
}

int sgx_thread_mutex_unlock(sgx_thread_mutex_t *mutex)
{
	if (!mutex)
		return EINVAL;
	if (owner_of(mutex) != sgx_thread_self() || mutex->m_refcount == 0)
		return EPERM;
	if (--mutex->m_refcount)
		return 0;
	__atomic_store_n(&mutex->m_owner, SGX_THREAD_T_NULL, __ATOMIC_RELAXED);
	unlock_word(&mutex->m_lock);
	return 0;
}

int sgx_thread_cond_init(sgx_thread_cond_t *cond, const sgx_thread_condattr_t *unused)
{
	(void)unused;
	if (!cond)
		return EINVAL;
	cond->m_lock = 0;
	cond->m_queue.m_first = 0;
	cond->m_queue.m_last = 0;
	return 0;
}

int sgx_thread_cond_destroy(sgx_thread_cond_t *cond)
{
	if (!cond)
		return EINVAL;
	if (__atomic_load_n(&cond->m_queue.m_first, __ATOMIC_SEQ_CST) != 0)
		return EBUSY;
	return 0;
}

int sgx_thread_cond_wait(sgx_thread_cond_t *cond, sgx_thread_mutex_t *mutex)
{
	if (!cond || !mutex)
		return EINVAL;
	sgx_thread_t self = sgx_thread_self();
	if (owner_of(mutex) != self || mutex->m_refcount == 0)
		return EPERM;
	/* Registered as a waiter and the sequence read while the mutex is
	 * held: a signal sent after the caller checked its predicate (under
	 * the mutex) changes the sequence after this read, so the futex wait
	 * below returns at once or is woken. */
	__atomic_add_fetch(&cond->m_queue.m_first, 1, __ATOMIC_SEQ_CST);
	uint32_t seq = __atomic_load_n(&cond->m_lock, __ATOMIC_SEQ_CST);
	size_t count = mutex->m_refcount;
	mutex->m_refcount = 0;
	__atomic_store_n(&mutex->m_owner, SGX_THREAD_T_NULL, __ATOMIC_RELAXED);
	unlock_word(&mutex->m_lock);

	futex_wait(&cond->m_lock, seq);

	__atomic_sub_fetch(&cond->m_queue.m_first, 1, __ATOMIC_SEQ_CST);
	lock_word(&mutex->m_lock, 1);
	take(mutex, self, count);
	return 0;
}

static int cond_wake(sgx_thread_cond_t *cond, int n)
{
	if (!cond)
		return EINVAL;
	__atomic_add_fetch(&cond->m_lock, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&cond->m_queue.m_first, __ATOMIC_SEQ_CST) != 0)
		futex_wake(&cond->m_lock, n);
	return 0;
}

int sgx_thread_cond_signal(sgx_thread_cond_t *cond)
{
	return cond_wake(cond, 1);
}

int sgx_thread_cond_broadcast(sgx_thread_cond_t *cond)
{
	return cond_wake(cond, INT_MAX);
}
