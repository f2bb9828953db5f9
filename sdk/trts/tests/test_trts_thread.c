/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sgx_thread mutexes and condition variables (sdk/trts/trts_thread.c) on
 * the host: the same futex calls as in the enclave, with host threads.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sgx_thread.h"

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(sgx_thread_mutex_init(NULL, NULL), EINVAL);
	assert_int_equal(sgx_thread_mutex_destroy(NULL), EINVAL);
	assert_int_equal(sgx_thread_mutex_lock(NULL), EINVAL);
	assert_int_equal(sgx_thread_mutex_trylock(NULL), EINVAL);
	assert_int_equal(sgx_thread_mutex_unlock(NULL), EINVAL);
	assert_int_equal(sgx_thread_cond_init(NULL, NULL), EINVAL);
	assert_int_equal(sgx_thread_cond_destroy(NULL), EINVAL);
	assert_int_equal(sgx_thread_cond_signal(NULL), EINVAL);
	assert_int_equal(sgx_thread_cond_broadcast(NULL), EINVAL);
	sgx_thread_mutex_t m = SGX_THREAD_MUTEX_INITIALIZER;
	sgx_thread_cond_t c = SGX_THREAD_COND_INITIALIZER;
	assert_int_equal(sgx_thread_cond_wait(NULL, &m), EINVAL);
	assert_int_equal(sgx_thread_cond_wait(&c, NULL), EINVAL);
	assert_int_equal(sgx_thread_cond_wait(&c, &m), EPERM); /* not held */
	assert_int_equal(sgx_thread_mutex_unlock(&m), EPERM);
	assert_true(sgx_thread_self() != SGX_THREAD_T_NULL);
	assert_true(sgx_thread_equal(sgx_thread_self(), sgx_thread_self()));
}

static void test_mutex_basic(void **state)
{
	(void)state;
	sgx_thread_mutex_t m;
	memset(&m, 0, sizeof(m)); /* zeroed memory is a valid mutex */
	assert_int_equal(sgx_thread_mutex_lock(&m), 0);
	assert_int_equal(sgx_thread_mutex_lock(&m), EDEADLK);
	assert_int_equal(sgx_thread_mutex_trylock(&m), EBUSY);
	assert_int_equal(sgx_thread_mutex_destroy(&m), EBUSY);
	assert_int_equal(sgx_thread_mutex_unlock(&m), 0);
	assert_int_equal(sgx_thread_mutex_unlock(&m), EPERM);
	assert_int_equal(sgx_thread_mutex_trylock(&m), 0);
	assert_int_equal(sgx_thread_mutex_unlock(&m), 0);
	assert_int_equal(sgx_thread_mutex_destroy(&m), 0);
	assert_int_equal(sgx_thread_mutex_init(&m, NULL), 0);
	assert_int_equal(m.m_control, SGX_THREAD_MUTEX_NONRECURSIVE);
	assert_int_equal(sgx_thread_mutex_lock(&m), 0);
	assert_int_equal(sgx_thread_mutex_unlock(&m), 0);
}

static sgx_thread_mutex_t shared = SGX_THREAD_MUTEX_INITIALIZER;
static sgx_thread_mutex_t rshared = SGX_THREAD_RECURSIVE_MUTEX_INITIALIZER;

static void *other_try(void *arg)
{
	sgx_thread_mutex_t *m = arg;
	intptr_t r = sgx_thread_mutex_trylock(m);
	if (r == 0)
		sgx_thread_mutex_unlock(m);
	else if (sgx_thread_mutex_unlock(m) != EPERM)
		r = -1;
	return (void *)r;
}

static intptr_t try_from_other(sgx_thread_mutex_t *m)
{
	pthread_t t;
	void *r;
	assert_int_equal(pthread_create(&t, NULL, other_try, m), 0);
	assert_int_equal(pthread_join(t, &r), 0);
	return (intptr_t)r;
}

static void test_owner(void **state)
{
	(void)state;
	assert_int_equal(sgx_thread_mutex_lock(&shared), 0);
	assert_int_equal(try_from_other(&shared), EBUSY); /* and the other cannot unlock */
	assert_int_equal(sgx_thread_mutex_unlock(&shared), 0);
	assert_int_equal(try_from_other(&shared), 0);
}

static void test_recursive(void **state)
{
	(void)state;
	assert_int_equal(sgx_thread_mutex_lock(&rshared), 0);
	assert_int_equal(sgx_thread_mutex_lock(&rshared), 0);
	assert_int_equal(sgx_thread_mutex_trylock(&rshared), 0);
	assert_int_equal(rshared.m_refcount, 3);
	assert_int_equal(try_from_other(&rshared), EBUSY);
	assert_int_equal(sgx_thread_mutex_unlock(&rshared), 0);
	assert_int_equal(sgx_thread_mutex_unlock(&rshared), 0);
	assert_int_equal(try_from_other(&rshared), EBUSY);
	assert_int_equal(sgx_thread_mutex_unlock(&rshared), 0);
	assert_int_equal(sgx_thread_mutex_unlock(&rshared), EPERM);
	assert_int_equal(try_from_other(&rshared), 0);
}

enum { THREADS = 8, ROUNDS = 20000 };
static long counter;

