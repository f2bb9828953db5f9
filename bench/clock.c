/* SPDX-License-Identifier: Apache-2.0 */
/* The TSC's calibration (clock.h). */
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "stats.h"

static double tsc_hz = 1e9;
static uint64_t overhead;

uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void clk_calibrate(unsigned ms)
{
	uint64_t n0 = mono_ns(), c0 = clk_start();
	struct timespec d = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&d, NULL);
	uint64_t n1 = mono_ns(), c1 = clk_stop();
	if (n1 > n0 && c1 > c0)
		tsc_hz = (double)(c1 - c0) * 1e9 / (double)(n1 - n0);

	enum { N = 10001 };
	static uint64_t v[N];
	for (int i = 0; i < N; i++) {
		uint64_t t0 = clk_start();
		v[i] = clk_stop() - t0;
	}
	overhead = stats_median(v, N);
}

double clk_hz(void)
{
	return tsc_hz;
}

uint64_t clk_overhead(void)
{
	return overhead;
}

double clk_us(uint64_t cycles)
{
	return (double)cycles * 1e6 / tsc_hz;
}

double clk_ms(uint64_t cycles)
{
	return (double)cycles * 1e3 / tsc_hz;
}
