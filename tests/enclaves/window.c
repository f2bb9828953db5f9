/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test enclave for shared windows. START's argument is the window's
 * address (the same as in the application). Layout of the window:
 *   [0, 4096)       the host's data: "host" then bytes b[i] = i * 7 + 3
 *   [8192, 8256)    the enclave's answer: "enclave", then the 64-bit sum
 *                   of the host's 4092 bytes after "host"
 *   12288           a word the host sets to 1; the enclave answers 2
 * Exits 0 when the round trip worked, 1..4 for the step that failed.
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>

#include "de/manager_abi.h"

int main(void)
{
	volatile uint8_t *w = (volatile uint8_t *)getauxval(DE_AT_DE_ARG);
	if (!w)
		return 1;
	if (memcmp((const void *)w, "host", 4)) {
		printf("enclave window: no host data\n");
		return 2;
	}
	uint64_t sum = 0;
	for (uint32_t i = 4; i < 4096; i++) {
		if (w[i] != (uint8_t)(i * 7 + 3)) {
			printf("enclave window: byte %u is %u\n", i, w[i]);
			return 3;
		}
		sum += w[i];
	}
	memcpy((void *)(w + 8192 + 8), &sum, sizeof(sum));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy((void *)(w + 8192), "enclave", 8);

	/* The host answers while the enclave runs; yield so others can run. */
	volatile uint32_t *flag = (volatile uint32_t *)(w + 12288);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) != 1) {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 20) {
			printf("enclave window: the host never answered\n");
			return 4;
		}
	}
	__atomic_store_n(flag, 2, __ATOMIC_RELEASE);
	printf("enclave window: round trip ok (sum %llu)\n", (unsigned long long)sum);
	return 0;
}