static void *incr(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		if (sgx_thread_mutex_lock(&shared))
			return (void *)1;
		long v = counter;
		if (i % 512 == 0)
			sched_yield();
		counter = v + 1;
		if (sgx_thread_mutex_unlock(&shared))
			return (void *)1;
	}
	return NULL;
}

static void test_mutex_stress(void **state)
{
	(void)state;
	pthread_t t[THREADS];
	counter = 0;
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, incr, NULL), 0);
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(t[i], &r);
		assert_null(r);
	}
	assert_int_equal(counter, (long)THREADS * ROUNDS);
	assert_int_equal(shared.m_lock, 0);
}

/* A bounded queue: producers and consumers on two condition variables. */
enum { QCAP = 4, PRODUCERS = 4, CONSUMERS = 4, ITEMS = 5000 };
static struct {
	sgx_thread_mutex_t m;
	sgx_thread_cond_t not_empty, not_full;
	int buf[QCAP];
	int head, count;
	long sum;
	int taken;
} q = {.m = SGX_THREAD_MUTEX_INITIALIZER,
       .not_empty = SGX_THREAD_COND_INITIALIZER,
       .not_full = SGX_THREAD_COND_INITIALIZER};

static void *producer(void *arg)
{
	int base = (int)(intptr_t)arg * ITEMS;
	for (int i = 1; i <= ITEMS; i++) {
		sgx_thread_mutex_lock(&q.m);
		while (q.count == QCAP)
			sgx_thread_cond_wait(&q.not_full, &q.m);
		q.buf[(q.head + q.count++) % QCAP] = base + i;
		sgx_thread_cond_signal(&q.not_empty);
		sgx_thread_mutex_unlock(&q.m);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		sgx_thread_mutex_lock(&q.m);
		while (q.count == 0 && q.taken < PRODUCERS * ITEMS)
			sgx_thread_cond_wait(&q.not_empty, &q.m);
		if (q.taken == PRODUCERS * ITEMS) {
			sgx_thread_mutex_unlock(&q.m);
			return NULL;
		}
		q.sum += q.buf[q.head];
		q.head = (q.head + 1) % QCAP;
		q.count--;
		if (++q.taken == PRODUCERS * ITEMS)
			sgx_thread_cond_broadcast(&q.not_empty); /* wake the other consumers */
		sgx_thread_cond_signal(&q.not_full);
		sgx_thread_mutex_unlock(&q.m);
	}
}

static void test_cond_queue(void **state)
{
	(void)state;
	pthread_t p[PRODUCERS], c[CONSUMERS];
	for (int i = 0; i < CONSUMERS; i++)
		assert_int_equal(pthread_create(&c[i], NULL, consumer, NULL), 0);
	for (int i = 0; i < PRODUCERS; i++)
		assert_int_equal(pthread_create(&p[i], NULL, producer, (void *)(intptr_t)i), 0);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(p[i], NULL);
	for (int i = 0; i < CONSUMERS; i++)
		pthread_join(c[i], NULL);
	long n = (long)PRODUCERS * ITEMS;
	assert_int_equal(q.sum, n * (n + 1) / 2);
	assert_int_equal(sgx_thread_cond_destroy(&q.not_empty), 0);
	assert_int_equal(sgx_thread_cond_destroy(&q.not_full), 0);
	assert_int_equal(sgx_thread_mutex_destroy(&q.m), 0);
}

/* Broadcast wakes every waiter; destroy refuses while one waits; a
 * recursive mutex comes back with its count. */
static sgx_thread_mutex_t bm = SGX_THREAD_RECURSIVE_MUTEX_INITIALIZER;
static sgx_thread_cond_t bc = SGX_THREAD_COND_INITIALIZER;
static int go, woken;

static void *waiter(void *arg)
{
	(void)arg;
	sgx_thread_mutex_lock(&bm);
	sgx_thread_mutex_lock(&bm);
	while (!go)
		sgx_thread_cond_wait(&bc, &bm);
	intptr_t bad = bm.m_refcount != 2;
	woken++;
	sgx_thread_mutex_unlock(&bm);
	bad |= sgx_thread_mutex_unlock(&bm) != 0;
	return (void *)bad;
}

static void test_broadcast(void **state)
{
	(void)state;
	enum { N = 6 };
	pthread_t t[N];
	for (int i = 0; i < N; i++)
		assert_int_equal(pthread_create(&t[i], NULL, waiter, NULL), 0);
	while (__atomic_load_n(&bc.m_queue.m_first, __ATOMIC_SEQ_CST) != N)
		sched_yield();
	assert_int_equal(sgx_thread_cond_destroy(&bc), EBUSY);
	sgx_thread_mutex_lock(&bm);
	go = 1;
	sgx_thread_cond_broadcast(&bc);
	sgx_thread_mutex_unlock(&bm);
	for (int i = 0; i < N; i++) {
		void *r;
		pthread_join(t[i], &r);
		assert_null(r);
	}
	assert_int_equal(woken, N);
	assert_int_equal(sgx_thread_cond_destroy(&bc), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_errors),       cmocka_unit_test(test_mutex_basic),
	    cmocka_unit_test(test_owner),        cmocka_unit_test(test_recursive),
	    cmocka_unit_test(test_mutex_stress), cmocka_unit_test(test_cond_queue),
	    cmocka_unit_test(test_broadcast),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
