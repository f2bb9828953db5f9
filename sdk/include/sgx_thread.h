/* Enclave threads' synchronisation, with the Intel SGX SDK's types, names
 * and initializers (sgx_thread.h). Implemented by the DE trusted runtime on
 * the futex system call: a waiting thread blocks in the EVM's kernel (never
 * spins), which the cooperative scheduler needs.
 *
 * The structs keep SGX's layout and sizes (mutex 40 bytes, condition
 * variable 24 bytes on x86-64) so that code embedding them does not change;
 * the fields are the runtime's and are not to be touched by callers:
 *   mutex:  m_lock is the futex word (0 free, 1 locked, 2 locked with
 *           waiters), m_owner the owner's sgx_thread_self(), m_refcount the
 *           owner's lock count (recursive mutexes), m_control the kind
 *           (0 or SGX_THREAD_MUTEX_NONRECURSIVE, or SGX_THREAD_MUTEX_RECURSIVE);
 *           m_queue is unused.
 *   cond:   m_lock is a sequence number (the futex word), m_queue.m_first
 *           the number of waiters; m_queue.m_last is unused.
 * All-zero memory is a valid unlocked non-recursive mutex / condition
 * variable. Functions return 0 or an errno value: EINVAL (NULL), EBUSY
 * (trylock on a held mutex, destroy of a held mutex or of a condition
 * variable with waiters), EPERM (unlock or cond_wait without holding the
 * mutex), EDEADLK (locking a non-recursive mutex the caller holds; SGX
 * would hang). */
#ifndef _SGX_THREAD_H_
#define _SGX_THREAD_H_

#include <stddef.h>
#include <stdint.h>

#include "sgx_defs.h"

typedef uintptr_t sgx_thread_t;

typedef struct _sgx_thread_queue_t {
	sgx_thread_t m_first;
	sgx_thread_t m_last;
} sgx_thread_queue_t;

typedef struct _sgx_thread_mutex_t {
	size_t m_refcount;
	uint32_t m_control;
	volatile uint32_t m_lock;
	sgx_thread_t m_owner;
	sgx_thread_queue_t m_queue;
} sgx_thread_mutex_t;

#define SGX_THREAD_T_NULL ((sgx_thread_t)0)

#define SGX_THREAD_MUTEX_NONRECURSIVE 0x01
#define SGX_THREAD_MUTEX_RECURSIVE    0x02
#define SGX_THREAD_NONRECURSIVE_MUTEX_INITIALIZER                                                  \
	{                                                                                          \
		0, SGX_THREAD_MUTEX_NONRECURSIVE, 0, SGX_THREAD_T_NULL,                            \
		{                                                                                  \
			SGX_THREAD_T_NULL, SGX_THREAD_T_NULL                                       \
		}                                                                                  \
	}
#define SGX_THREAD_RECURSIVE_MUTEX_INITIALIZER                                                     \
	{                                                                                          \
		0, SGX_THREAD_MUTEX_RECURSIVE, 0, SGX_THREAD_T_NULL,                               \
		{                                                                                  \
			SGX_THREAD_T_NULL, SGX_THREAD_T_NULL                                       \
		}                                                                                  \
	}
#define SGX_THREAD_MUTEX_INITIALIZER SGX_THREAD_NONRECURSIVE_MUTEX_INITIALIZER

typedef struct _sgx_thread_mutex_attr_t {
	unsigned char m_dummy;
} sgx_thread_mutexattr_t;

typedef struct _sgx_thread_cond_t {
	volatile uint32_t m_lock;
	sgx_thread_queue_t m_queue;
} sgx_thread_cond_t;

#define SGX_THREAD_COND_INITIALIZER                                                                \
	{                                                                                          \
		0,                                                                                 \
		{                                                                                  \
			SGX_THREAD_T_NULL, SGX_THREAD_T_NULL                                       \
		}                                                                                  \
	}

typedef struct _sgx_thread_cond_attr_t {
	unsigned char m_dummy;
} sgx_thread_condattr_t;

#ifdef __cplusplus
extern "C" {
#endif

/* Makes a non-recursive mutex (the attribute is ignored, as with SGX). */
int SGX_CDECL sgx_thread_mutex_init(sgx_thread_mutex_t *mutex,
                                    const sgx_thread_mutexattr_t *unused);
int SGX_CDECL sgx_thread_mutex_destroy(sgx_thread_mutex_t *mutex);
int SGX_CDECL sgx_thread_mutex_lock(sgx_thread_mutex_t *mutex);
int SGX_CDECL sgx_thread_mutex_trylock(sgx_thread_mutex_t *mutex);
int SGX_CDECL sgx_thread_mutex_unlock(sgx_thread_mutex_t *mutex);

int SGX_CDECL sgx_thread_cond_init(sgx_thread_cond_t *cond, const sgx_thread_condattr_t *unused);
int SGX_CDECL sgx_thread_cond_destroy(sgx_thread_cond_t *cond);
/* Releases mutex (all levels of a recursive one), waits for a signal and
 * takes the mutex again. Wake-ups may be spurious: wait in a loop. */
int SGX_CDECL sgx_thread_cond_wait(sgx_thread_cond_t *cond, sgx_thread_mutex_t *mutex);
int SGX_CDECL sgx_thread_cond_signal(sgx_thread_cond_t *cond);
int SGX_CDECL sgx_thread_cond_broadcast(sgx_thread_cond_t *cond);

/* The calling thread's identity: never SGX_THREAD_T_NULL. */
sgx_thread_t SGX_CDECL sgx_thread_self(void);
int SGX_CDECL sgx_thread_equal(sgx_thread_t a, sgx_thread_t b);

#ifdef __cplusplus
}
#endif

#endif
