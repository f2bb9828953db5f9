/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sgx_read_rand on getrandom (the EVM's kernel: RDRAND, at most 256 bytes
 * per call, fewer when RDRAND fails part-way, EAGAIN when nothing came).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>

#include "sgx_trts.h"

#define CHUNK     256u
#define MAX_FAILS 10

sgx_status_t SGX_CDECL sgx_read_rand(unsigned char *buf, size_t size)
{
	if (!buf || size == 0)
		return SGX_ERROR_INVALID_PARAMETER;
	if (!sgx_is_within_enclave(buf, size) && !sgx_is_outside_enclave(buf, size))
		return SGX_ERROR_INVALID_PARAMETER;
	size_t done = 0;
	int fails = 0;
	while (done < size) {
		size_t n = size - done < CHUNK ? size - done : CHUNK;
		ssize_t r = getrandom(buf + done, n, 0);
		if (r > 0 && (size_t)r <= n) {
			done += (size_t)r;
			fails = 0;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (++fails >= MAX_FAILS) {
			memset_s(buf, size, 0, size);
			return SGX_ERROR_UNEXPECTED;
		}
	}
	return SGX_SUCCESS;
}
