/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test enclave for isolation between enclaves. Every instance has the same
 * image, so the same virtual addresses; START's argument is a marker. The
 * enclave fills a page-sized buffer with its marker, yields for a while
 * (other instances run meanwhile and fill theirs) and then checks that its
 * buffer still holds only its own marker: two enclaves never share memory.
 * Exits 0 when isolated, 1 when another enclave's data showed up.
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <time.h>

#include "de/manager_abi.h"

static volatile uint64_t buf[4096 / 8] __attribute__((aligned(4096)));

int main(void)
{
	uint64_t marker = getauxval(DE_AT_DE_ARG);
	for (unsigned i = 0; i < sizeof(buf) / 8; i++)
		buf[i] = marker;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000l + (t.tv_nsec - t0.tv_nsec) < 300000000l);
	for (unsigned i = 0; i < sizeof(buf) / 8; i++)
		if (buf[i] != marker) {
			printf("enclave isolation: found %#llx instead of %#llx\n",
			       (unsigned long long)buf[i], (unsigned long long)marker);
			return 1;
		}
	printf("enclave isolation: marker %#llx intact at %p\n", (unsigned long long)marker,
	       (void *)buf);
	return 0;
}
