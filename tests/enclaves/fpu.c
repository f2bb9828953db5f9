/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test enclave: x87/SSE/AVX state belongs to each thread. Three threads
 * (and, run twice at once, two enclaves) fill the vector registers and
 * MXCSR with their own pattern, give the vCPU away with sched_yield many
 * times (inside the same asm statement, so nothing else touches the
 * registers) and check that the pattern is still there. START's argument
 * seeds the patterns. Exits 0 when every thread kept its state, else 1.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

#include "de/manager_abi.h"

enum { ROUNDS = 200 };

static int have_avx(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 27)) || !(c & (1u << 28)))
		return 0;
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static int avx;

/* One round: load, yield, store. Returns 0 when everything came back. */
static int round_trip(uint64_t seed)
{
	uint8_t in[16 * 32] __attribute__((aligned(32))), out[16 * 32] __attribute__((aligned(32)));
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(seed * 131 + i * 7);
	uint32_t mx_in = 0x1f80 | ((uint32_t)(seed & 3) << 13), mx_out = 0; /* rounding mode */
	memset(out, 0, sizeof(out));
	if (avx)
		__asm__ volatile("ldmxcsr %[mxi]\n"
		                 ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		                 "vmovdqu \\r*32(%[in]), %%ymm\\r\n"
		                 ".endr\n"
		                 "mov $24, %%eax\n" /* sched_yield */
		                 "syscall\n"
		                 ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		                 "vmovdqu %%ymm\\r, \\r*32(%[out])\n"
		                 ".endr\n"
		                 "stmxcsr %[mxo]\n"
		                 : [mxo] "=m"(mx_out)
		                 : [in] "r"(in), [out] "r"(out), [mxi] "m"(mx_in)
		                 : "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
		                   "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
		                   "xmm12", "xmm13", "xmm14", "xmm15");
	else
		__asm__ volatile("ldmxcsr %[mxi]\n"
		                 ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		                 "movdqu \\r*32(%[in]), %%xmm\\r\n"
		                 ".endr\n"
		                 "mov $24, %%eax\n"
		                 "syscall\n"
		                 ".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		                 "movdqu %%xmm\\r, \\r*32(%[out])\n"
		                 ".endr\n"
		                 "stmxcsr %[mxo]\n"
		                 : [mxo] "=m"(mx_out)
		                 : [in] "r"(in), [out] "r"(out), [mxi] "m"(mx_in)
		                 : "rax", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3",
		                   "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
		                   "xmm12", "xmm13", "xmm14", "xmm15");
	unsigned width = avx ? 32 : 16;
	for (unsigned r = 0; r < 16; r++)
		if (memcmp(in + r * 32, out + r * 32, width))
			return 1;
	return mx_out != mx_in;
}

static void *worker(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg;
	for (int i = 0; i < ROUNDS; i++)
		if (round_trip(seed + (uint64_t)i * 1000003u))
			return (void *)1;
	return NULL;
}

int main(void)
{
	uint64_t seed = getauxval(DE_AT_DE_ARG);
	avx = have_avx();
	pthread_t t[2];
	for (uintptr_t i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(seed * 10 + i + 1)))
			return 2;
	int bad = worker((void *)(uintptr_t)(seed * 10)) != NULL;
	for (int i = 0; i < 2; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad |= r != NULL;
	}
	printf("enclave fpu: %s registers %s across %d yields in 3 threads\n", avx ? "ymm" : "xmm",
	       bad ? "CHANGED" : "kept", ROUNDS);
	return bad;
}
