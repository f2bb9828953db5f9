/* SPDX-License-Identifier: Apache-2.0 */
/*
 * End-to-end test application for the call path: the untrusted runtime,
 * the call slots and the trusted runtime, against the echo enclave
 * (sdk/trts/tests/echo.edl) in a real EVM. Prints one line per check.
 *
 *   echo_app ENCLAVE basic            every kind of call, refusals, destroy
 *   echo_app ENCLAVE threads N SECS   N threads calling at once for SECS s
 *   echo_app ENCLAVE hang             blocks forever inside an OCALL (for SIGKILL)
 *   echo_app ENCLAVE crash            an ECALL that faults, and the calls after it
 *
 * Exit status 0 when every check passed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "de_window.h"
#include "echo_u.h"
#include "sgx_urts.h"

static sgx_enclave_id_t eid;
static int failures;
static int hang_in_ocall;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			printf("ok: ");                                                            \
		} else {                                                                           \
			printf("FAIL: ");                                                          \
			failures++;                                                                \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		fflush(stdout);                                                                    \
	} while (0)

/* ---- OCALLs ---------------------------------------------------------------------- */

int ocall_print(const char *str)
{
	if (hang_in_ocall) {
		printf("in ocall: hanging\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	return str ? (int)strlen(str) : -1;
}

int ocall_nest(int x)
{
	int r = 0;
	sgx_status_t st = ecall_nested(eid, &r, x + 1);
	return st == SGX_SUCCESS ? r : -1000000;
}

/* ---- checks ------------------------------------------------------------------------ */

static int basic(void)
{
	int r = 0;
	sgx_status_t st = ecall_add(eid, &r, 2, 40);
	CHECK(st == SGX_SUCCESS && r == 42, "ecall_add(2, 40) = %d (status %#x)", r, st);

	uint8_t buf[1000];
	uint64_t want = 0;
	for (int i = 0; i < 1000; i++) {
		buf[i] = (uint8_t)(i * 7);
		want += buf[i];
	}
	uint64_t sum = 0;
	st = ecall_reverse(eid, &sum, buf, sizeof(buf));
	int reversed = 1;
	for (int i = 0; i < 1000; i++)
		reversed &= buf[i] == (uint8_t)((999 - i) * 7);
	CHECK(st == SGX_SUCCESS && sum == want && reversed,
	      "[in, out] buffer of 1000 bytes reversed in the enclave");

	st = ecall_echo(eid, &r, "hello from the app");
	CHECK(st == SGX_SUCCESS && r == 18, "ECALL -> OCALL with a string: %d", r);

	st = ecall_nest_root(eid, &r, 10);
	CHECK(st == SGX_SUCCESS && r == 1022, "ECALL -> OCALL -> allowed nested ECALL -> OCALL: %d",
	      r);

	st = ecall_nested(eid, &r, 1);
	CHECK(st == SGX_ERROR_ECALL_NOT_ALLOWED, "a private ECALL from the root is refused (%#x)",
	      st);

	void *w = de_window_alloc(eid, 64);
	st = ecall_self_test(eid, &r, w);
	CHECK(st == SGX_SUCCESS && r == 0,
	      "the enclave's own checks (pointer classes, random, memcpy_s, sgx_thread): %d", r);
	de_window_free(eid, w);

	char out[64];
	size_t n = 0;
	st = ecall_prefix(eid, &n, "abc", out, sizeof(out));
	CHECK(st == SGX_SUCCESS && n == 11 && !strcmp(out, "enclave:abc"), "[out] string: %s", out);

	st = ecall_add(eid + 12345, &r, 1, 1);
	CHECK(st == SGX_ERROR_INVALID_ENCLAVE_ID, "an unknown enclave id is refused (%#x)", st);

	st = sgx_destroy_enclave(eid);
	CHECK(st == SGX_SUCCESS, "sgx_destroy_enclave");
	st = ecall_add(eid, &r, 1, 1);
	CHECK(st == SGX_ERROR_INVALID_ENCLAVE_ID, "a call after destroy is refused (%#x)", st);
	return failures;
}

struct worker {
	pthread_t t;
	unsigned seed;
	long ok, out_of_tcs, wrong, other;
};

static atomic_int stop;

static void *work(void *arg)
{
	struct worker *w = arg;
	while (!atomic_load(&stop)) {
		int a = rand_r(&w->seed) % 100000, b = rand_r(&w->seed) % 100000, r = -1;
		sgx_status_t st = ecall_add(eid, &r, a, b);
		if (st == SGX_SUCCESS)
			w->ok++, w->wrong += r != a + b;
		else if (st == SGX_ERROR_OUT_OF_TCS)
			w->out_of_tcs++;
		else
			w->other++;
	}
	return NULL;
}

static int threads(int n, int secs)
{
	struct worker *w = calloc((size_t)n, sizeof(*w));
	for (int i = 0; i < n; i++) {
		w[i].seed = (unsigned)i * 7919u + 1;
		pthread_create(&w[i].t, NULL, work, &w[i]);
	}
	sleep((unsigned)secs);
	atomic_store(&stop, 1);
	long ok = 0, busy = 0, wrong = 0, other = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].t, NULL);
		ok += w[i].ok, busy += w[i].out_of_tcs, wrong += w[i].wrong, other += w[i].other;
	}
	printf("%d threads, %d s: %ld calls, %ld OUT_OF_TCS, %ld wrong, %ld other errors\n", n,
	       secs, ok, busy, wrong, other);
	CHECK(ok > 0 && wrong == 0 && other == 0, "every call answered correctly");
	free(w);
	sgx_destroy_enclave(eid);
	return failures;
}

static int crash(void)
{
	sgx_status_t st = ecall_crash(eid);
	CHECK(st == SGX_ERROR_ENCLAVE_CRASHED, "an ECALL that faults returns ENCLAVE_CRASHED (%#x)",
	      st);
	int r;
	st = ecall_add(eid, &r, 1, 2);
	CHECK(st == SGX_ERROR_ENCLAVE_CRASHED, "later calls return ENCLAVE_CRASHED (%#x)", st);
	sgx_destroy_enclave(eid);
	return failures;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: echo_app ENCLAVE basic|threads N SECS|hang|crash\n");
		return 2;
	}
	sgx_status_t st = sgx_create_enclave(argv[1], 1, NULL, NULL, &eid, NULL);
	if (st != SGX_SUCCESS) {
		printf("FAIL: sgx_create_enclave: %#x\n", st);
		return 1;
	}
	const char *mode = argv[2];
	if (!strcmp(mode, "basic"))
		return basic() ? 1 : 0;
	if (!strcmp(mode, "threads") && argc == 5)
		return threads(atoi(argv[3]), atoi(argv[4])) ? 1 : 0;
	if (!strcmp(mode, "crash"))
		return crash() ? 1 : 0;
	if (!strcmp(mode, "hang")) {
		hang_in_ocall = 1;
		int r;
		ecall_echo(eid, &r, "never returns");
		return 1;
	}
	return 2;
}
