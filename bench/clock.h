/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Timing for de_bench: the TSC (rdtsc, a few nanoseconds per read, no
 * system call), calibrated once against CLOCK_MONOTONIC, and the monotonic
 * clock itself (vDSO) for longer intervals.
 */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stdint.h>

/* Start of a timed region: later instructions do not start before it. */
static inline uint64_t clk_start(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

/* End of a timed region: earlier instructions have finished. */
static inline uint64_t clk_stop(void)
{
	uint32_t lo, hi, aux;
	__asm__ volatile("rdtscp; lfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
	return (uint64_t)hi << 32 | lo;
}

/* Measures the TSC's rate against CLOCK_MONOTONIC over ms milliseconds
 * and the cost of an empty timed region. */
void clk_calibrate(unsigned ms);

double clk_hz(void);
/* The median cost of clk_start() + clk_stop() around nothing, in cycles. */
uint64_t clk_overhead(void);
double clk_us(uint64_t cycles);
double clk_ms(uint64_t cycles);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t mono_ns(void);

#endif
