/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test enclave: several pthreads sharing a counter under a mutex, a
 * condition variable hand-off, thread-local storage and joins.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

enum { THREADS = 4, ROUNDS = 2000 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;
static _Thread_local int mine;

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	mine = id;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
		if (i % 100 == 0)
			sched_yield();
	}
	/* Take turns in order through the condition variable. */
	pthread_mutex_lock(&lock);
	while (turn != id)
		pthread_cond_wait(&cond, &lock);
	turn++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return (void *)(long)(mine * 10);
}

int main(void)
{
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i)) {
			printf("enclave threads: pthread_create failed\n");
			return 2;
		}
	long sum = 0;
	for (int i = 0; i < THREADS; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		sum += (long)ret;
	}
	if (counter != (long)THREADS * ROUNDS || turn != THREADS || sum != 60) {
		printf("enclave threads: wrong result counter=%ld turn=%d sum=%ld\n", counter, turn,
		       sum);
		return 3;
	}
	printf("enclave threads: %d threads, counter %ld, condvar order ok\n", THREADS, counter);
	return 0;
}
