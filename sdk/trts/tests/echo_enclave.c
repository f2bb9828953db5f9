/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trusted runtime's test enclave (echo.edl). Built twice: as a real
 * enclave (tests/enclaves/echo.signed.so, for the end-to-end tests with the
 * untrusted runtime) and into the host loopback test (loopback_app.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo_t.h"
#include "sgx_thread.h"
#include "sgx_trts.h"

int ecall_add(int a, int b)
{
	return a + b;
}

uint64_t ecall_reverse(uint8_t *buf, size_t len)
{
	uint64_t sum = 0;
	if (!buf)
		return 0;
	for (size_t i = 0; i < len / 2; i++) {
		uint8_t c = buf[i];
		buf[i] = buf[len - 1 - i];
		buf[len - 1 - i] = c;
	}
	for (size_t i = 0; i < len; i++)
		sum += buf[i];
	return sum;
}

int ecall_echo(const char *msg)
{
	int ret = -1;
	if (ocall_print(&ret, msg) != SGX_SUCCESS)
		return -1;
	return ret;
}

int ecall_nest_root(int x)
{
	int ret = 0;
	if (ocall_nest(&ret, x) != SGX_SUCCESS)
		return -1;
	return ret + 1000;
}

void ecall_crash(void)
{
	__builtin_trap();
}

int ecall_nested(int x)
{
	char msg[32];
	int ret = 0;
	snprintf(msg, sizeof(msg), "nested %d", x);
	if (ocall_print(&ret, msg) != SGX_SUCCESS || ret != (int)strlen(msg))
		return -1;
	return 2 * x;
}

size_t ecall_prefix(const char *in, char *out, size_t out_len)
{
	if (!out || out_len == 0)
		return 0;
	int n = snprintf(out, out_len, "enclave:%s", in ? in : "");
	if (n < 0)
		return 0;
	return (size_t)n < out_len ? (size_t)n : out_len - 1;
}

/* ---- ecall_self_test ------------------------------------------------------------------- */

static sgx_thread_mutex_t lock = SGX_THREAD_MUTEX_INITIALIZER;
static sgx_thread_cond_t cond = SGX_THREAD_COND_INITIALIZER;
static int turn, counter;
static const int rodata_word = 42;

static void *worker(void *arg)
{
	int me = (int)(intptr_t)arg;
	for (int i = 0; i < 1000; i++) {
		sgx_thread_mutex_lock(&lock);
		counter++;
		sgx_thread_mutex_unlock(&lock);
	}
	sgx_thread_mutex_lock(&lock);
	while (turn != me)
		sgx_thread_cond_wait(&cond, &lock);
	turn++;
	sgx_thread_cond_broadcast(&cond);
	sgx_thread_mutex_unlock(&lock);
	return NULL;
}

int ecall_self_test(void *window_ptr)
{
	int local = 1;
	/* 1-6: pointer classification. */
	if (!window_ptr || !sgx_is_outside_enclave(window_ptr, 16))
		return 1;
	if (sgx_is_within_enclave(window_ptr, 16))
		return 2;
	if (!sgx_is_within_enclave(&local, sizeof(local)) || sgx_is_outside_enclave(&local, 1))
		return 3;
	char *heap = malloc(4096);
	int heap_ok = heap && sgx_is_within_enclave(heap, 4096) && !sgx_is_outside_enclave(heap, 1);
	free(heap);
	if (!heap_ok)
		return 4;
	if (!sgx_is_within_enclave(&rodata_word, sizeof(rodata_word)) ||
	    !sgx_is_within_enclave((const void *)(uintptr_t)ecall_add, 1))
		return 5;
	if (sgx_is_within_enclave(&local, SIZE_MAX) || sgx_is_outside_enclave(window_ptr, SIZE_MAX))
		return 6;

	/* 7-8: random numbers. */
	unsigned char r[600];
	memset(r, 0, sizeof(r));
	if (sgx_read_rand(r, sizeof(r)) != SGX_SUCCESS)
		return 7;
	int nonzero = 0;
	for (size_t i = 0; i < sizeof(r); i++)
		nonzero += r[i] != 0;
	if (nonzero < 500)
		return 7;
	if (sgx_read_rand(NULL, 1) != SGX_ERROR_INVALID_PARAMETER ||
	    sgx_read_rand(r, 0) != SGX_ERROR_INVALID_PARAMETER)
		return 8;

	/* 9: mbusafecrt. */
	char d[4];
	if (memcpy_s(d, sizeof(d), "abcd", 4) || memcmp(d, "abcd", 4) ||
	    memcpy_s(d, sizeof(d), "abcde", 5) != ERANGE || d[0] != 0 ||
	    memset_s(d, sizeof(d), 'x', 4) || d[3] != 'x')
		return 9;

	/* 10-11: the OCALL stack, inside an ECALL. */
	void *p = sgx_ocalloc(64);
	int oc_ok = p && ((uintptr_t)p & 15) == 0 && sgx_is_outside_enclave(p, 64);
	void *q = sgx_ocalloc(SIZE_MAX / 2);
	sgx_ocfree();
	if (!oc_ok)
		return 10;
	if (q)
		return 11;
	if (sgx_ocalloc(64) != p) /* freed: the same place again */
		return 11;
	sgx_ocfree();

	/* 12: sgx_thread across enclave threads. */
	enum { N = 3 };
	pthread_t t[N];
	turn = 0;
	counter = 0;
	for (int i = 0; i < N; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i))
			return 12;
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	if (counter != N * 1000 || turn != N)
		return 12;
	return 0;
}
