/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sgx_create_enclave and sgx_destroy_enclave of SampleMath's enclave on the
 * running EVM, and where their time goes (trace.h): the control requests
 * LOAD, WINDOW, START and DESTROY as the application sees them, and what
 * the application does between them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "clock.h"
#include "de/control.h"
#include "report.h"
#include "sgx_urts.h"
#include "stats.h"
#include "trace.h"

#define MAX_RUNS 64

/* The phases, in order; each ends where the next begins. */
enum phase {
	P_OPEN,   /* read the file, connect: until LOAD is sent */
	P_LOAD,   /* LOAD sent .. its answer */
	P_WINMAP, /* the window's memfd and mapping: until WINDOW is sent */
	P_WINDOW, /* WINDOW sent .. its answer */
	P_START,  /* START sent .. its answer (from the end of WINDOW's) */
	P_READY,  /* until the enclave's runtime reports ready */
	P_CREATE_COUNT,
};

enum destroy_phase {
	D_SHUT,    /* slots told to shut down: until DESTROY is sent */
	D_DESTROY, /* DESTROY sent .. its answer */
	D_CLOSE,   /* closing the connection, unmapping the window */
	D_COUNT,
};

static const char *const create_names[P_CREATE_COUNT][2] = {
    {"create_open_ms", "  create: read the file, connect"},
    {"create_load_ms", "  create: LOAD (image to the EVM, verify, measure, map)"},
    {"create_window_setup_ms", "  create: make and map the window (memfd)"},
    {"create_window_ms", "  create: WINDOW (service maps it, EVM maps it)"},
    {"create_start_ms", "  create: START"},
    {"create_ready_ms", "  create: wait until the enclave is ready"},
};
static const char *const destroy_names[D_COUNT][2] = {
    {"destroy_shutdown_ms", "  destroy: tell the slot threads to stop"},
    {"destroy_request_ms", "  destroy: DESTROY (EVM ends and scrubs the enclave)"},
    {"destroy_close_ms", "  destroy: close the connection, unmap the window"},
};

/* The time the answer to the request sent at evs[i] was complete: the
 * last recv on the same descriptor before the next send on it. */
static uint64_t answered(const struct trace_ev *evs, size_t n, size_t i)
{
	uint64_t t = evs[i].ns;
	for (size_t j = i + 1; j < n; j++) {
		if (evs[j].fd != evs[i].fd)
			continue;
		if (evs[j].kind == TRACE_SEND)
			break;
		t = evs[j].ns;
	}
	return t;
}

/* Index of the first send of control op `op`, or n. */
static size_t find_send(const struct trace_ev *evs, size_t n, int op)
{
	for (size_t i = 0; i < n; i++)
		if (evs[i].kind == TRACE_SEND && evs[i].op == op)
			return i;
	return n;
}

/* Splits [begin, end] at the create requests; 0, or -1 if one is missing. */
static int split_create(const struct trace_ev *e, size_t n, uint64_t begin, uint64_t end,
                        double out[P_CREATE_COUNT])
{
	size_t l = find_send(e, n, DE_CTL_LOAD), w = find_send(e, n, DE_CTL_WINDOW);
	size_t s = find_send(e, n, DE_CTL_START);
	if (l == n || w == n || s == n)
		return -1;
	uint64_t la = answered(e, n, l), wa = answered(e, n, w), sa = answered(e, n, s);
	uint64_t t[] = {begin, e[l].ns, la, e[w].ns, wa, sa, end};
	for (int p = 0; p < P_CREATE_COUNT; p++)
		out[p] = (double)(t[p + 1] - t[p]) / 1e6;
	return 0;
}

static int split_destroy(const struct trace_ev *e, size_t n, uint64_t begin, uint64_t end,
                         double out[D_COUNT])
{
	size_t d = find_send(e, n, DE_CTL_DESTROY);
	if (d == n)
		return -1;
	uint64_t t[] = {begin, e[d].ns, answered(e, n, d), end};
	for (int p = 0; p < D_COUNT; p++)
		out[p] = (double)(t[p + 1] - t[p]) / 1e6;
	return 0;
}

/* SampleMath's signed enclave: --samplemath, the build tree, the installed
 * copy, an example built in the installed SDK; NULL if none is there. */
