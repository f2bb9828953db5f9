/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test enclave for the edges of the kernel's Linux subset. Exits 42 through
 * a raw exit(2) of its last thread when everything held, else the number of
 * the check that failed:
 *   1-3  mmap/mprotect: PROT_NONE pages keep their contents across protection
 *        changes; W+X is refused
 *   4    clone with a non-canonical TLS base is refused with EFAULT
 *   5    an unknown system call returns ENOSYS
 *   6-7  one enclave gets at most 64 threads (63 besides main); the rest fail
 *        with EAGAIN and the enclave goes on
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int released;

static void *parked(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!released)
		pthread_cond_wait(&go, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(void)
{
	/* Protection changes keep the page. */
	uint8_t *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 0x5a, 8192);
	if (mprotect(p, 8192, PROT_NONE) || mprotect(p, 8192, PROT_READ) || p[4097] != 0x5a)
		return 2;
	if (mprotect(p, 4096, PROT_WRITE | PROT_EXEC) == 0)
		return 3;

	/* A TLS base that would fault in the kernel. */
	static uint8_t stack[16384] __attribute__((aligned(16)));
	long rc = syscall(SYS_clone,
	                  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
	                      CLONE_SYSVSEM | CLONE_SETTLS,
	                  stack + sizeof(stack), NULL, NULL, 0xffff800000000000ul);
	if (rc != -1 || errno != EFAULT)
		return 4;
	if (syscall(999) != -1 || errno != ENOSYS)
		return 5;

	/* Thread limit. */
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 16384);
	pthread_t t[80];
	int made = 0, err = 0;
	for (int i = 0; i < 80; i++) {
		err = pthread_create(&t[made], &a, parked, NULL);
		if (err)
			break;
		made++;
	}
	printf("enclave syscalls: %d threads besides main, then error %d\n", made, err);
	if (made != 63 || err != EAGAIN)
		return 6;
	pthread_mutex_lock(&lock);
	released = 1;
	pthread_cond_broadcast(&go);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	if (pthread_create(&t[0], &a, parked, NULL) || pthread_join(t[0], NULL))
		return 7; /* slots come back when threads end */

	printf("enclave syscalls: all checks passed\n");
	fflush(stdout);
	syscall(SYS_exit, 42); /* the last thread's own status becomes the enclave's */
	return 8;
}
