/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ECALLs that carry buffers: 4 KiB [in] + 4 KiB [out] (a DESIGN.md target),
 * and where that time goes: the same ECALL at other sizes, the same copy
 * through [user_check] pointers into the shared window (no buffers of the
 * bridge), the bridge's malloc/free pattern timed alone inside the enclave,
 * and the EVM memory such calls leave behind (STATS before and after).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_u.h"
#include "calls.h"
#include "clock.h"
#include "de_window.h"
#include "report.h"
#include "stats.h"
#include "svc.h"

enum { LEN = 4096 };

/* Times ecall_inout with len bytes each way until max calls or budget_ns;
 * how many calls were timed (into v), or 0 on failure. */
static size_t inout_calls(size_t len, uint64_t *v, size_t max, uint64_t budget_ns, int check)
{
	uint8_t *src = malloc(len), *dst = calloc(1, len);
	size_t n = 0;
	if (!src || !dst)
		goto out;
	for (size_t i = 0; i < len; i++)
		src[i] = (uint8_t)(i * 31 + 7);
	ecall_inout(bench_eid, src, dst, len); /* warm-up */
	uint64_t deadline = mono_ns() + budget_ns;
	while (n < max && !CALLS_OVER(n, deadline)) {
		uint64_t t0 = clk_start();
		sgx_status_t st = ecall_inout(bench_eid, src, dst, len);
		v[n++] = calls_net(t0, clk_stop());
		if (st != SGX_SUCCESS) {
			n = 0;
			goto out;
		}
	}
	if (check && memcmp(src, dst, len))
		n = 0;
out:
	free(src);
	free(dst);
	return n;
}

static void window_copy(uint64_t *v, size_t max, uint64_t budget_ns)
{
	uint8_t *src = de_window_alloc(bench_eid, LEN), *dst = de_window_alloc(bench_eid, LEN);
	size_t n = 0;
	if (src && dst) {
		memset(src, 7, LEN);
		ecall_copy_window(bench_eid, src, dst, LEN);
		uint64_t deadline = mono_ns() + budget_ns;
		while (n < max && !CALLS_OVER(n, deadline)) {
			uint64_t t0 = clk_start();
			ecall_copy_window(bench_eid, src, dst, LEN);
			v[n++] = calls_net(t0, clk_stop());
		}
	}
	if (n && !memcmp(src, dst, LEN))
		report_detail("ecall_4k_window_copy_p50_us", clk_us(stats_pct(v, n, 50)), "us",
		              "ECALL copying 4 KiB within the window ([user_check]), p50");
	de_window_free(bench_eid, src);
	de_window_free(bench_eid, dst);
}

static void alloc_pattern(const struct bench_opts *o)
{
	size_t rounds = BENCH_N(o, 300, 20);
	char key[64], label[96];
	for (int keep = 0; keep <= 1; keep++) {
		uint64_t cycles = UINT64_MAX;
		ecall_alloc_cycles(bench_eid, &cycles, LEN, 4, keep); /* warm-up */
		if (ecall_alloc_cycles(bench_eid, &cycles, LEN, rounds, keep) != SGX_SUCCESS ||
		    cycles == UINT64_MAX)
			continue;
		snprintf(key, sizeof(key), "enclave_4k_alloc_pair_%s_us", keep ? "kept" : "alone");
		snprintf(label, sizeof(label), "in the enclave: 2 x malloc(4096) + 2 x free()%s",
		         keep ? ", a 3rd kept" : "");
		/* The enclave's TSC runs at the host's rate (enclave_tsc_ghz). */
		report_detail(key, clk_us(cycles) / (double)rounds, "us", label);
	}
}

int calls_buffers(const struct bench_opts *o)
{
	static const size_t sizes[] = {64, 1024, 2048, 16384};
	size_t max = BENCH_N(o, 100000, 2000);
	uint64_t *v = malloc(max * sizeof(*v));
	char key[64], label[96];
	if (!v)
		return -1;

	long free0 = svc_free_pages(o->runtime_dir);
	size_t n = inout_calls(LEN, v, max, BENCH_N(o, 4000000000ull, 400000000ull), 1);
	size_t calls = n + 1;
	if (!n) {
		bench_say("the 4 KiB [in]/[out] ECALL failed or returned wrong data");
		report_note("ecall_4k_inout_p50_us", "not measured: the ECALL failed");
		free(v);
		return -1;
	}
	report_set("ecall_4k_inout_p50_us", clk_us(stats_pct(v, n, 50)));
	report_note("ecall_4k_inout_p50_us", "%zu calls (at most %zu, or 4 s)", n, max);
	calls_record_pcts("ecall_4k_inout", v, n, clk_hz());

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t k = inout_calls(sizes[i], v, max < 3000 ? max : 3000,
		                       BENCH_N(o, 400000000ull, 50000000ull), 1);
		calls += k + 1;
		if (!k)
			continue;
		snprintf(key, sizeof(key), "ecall_inout_%zu_p50_us", sizes[i]);
		snprintf(label, sizeof(label), "ECALL [in] + [out] of %zu bytes each, p50",
		         sizes[i]);
		report_detail(key, clk_us(stats_pct(v, k, 50)), "us", label);
	}
	long free1 = svc_free_pages(o->runtime_dir);
	window_copy(v, BENCH_N(o, 100000, 2000), BENCH_N(o, 1000000000ull, 100000000ull));
	alloc_pattern(o);
	if (free0 >= 0 && free1 >= 0) {
		report_detail("buffer_ecalls", (double)calls, "", "ECALLs with buffers made above");
		report_detail("evm_pages_per_1000_buffer_ecalls",
		              (double)(free0 - free1) * 1000.0 / (double)calls, "pages",
		              "EVM pages taken per 1000 of them (STATS free_pages)");
	}
	free(v);
	return 0;
}
