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
 *   9-11 munmap gives addresses back: the same mapping again lands where the
 *        freed one was, on fresh zeroed pages; 5000 rounds of mmap/munmap of
 *        1 MiB (what malloc does for a large block) stay within a few MiB of
 *        address space (their page tables are reused, not piled up)
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

	/* Address reuse after munmap. */
	const int RW = PROT_READ | PROT_WRITE, PA = MAP_PRIVATE | MAP_ANONYMOUS;
	uint8_t *a1 = mmap(NULL, 4 * 4096, RW, PA, -1, 0);
	if (a1 == MAP_FAILED)
		return 9;
	memset(a1, 0x77, 4 * 4096);
	if (munmap(a1, 4 * 4096))
		return 9;
	uint8_t *a2 = mmap(NULL, 4 * 4096, RW, PA, -1, 0);
	if (a2 != a1 || a2[0] != 0 || a2[4 * 4096 - 1] != 0)
		return 10; /* not reused, or not fresh zeroed pages */
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < 5000; i++) {
		uint8_t *m = mmap(NULL, 1 << 20, RW, PA, -1, 0);
		if (m == MAP_FAILED)
			return 11;
		m[i & 0xfffff] = 1;
		lo = (uintptr_t)m < lo ? (uintptr_t)m : lo;
		hi = (uintptr_t)m > hi ? (uintptr_t)m : hi;
		munmap(m, 1 << 20);
	}
	printf("enclave syscalls: 5000 x mmap/munmap of 1 MiB used %lu KiB of addresses\n",
	       (unsigned long)((hi - lo + (1 << 20)) >> 10));
	if (hi - lo > (4u << 20))
		return 11;

	printf("enclave syscalls: all checks passed\n");
	fflush(stdout);
	syscall(SYS_exit, 42); /* the last thread's own status becomes the enclave's */
	return 8;
}
