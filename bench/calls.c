/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The call path, measured with de_bench's own enclave (bench.edl): empty
 * ECALL and OCALL round trips, an ECALL that makes a system call in the
 * EVM, and throughput on one and on all TCS; then compute.c and buffers.c
 * with the same enclave.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "bench_u.h"
#include "calls.h"
#include "clock.h"
#include "report.h"
#include "sgx_urts.h"
#include "stats.h"

#ifndef BENCH_TCS_NUM
#error "BENCH_TCS_NUM (the bench enclave's TCSNum) must be defined"
#endif

sgx_enclave_id_t bench_eid;
double bench_enclave_tsc_hz;

void ocall_empty(void)
{
}

uint64_t calls_net(uint64_t t0, uint64_t t1)
{
	uint64_t d = t1 - t0, o = clk_overhead();
	return d > o ? d - o : 0;
}

void calls_record_pcts(const char *what, uint64_t *v, size_t n, double cycle_hz)
{
	static const double ps[] = {50, 90, 99, 99.9};
	static const char *names[] = {"p50", "p90", "p99", "p99_9"};
	char key[96], label[128];
	if (!n)
		return;
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		snprintf(key, sizeof(key), "%s_%s_us", what, names[i]);
		snprintf(label, sizeof(label), "%s, %s", what, names[i]);
		report_detail(key, (double)stats_pct(v, n, ps[i]) * 1e6 / cycle_hz, "us", label);
	}
	snprintf(key, sizeof(key), "%s_min_us", what);
	snprintf(label, sizeof(label), "%s, min", what);
	report_detail(key, (double)v[0] * 1e6 / cycle_hz, "us", label);
	snprintf(key, sizeof(key), "%s_samples", what);
	snprintf(label, sizeof(label), "%s, samples", what);
	report_detail(key, (double)n, "", label);
}

static void sleep_ms(unsigned ms)
{
	struct timespec d = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&d, NULL);
}

/* ---- round trips ---------------------------------------------------------------------- */

static int empty_ecalls(const struct bench_opts *o)
{
	size_t warm = BENCH_N(o, 20000, 1000), max = BENCH_N(o, 300000, 3000), n = 0;
	uint64_t deadline = mono_ns() + BENCH_N(o, 3000000000ull, 300000000ull);
	uint64_t *v = malloc(max * sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < warm; i++)
		ecall_empty(bench_eid);
	size_t bad = 0;
	while (n < max && !CALLS_OVER(n, deadline)) {
		uint64_t t0 = clk_start();
		sgx_status_t st = ecall_empty(bench_eid);
		v[n++] = calls_net(t0, clk_stop());
		bad += st != SGX_SUCCESS;
	}
	if (bad) {
		bench_say("%zu of %zu empty ECALLs failed", bad, n);
		free(v);
		return -1;
	}
	report_set("ecall_empty_p50_us", clk_us(stats_pct(v, n, 50)));
	report_set("ecall_empty_p99_us", clk_us(stats_pct(v, n, 99)));
	report_note("ecall_empty_p50_us",
	            "every call timed alone with the TSC (timing cost of %.0f ns subtracted), "
	            "%zu calls after %zu warm-up calls",
	            clk_us(clk_overhead()) * 1e3, n, warm);
	calls_record_pcts("ecall_empty", v, n, clk_hz());
	free(v);
	return 0;
}

/*
 * The first ECALL after the enclave has been idle: both sides have left
 * their spin phase (200 us), the enclave's slot thread naps, and the call
 * waits for it to wake up (callslot.h).
 */
static int idle_ecalls(const struct bench_opts *o)
{
	enum { MAX = 50 };
	size_t n = BENCH_N(o, MAX, 5);
	uint64_t v[MAX];
	for (size_t i = 0; i < n; i++) {
		sleep_ms(20);
		uint64_t t0 = clk_start();
		sgx_status_t st = ecall_empty(bench_eid);
		v[i] = calls_net(t0, clk_stop());
		if (st != SGX_SUCCESS) {
			bench_say("an ECALL after an idle period failed");
			return -1;
		}
	}
	report_detail("ecall_after_idle_p50_us", clk_us(stats_pct(v, n, 50)), "us",
	              "empty ECALL after 20 ms idle, p50");
	report_detail("ecall_after_idle_max_us", clk_us(v[n - 1]), "us",
	              "empty ECALL after 20 ms idle, max");
	return 0;
}

