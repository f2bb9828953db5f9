/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The same CPU-bound code natively and in the enclave (kernels.c, compiled
 * identically for both): a SHA-256 over 64 MiB and a numeric loop,
 * alternating the sides. Native runs are timed in the application, enclave
 * runs inside the enclave with its TSC around the kernel alone; the whole
 * ECALL is timed too, from the application.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_u.h"
#include "calls.h"
#include "clock.h"
#include "kernels.h"
#include "report.h"
#include "stats.h"

#define MAX_REPS 9

/* The SHA-256 of "abc" (FIPS 180-2, appendix B.1): the kernel is right. */
static int sha256_known_answer(void)
{
	static const uint8_t want[KERN_SHA256_LEN] = {
	    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	uint8_t got[KERN_SHA256_LEN];
	kern_sha256((const uint8_t *)"abc", 3, got);
	return memcmp(got, want, sizeof(want)) ? -1 : 0;
}

/* Medians of one kernel's runs, in milliseconds. */
struct kernel_times {
	double native;  /* timed in the application */
	double enclave; /* timed inside the enclave, around the kernel alone */
	double ecall;   /* the ECALL that ran it, timed in the application */
};

static void record(const char *name, const char *label, const struct kernel_times *t)
{
	char key[64], text[128];
	snprintf(key, sizeof(key), "%s_native_ms", name);
	snprintf(text, sizeof(text), "%s, native, median", label);
	report_detail(key, t->native, "ms", text);
	snprintf(key, sizeof(key), "%s_enclave_ms", name);
	snprintf(text, sizeof(text), "%s, in the enclave, median", label);
	report_detail(key, t->enclave, "ms", text);
	snprintf(key, sizeof(key), "%s_enclave_ecall_ms", name);
	snprintf(text, sizeof(text), "%s, the whole ECALL, median", label);
	report_detail(key, t->ecall, "ms", text);
	snprintf(key, sizeof(key), "%s_time_ratio", name);
	snprintf(text, sizeof(text), "%s, enclave time / native time", label);
	report_detail(key, t->enclave / t->native, "x", text);
}

int calls_compute(const struct bench_opts *o)
{
	size_t buf_len = 1u << 20;
	uint64_t total = BENCH_N(o, 64ull << 20, 4ull << 20);
	uint64_t iters = BENCH_N(o, 100000000ull, 5000000ull);
	unsigned reps = BENCH_N(o, 5u, 1u);
	double v[6][MAX_REPS];
	uint8_t dn[KERN_SHA256_LEN], de[KERN_SHA256_LEN];
	uint64_t cn = 0, ce = 0, cycles = 0;
	double ghz = bench_enclave_tsc_hz / 1e9;

	if (sha256_known_answer()) {
		bench_say("the SHA-256 kernel gives a wrong answer for \"abc\"");
		report_note("compute_ratio", "not measured: the SHA-256 kernel is wrong");
		return -1;
	}
	uint8_t *buf = malloc(buf_len);
	if (!buf)
		return -1;
	/* One untimed run of each on both sides: first-touch faults, caches,
	 * and a vCPU (and host CPU) that has been idle. */
	kern_sha256_job(buf, buf_len, total, dn);
	ecall_sha256(bench_eid, &cycles, de, buf_len, total);
	kern_numeric_job(iters);
	ecall_numeric(bench_eid, &cycles, iters, &ce);

	int bad = 0;
	for (unsigned r = 0; r < reps && !bad; r++) {
		uint64_t t0 = clk_start();
		kern_sha256_job(buf, buf_len, total, dn);
		uint64_t t1 = clk_stop();
		v[0][r] = clk_ms(t1 - t0);
		t0 = clk_start();
		bad |= ecall_sha256(bench_eid, &cycles, de, buf_len, total) != SGX_SUCCESS;
		t1 = clk_stop();
		bad |= cycles == UINT64_MAX || memcmp(dn, de, sizeof(dn));
		v[1][r] = (double)cycles / ghz / 1e6;
		v[2][r] = clk_ms(t1 - t0);

		t0 = clk_start();
		cn = kern_numeric_job(iters);
		t1 = clk_stop();
		v[3][r] = clk_ms(t1 - t0);
		t0 = clk_start();
		bad |= ecall_numeric(bench_eid, &cycles, iters, &ce) != SGX_SUCCESS;
		t1 = clk_stop();
		bad |= cn != ce;
		v[4][r] = (double)cycles / ghz / 1e6;
		v[5][r] = clk_ms(t1 - t0);
	}
	free(buf);
	if (bad) {
		bench_say("the enclave's compute results differ from the native ones");
		report_note("compute_ratio", "not measured: the enclave's results differ");
		return -1;
	}
	struct kernel_times sha = {stats_median_d(v[0], reps), stats_median_d(v[1], reps),
	                           stats_median_d(v[2], reps)};
	struct kernel_times num = {stats_median_d(v[3], reps), stats_median_d(v[4], reps),
	                           stats_median_d(v[5], reps)};
	double rs = sha.native / sha.enclave, rn = num.native / num.enclave;
	report_set("compute_ratio", rs < rn ? rs : rn);
	report_note("compute_ratio",
	            "native time / enclave time (timed inside the enclave), the lower of two "
	            "kernels, medians of %u runs per side: SHA-256 of %llu MiB %.3f, numeric loop "
	            "of %llu M iterations %.3f; with the whole ECALL timed instead %.3f and %.3f",
	            reps, (unsigned long long)(total >> 20), rs,
	            (unsigned long long)(iters / 1000000), rn, sha.native / sha.ecall,
	            num.native / num.ecall);
	record("sha256", "SHA-256 job", &sha);
	report_detail("sha256_native_mib_s", (double)(total >> 20) / (sha.native / 1e3), "MiB/s",
	              "SHA-256 job, native throughput");
	record("numeric", "numeric loop", &num);
	return 0;
}
