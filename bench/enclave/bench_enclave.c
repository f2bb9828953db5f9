/* SPDX-License-Identifier: Apache-2.0 */
/*
 * de_bench's enclave (bench.edl): empty calls, a copy with [in] and [out]
 * buffers, timed OCALLs, a system call, the TSC, and the compute kernels
 * that the application also runs natively (kernels.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_t.h"
#include "sgx_trts.h"
#include "kernels.h"

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

void ecall_empty(void)
{
}

void ecall_inout(const uint8_t *src, uint8_t *dst, size_t len)
{
	if (src && dst)
		memcpy(dst, src, len);
}

void ecall_copy_window(const uint8_t *src, uint8_t *dst, size_t len)
{
	/* The application passes blocks of the window (de_window_alloc). */
	if (src && dst && sgx_is_outside_enclave(src, len) && sgx_is_outside_enclave(dst, len))
		memcpy(dst, src, len);
}

uint64_t ecall_alloc_cycles(size_t size, size_t n, int keep)
{
	void *kept = keep ? malloc(size) : NULL;
	uint64_t t0 = tsc();
	for (size_t i = 0; i < n; i++) {
		uint8_t *a = malloc(size), *b = malloc(size);
		if (!a || !b) {
			free(a);
			free(b);
			free(kept);
			return UINT64_MAX;
		}
		memset(a, 1, size); /* the bridge copies [in] into one, zeroes the other */
		memset(b, 0, size);
		free(a);
		free(b);
	}
	uint64_t t1 = tsc();
	free(kept);
	return t1 - t0;
}

void ecall_ocall_timed(uint64_t *cycles, size_t n)
{
	if (!cycles)
		return;
	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = tsc();
		sgx_status_t st = ocall_empty();
		uint64_t t1 = tsc();
		cycles[i] = st == SGX_SUCCESS ? t1 - t0 : UINT64_MAX;
	}
}

int ecall_getpid(void)
{
	return (int)getpid();
}

uint64_t ecall_rdtsc(void)
{
	return tsc();
}

uint64_t ecall_sha256(uint8_t *digest, size_t buf_len, uint64_t total)
{
	static uint8_t *buf;
	static size_t have;
	if (!digest || !buf_len)
		return UINT64_MAX;
	if (have < buf_len) {
		free(buf);
		buf = malloc(buf_len);
		have = buf ? buf_len : 0;
		if (!buf)
			return UINT64_MAX;
	}
	uint64_t t0 = tsc();
	kern_sha256_job(buf, buf_len, total, digest);
	return tsc() - t0;
}

uint64_t ecall_numeric(uint64_t iters, uint64_t *result)
{
	uint64_t t0 = tsc();
	uint64_t r = kern_numeric_job(iters);
	uint64_t t1 = tsc();
	if (result)
		*result = r;
	return t1 - t0;
}