/* The enclave's TSC rate, from two ECALLs ms apart against the host's. */
static double guest_tsc_hz(unsigned ms)
{
	uint64_t g0 = 0, g1 = 0;
	uint64_t h0 = clk_start();
	ecall_rdtsc(bench_eid, &g0);
	sleep_ms(ms);
	uint64_t h1 = clk_start();
	ecall_rdtsc(bench_eid, &g1);
	if (g1 <= g0 || h1 <= h0)
		return clk_hz();
	return clk_hz() * (double)(g1 - g0) / (double)(h1 - h0);
}

static int empty_ocalls(const struct bench_opts *o)
{
	enum { BATCH = 1024 };
	size_t batches = BENCH_N(o, 200, 4);
	double ghz = bench_enclave_tsc_hz;
	uint64_t *v = malloc(batches * BATCH * sizeof(*v));
	if (!v)
		return -1;
	/* The first batch warms up and is dropped. */
	for (size_t b = 0; b <= batches; b++) {
		uint64_t *dst = v + (b ? b - 1 : 0) * BATCH;
		if (ecall_ocall_timed(bench_eid, dst, BATCH) != SGX_SUCCESS) {
			bench_say("the OCALL-timing ECALL failed");
			free(v);
			return -1;
		}
	}
	size_t n = batches * BATCH;
	for (size_t i = 0; i < n; i++)
		if (v[i] == UINT64_MAX) {
			bench_say("an OCALL failed inside the enclave");
			free(v);
			return -1;
		}
	report_set("ocall_empty_p50_us", (double)stats_pct(v, n, 50) * 1e6 / ghz);
	report_set("ocall_empty_p99_us", (double)stats_pct(v, n, 99) * 1e6 / ghz);
	report_note("ocall_empty_p50_us",
	            "timed inside the enclave with its TSC around each of %zu OCALLs (timing cost "
	            "not subtracted)",
	            n);
	calls_record_pcts("ocall_empty", v, n, ghz);
	free(v);
	return 0;
}

static int syscall_ecalls(const struct bench_opts *o)
{
	size_t max = BENCH_N(o, 300, 10), n = 0;
	uint64_t deadline = mono_ns() + BENCH_N(o, 2000000000ull, 200000000ull);
	uint64_t *v = malloc(max * sizeof(*v));
	if (!v)
		return -1;
	int pid = 0;
	ecall_getpid(bench_eid, &pid); /* warm-up */
	while (n < max && !CALLS_OVER(n, deadline)) {
		uint64_t t0 = clk_start();
		sgx_status_t st = ecall_getpid(bench_eid, &pid);
		v[n++] = calls_net(t0, clk_stop());
		if (st != SGX_SUCCESS || pid <= 0) {
			bench_say("the getpid ECALL failed");
			free(v);
			return -1;
		}
	}
	report_set("ecall_syscall_p50_us", clk_us(stats_pct(v, n, 50)));
	report_note("ecall_syscall_p50_us",
	            "an ECALL whose enclave calls getpid(): one ring 3 -> ring 0 -> ring 3 trip "
	            "in the EVM; %zu calls",
	            n);
	calls_record_pcts("ecall_syscall", v, n, clk_hz());
	free(v);
	return 0;
}

/* ---- throughput ------------------------------------------------------------------------ */

struct runner {
	pthread_t thread;
	uint64_t ns; /* how long to run */
	uint64_t calls, failed, busy;
	uint64_t t0, t1;
};

static atomic_int go;

static void *run_calls(void *arg)
{
	struct runner *r = arg;
	while (!atomic_load(&go))
		__builtin_ia32_pause();
	r->t0 = mono_ns();
	uint64_t end = r->t0 + r->ns;
	for (;;) {
		for (int i = 0; i < 256; i++) {
			sgx_status_t st = ecall_empty(bench_eid);
			if (st == SGX_SUCCESS)
				r->calls++;
			else if (st == SGX_ERROR_OUT_OF_TCS)
				r->busy++;
			else
				r->failed++;
		}
		if ((r->t1 = mono_ns()) >= end)
			break;
	}
	return NULL;
}

/* Empty ECALLs per second with n application threads at once; the
 * smallest and largest share of one thread in min_share, max_share. */
static double throughput(struct runner *r, int n, uint64_t ns, uint64_t *failed, uint64_t *busy,
                         double *min_share, double *max_share)
{
	memset(r, 0, (size_t)n * sizeof(*r));
	atomic_store(&go, 0);
	int started = 0;
	for (int i = 0; i < n; i++) {
		r[i].ns = ns;
		if (pthread_create(&r[i].thread, NULL, run_calls, &r[i]))
			break;
		started++;
	}
	atomic_store(&go, 1);
	uint64_t calls = 0, first = UINT64_MAX, last = 0;
	*failed = *busy = 0;
	for (int i = 0; i < started; i++) {
		pthread_join(r[i].thread, NULL);
		calls += r[i].calls;
		*failed += r[i].failed;
		*busy += r[i].busy;
		first = r[i].t0 < first ? r[i].t0 : first;
		last = r[i].t1 > last ? r[i].t1 : last;
	}
	if (started < n || last <= first || !calls)
		return -1;
	*min_share = 1, *max_share = 0;
	for (int i = 0; i < n; i++) {
		double s = (double)r[i].calls / (double)calls;
		*min_share = s < *min_share ? s : *min_share;
		*max_share = s > *max_share ? s : *max_share;
	}
	return (double)calls * 1e9 / (double)(last - first);
}