static const char *find_samplemath(const struct bench_opts *o, char *buf, size_t len)
{
	static const char *const rel[] = {
	    "../SampleMath/Enclave/enclave.signed.so",
	    "../share/de-enclave/bench/samplemath.signed.so",
	    "../examples/SampleMath/build/SampleMath/Enclave/enclave.signed.so",
	};
	if (o->samplemath)
		return o->samplemath;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(buf, len, "%s/%s", o->bin_dir, rel[i]);
		if (access(buf, R_OK) == 0)
			return buf;
	}
	return NULL;
}

int bench_lifecycle(const struct bench_opts *o)
{
	char found[4200];
	const char *path = find_samplemath(o, found, sizeof(found));
	const char *which = "SampleMath";
	if (!path) {
		path = o->enclave;
		which = "the bench enclave (SampleMath's was not found; pass --samplemath)";
	}
	bench_say("sgx_create_enclave / sgx_destroy_enclave");
	char *real = realpath(path, NULL);
	report_detail_str("create_enclave_file", real ? real : path,
	                  "enclave created and destroyed");
	free(real);

	size_t runs = BENCH_N(o, 20u, 3u);
	double create[MAX_RUNS], destroy[MAX_RUNS];
	double cp[P_CREATE_COUNT][MAX_RUNS], dp[D_COUNT][MAX_RUNS];
	size_t traced_c = 0, traced_d = 0;
	/* Run 0 warms the file cache and the service's paths and is not counted. */
	for (size_t r = 0; r <= runs; r++) {
		sgx_enclave_id_t id;
		const struct trace_ev *evs;
		trace_begin();
		uint64_t t0 = mono_ns();
		sgx_status_t st = sgx_create_enclave(path, SGX_DEBUG_FLAG, NULL, NULL, &id, NULL);
		uint64_t t1 = mono_ns();
		size_t n = trace_end(&evs);
		if (st != SGX_SUCCESS) {
			bench_say("sgx_create_enclave(%s) failed with status %#x", path, st);
			report_note("create_enclave_ms", "sgx_create_enclave failed (status %#x)",
			            st);
			return -1;
		}
		double c[P_CREATE_COUNT];
		int c_ok = r && !split_create(evs, n, t0, t1, c);
		trace_begin();
		uint64_t t2 = mono_ns();
		st = sgx_destroy_enclave(id);
		uint64_t t3 = mono_ns();
		n = trace_end(&evs);
		if (st != SGX_SUCCESS) {
			bench_say("sgx_destroy_enclave failed with status %#x", st);
			report_note("destroy_enclave_ms", "sgx_destroy_enclave failed (status %#x)",
			            st);
			return -1;
		}
		if (!r)
			continue;
		create[r - 1] = (double)(t1 - t0) / 1e6;
		destroy[r - 1] = (double)(t3 - t2) / 1e6;
		if (c_ok) {
			for (int p = 0; p < P_CREATE_COUNT; p++)
				cp[p][traced_c] = c[p];
			traced_c++;
		}
		double d[D_COUNT];
		if (!split_destroy(evs, n, t2, t3, d)) {
			for (int p = 0; p < D_COUNT; p++)
				dp[p][traced_d] = d[p];
			traced_d++;
		}
	}
	/* The medians sort the samples: [0] is the least, [runs - 1] the most. */
	report_set("create_enclave_ms", stats_median_d(create, runs));
	report_set("destroy_enclave_ms", stats_median_d(destroy, runs));
	report_note("create_enclave_ms", "%s, median of %zu (after one warm-up), max %.2f ms",
	            which, runs, create[runs - 1]);
	report_note("destroy_enclave_ms", "%s, median of %zu, max %.2f ms", which, runs,
	            destroy[runs - 1]);
	report_detail("create_enclave_min_ms", create[0], "ms", "sgx_create_enclave, min");
	for (int p = 0; p < P_CREATE_COUNT && traced_c; p++)
		report_detail(create_names[p][0], stats_median_d(cp[p], traced_c), "ms",
		              create_names[p][1]);
	report_detail("destroy_enclave_min_ms", destroy[0], "ms", "sgx_destroy_enclave, min");
	for (int p = 0; p < D_COUNT && traced_d; p++)
		report_detail(destroy_names[p][0], stats_median_d(dp[p], traced_d), "ms",
		              destroy_names[p][1]);
	return 0;
}
