/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test enclave: musl start-up, printf to the debug console, malloc/free of
 * many sizes (brk and mmap), getrandom, exit status.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>

#include "de/manager_abi.h"

int main(void)
{
	unsigned long arg = getauxval(DE_AT_DE_ARG);
	printf("enclave hello: arg %lu\n", arg);

	/* Many sizes, kept alive together, then checked and freed. */
	enum { N = 200 };
	static unsigned char *blocks[N];
	size_t total = 0;
	for (int i = 0; i < N; i++) {
		size_t sz = (size_t)1 << (i % 18); /* 1 B .. 128 KiB */
		blocks[i] = malloc(sz);
		if (!blocks[i]) {
			printf("enclave hello: malloc(%zu) failed\n", sz);
			return 3;
		}
		memset(blocks[i], i & 0xff, sz);
		total += sz;
	}
	for (int i = 0; i < N; i++) {
		size_t sz = (size_t)1 << (i % 18);
		for (size_t k = 0; k < sz; k += 997)
			if (blocks[i][k] != (i & 0xff)) {
				printf("enclave hello: block %d corrupted\n", i);
				return 4;
			}
		free(blocks[i]);
	}
	unsigned char *big = calloc(1, 8u << 20);
	if (!big || big[12345] != 0) {
		printf("enclave hello: calloc of 8 MiB failed\n");
		return 5;
	}
	free(big);

	uint64_t r[4] = {0};
	if (getrandom(r, sizeof(r), 0) != sizeof(r) || (r[0] == 0 && r[1] == 0)) {
		printf("enclave hello: getrandom failed\n");
		return 6;
	}
	printf("enclave hello: malloc ok (%zu bytes in %d blocks), getrandom ok\n", total, N);
	return (int)arg;
}