static int throughputs(const struct bench_opts *o)
{
	struct runner r[BENCH_TCS_NUM];
	uint64_t ns = BENCH_N(o, 1000000000ull, 100000000ull), failed, busy;
	double lo, hi;
	double one = throughput(r, 1, ns, &failed, &busy, &lo, &hi);
	if (one < 0 || failed) {
		bench_say("the one-thread ECALL throughput run failed");
		return -1;
	}
	report_set("ecalls_per_s", one);
	report_note("ecalls_per_s", "one application thread calling for %.1f s", (double)ns / 1e9);
	double all = throughput(r, BENCH_TCS_NUM, ns, &failed, &busy, &lo, &hi);
	if (all < 0 || failed) {
		bench_say("the %d-thread ECALL throughput run failed", BENCH_TCS_NUM);
		return -1;
	}
	report_set("ecalls_per_s_all_tcs", all);
	report_note("ecalls_per_s_all_tcs",
	            "%d application threads, one per TCS (TCSNum %d), for %.1f s; the busiest "
	            "thread made %.0f %% of the calls, the least busy %.0f %%; %llu calls refused "
	            "with SGX_ERROR_OUT_OF_TCS",
	            BENCH_TCS_NUM, BENCH_TCS_NUM, (double)ns / 1e9, hi * 100, lo * 100,
	            (unsigned long long)busy);
	return 0;
}

/* ---- the whole part ---------------------------------------------------------------------- */

int bench_calls(const struct bench_opts *o)
{
	static const char *const keys[] = {
	    "ecall_empty_p50_us",   "ecall_empty_p99_us",    "ocall_empty_p50_us",
	    "ocall_empty_p99_us",   "ecall_4k_inout_p50_us", "ecalls_per_s",
	    "ecalls_per_s_all_tcs", "ecall_syscall_p50_us",  "compute_ratio",
	};
	uint64_t t0 = mono_ns();
	sgx_status_t st =
	    sgx_create_enclave(o->enclave, SGX_DEBUG_FLAG, NULL, NULL, &bench_eid, NULL);
	if (st != SGX_SUCCESS) {
		bench_say("cannot create the bench enclave %s (status %#x); the ECALL, OCALL and "
		          "compute metrics are missing",
		          o->enclave, st);
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			report_note(keys[i],
			            "not measured: the bench enclave could not be created");
		return -1;
	}
	report_detail("bench_enclave_create_ms", (double)(mono_ns() - t0) / 1e6, "ms",
	              "sgx_create_enclave of the bench enclave (once)");
	report_detail("bench_enclave_tcs", BENCH_TCS_NUM, "", "bench enclave's TCSNum");
	bench_enclave_tsc_hz = guest_tsc_hz(BENCH_N(o, 100u, 20u));
	report_detail("enclave_tsc_ghz", bench_enclave_tsc_hz / 1e9, "GHz",
	              "enclave's TSC rate (for times taken inside the enclave)");
	int rc = 0;
	bench_say("empty ECALLs");
	rc |= empty_ecalls(o);
	rc |= idle_ecalls(o);
	bench_say("empty OCALLs");
	rc |= empty_ocalls(o);
	bench_say("ECALL throughput, 1 and %d threads", BENCH_TCS_NUM);
	rc |= throughputs(o);
	bench_say("compute kernels, native and in the enclave");
	rc |= calls_compute(o);
	bench_say("ECALLs with a system call in the EVM");
	rc |= syscall_ecalls(o);
	bench_say("ECALLs with [in] and [out] buffers");
	rc |= calls_buffers(o);
	t0 = mono_ns();
	st = sgx_destroy_enclave(bench_eid);
	if (st != SGX_SUCCESS) {
		bench_say("sgx_destroy_enclave of the bench enclave failed (status %#x)", st);
		rc = -1;
	}
	report_detail("bench_enclave_destroy_ms", (double)(mono_ns() - t0) / 1e6, "ms",
	              "sgx_destroy_enclave of the bench enclave (once, after all of the above)");
	return rc ? -1 : 0;
}
